"""Participant actions: add, cancel add, remove, mute, and transfer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.world.calls import CONNECTED, DISCONNECTED, TRANSFER_ACCEPTED, TRANSFERRING, Connection
from simulator.world.errors import invalid
from simulator.world.identity import Identifier
from simulator.world.invite import start_ring
from simulator.world.mediaops import participant, require_connected
from simulator.world.parties import Behaviour
from simulator.world.ringing import CANCELED, Ring

if TYPE_CHECKING:
    from simulator.world.world import World


@dataclass(frozen=True)
class Callback:
    """Where an action's events go and what they echo."""

    operation_context: str | None = None
    url: str | None = None


def add_participant(
    world: World,
    conn: Connection,
    target: Identifier,
    *,
    timeout: float,
    custom_context: dict[str, Any] | None,
    caller: Identifier | None,
    cb: Callback,
) -> Ring:
    require_connected(conn)
    if conn.call.member(target.raw_id) is not None:
        raise invalid(f"participant {target.raw_id} is already in the call.")
    ring = start_ring(world, conn.call, target, caller=caller, timeout=timeout, custom_context=custom_context)
    world.invitations[ring.invitation_id] = ring
    if world.realism is not None:
        world.spawn(conn.call, world.ringing_update(ring))

    async def settle() -> None:
        outcome = await ring.future
        if outcome.canceled:
            return
        data = {"participant": target.to_wire()}
        if outcome.answered:
            world.join(conn.call, target)
            world.emit(conn, "AddParticipantSucceeded", data, url=cb.url, operation_context=cb.operation_context)
            world.participants_updated(conn.call)
        else:
            world.emit(
                conn,
                "AddParticipantFailed",
                data,
                url=cb.url,
                operation_context=cb.operation_context,
                result=outcome.result(),
            )

    world.spawn(conn.call, settle())
    return ring


def cancel_add_participant(world: World, conn: Connection, invitation_id: str, cb: Callback) -> None:
    require_connected(conn)
    ring = world.invitations.get(invitation_id)
    data = {"invitationId": invitation_id}
    if ring is not None and ring.call is conn.call and ring.ringing:
        world.settle_ring(ring, CANCELED)
        world.emit(
            conn,
            "CancelAddParticipantSucceeded",
            data,
            url=cb.url,
            operation_context=cb.operation_context,
            result=cancel_succeeded(ring.target),
        )
        return
    result = {"code": 400, "subCode": 8523, "message": "Invitation not found or already completed."}
    world.emit(
        conn, "CancelAddParticipantFailed", data, url=cb.url, operation_context=cb.operation_context, result=result
    )


def cancel_succeeded(target: Identifier) -> dict[str, Any]:
    """The success event carries the canceled invitation's SIP outcome (the 2026-09 cancel live-test capture)."""
    return {
        "code": 487,
        "subCode": 5234,
        "message": f"addParticipants failed for participant {target.raw_id}. Underlying reason: "
        "The Call Has Been Cancelled. DiagCode: 487#5234.@",
    }


def remove_participant(world: World, conn: Connection, target: Identifier, cb: Callback) -> None:
    require_connected(conn)
    data = {"participant": target.to_wire()}
    if target.raw_id not in conn.call.participants:
        result = {"code": 404, "subCode": 8522, "message": "Participant not found."}
        world.emit(
            conn, "RemoveParticipantFailed", data, url=cb.url, operation_context=cb.operation_context, result=result
        )
        return
    world.timeline.record("party", target.raw_id, "removed", call_connection_id=conn.id)
    world.emit(conn, "RemoveParticipantSucceeded", data, url=cb.url, operation_context=cb.operation_context)
    world.leave(conn.call, target)


def mute(world: World, conn: Connection, target: Identifier) -> None:
    require_connected(conn)
    participant(conn, target).muted = True
    world.participants_updated(conn.call)


def transfer(
    world: World,
    conn: Connection,
    target: Identifier,
    transferee: Identifier | None,
    *,
    custom_context: dict[str, Any] | None,
    caller: Identifier | None,
    cb: Callback,
) -> None:
    """1:1 call: the app leaves once the target accepts. With a transferee: only the transferee leaves."""
    require_connected(conn)
    call = conn.call
    if transferee is not None:
        participant(conn, transferee)
    elif len(call.participants) != 1:
        raise invalid("transferee is required to transfer a call with more than one participant.")
    leaving = transferee or next(iter(call.participants.values())).identifier
    behaviour = world.parties.behaviour_for(target, app_reachable=world.is_app_reachable(target))
    if behaviour.transfer == "fail" and behaviour.answer == "accept":
        behaviour = Behaviour(answer="fail", answer_after=behaviour.answer_after)
    conn.state = TRANSFERRING
    ring = start_ring(
        world,
        call,
        target,
        caller=caller or leaving,
        timeout=world.timing.invitation_timeout,
        custom_context=custom_context,
        behaviour=behaviour,
    )

    async def settle() -> None:
        outcome = await ring.future
        if conn.state == DISCONNECTED:
            return
        if not outcome.answered:
            conn.state = CONNECTED
            world.emit(
                conn,
                "CallTransferFailed",
                url=cb.url,
                operation_context=cb.operation_context,
                result=outcome.result(),
            )
            return
        conn.state = TRANSFER_ACCEPTED
        data = {"transferTarget": target.to_wire(), "transferee": leaving.to_wire()}
        world.emit(conn, "CallTransferAccepted", data, url=cb.url, operation_context=cb.operation_context)
        world.join(call, target)
        if transferee is None:
            world.disconnect(conn)
        else:
            conn.state = CONNECTED
            world.leave(call, transferee)

    world.spawn(call, settle())
