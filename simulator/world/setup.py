"""Call setup and teardown: createCall, answer, reject, redirect, connect, hang up, terminate.

Each function validates state, changes the world, and schedules what follows in time (events included).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from simulator.world.calls import (
    CONNECTING,
    DEFAULT_API_VERSION,
    DISCONNECTED,
    ENDED,
    ESTABLISHED,
    Call,
    Connection,
)
from simulator.world.errors import AcsError, invalid_state, not_found, terminated
from simulator.world.identity import Identifier
from simulator.world.invite import start_ring
from simulator.world.ringing import BUSY, DECLINED, Outcome, Ring

if TYPE_CHECKING:
    from simulator.world.world import World

REDIRECTED = Outcome(False, 302, 0, "Redirected.")
_REJECT_OUTCOMES = {"none": DECLINED, "forbidden": Outcome(False, 403, 8538, "Call forbidden."), "busy": BUSY}


def create_call(
    world: World,
    targets: list[Identifier],
    callback_uri: str,
    *,
    source_caller_id: str | None = None,
    source_display_name: str | None = None,
    source: Identifier | None = None,
    operation_context: str | None = None,
    api_version: str = DEFAULT_API_VERSION,
) -> Connection:
    """An outbound call to ``targets`` (one target: a 1:1 call; more: a group call).

    The app's leg is in the roster as ``source`` (the client's ACS user), else as the resource's own identity.
    """
    call = world.new_call(callee=targets[0], caller=source or world.app_identity)
    conn = world.new_connection(
        call,
        callback_uri,
        targets=list(targets),
        source=source or world.app_identity,
        identity=source or world.app_identity,
        source_caller_id=source_caller_id,
        source_display_name=source_display_name,
        operation_context=operation_context,
        api_version=api_version,
    )
    caller = Identifier.phone(source_caller_id) if source_caller_id else conn.source
    timeout = world.timing.ringing_timeout
    display_name = source_display_name or ""
    rings = [start_ring(world, call, t, caller=caller, timeout=timeout, display_name=display_name) for t in targets]
    world.spawn(call, _dial(world, conn, rings))
    return conn


async def _dial(world: World, conn: Connection, rings: list[Ring]) -> None:
    call = conn.call
    last: Outcome | None = None
    pending = {ring.future: ring for ring in rings}
    while pending:
        done, _ = await asyncio.wait(list(pending), return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            ring = pending.pop(future)
            outcome = future.result()
            if not outcome.answered:
                last = outcome
                continue
            world.join(call, ring.target)
            if conn.state == CONNECTING:
                world.connect(conn, conn.operation_context)
            else:
                world.participants_updated(call)
    if conn.state == CONNECTING and last is not None and not last.canceled:
        world.emit(conn, "CreateCallFailed", operation_context=conn.operation_context, result=last.result())
        world.disconnect(conn, last.result())
        call.state = ENDED


def answer(
    world: World,
    context: str,
    callback_uri: str,
    *,
    operation_context: str | None = None,
    answered_by: Identifier | None = None,
    api_version: str = DEFAULT_API_VERSION,
) -> Connection:
    """Answer a ringing IncomingCall; a ring that is no longer answerable gives AnswerFailed.

    The app's leg is in the roster as ``answered_by``, else as the ACS user that was called, else (a phone number
    was called) as the resource's own identity.
    """
    ring = _ring(world, context)
    call = ring.call
    called_user = ring.target if ring.target.kind == "communicationUser" else None
    conn = world.new_connection(
        call,
        callback_uri,
        targets=[ring.target],
        source=ring.caller,
        answered_by=answered_by.raw_id if answered_by else None,
        identity=answered_by or called_user or world.app_identity,
        operation_context=operation_context,
        api_version=api_version,
    )
    conn.state = "unknown"  # what the service reports right after answer (the SDK's CallConnectionProperties)
    if world.settle_ring_by_app(ring, conn):
        world.spawn(call, _establish(world, conn, operation_context))
    else:
        world.spawn(call, _answer_failed(world, conn, ring, operation_context))
    return conn


async def _establish(world: World, conn: Connection, operation_context: str | None) -> None:
    await world.clock.sleep(world.timing.connect_delay)
    if conn.call.state != ENDED and conn.state not in (DISCONNECTED,):
        world.connect(conn, operation_context)


async def _answer_failed(world: World, conn: Connection, ring: Ring, operation_context: str | None) -> None:
    await world.clock.sleep(world.timing.connect_delay)
    outcome = ring.outcome
    if outcome is None or outcome.answered or outcome.sub_code == 0:
        result = {"code": 400, "subCode": 8585, "message": "Call was already answered, redirected or rejected."}
    elif outcome.sub_code == 10057:
        result = {"code": 400, "subCode": 8587, "message": "Incoming call was not answered within time."}
    else:
        result = {"code": 400, "subCode": 8528, "message": "Call was already terminated."}
    world.emit(conn, "AnswerFailed", operation_context=operation_context, result=result)
    conn.state = DISCONNECTED


def reject(world: World, context: str, reason: str) -> None:
    ring = _ring(world, context)
    _require_ringing(ring)
    world.timeline.record("note", "acs", f"rejected ({reason})", server_call_id=ring.call.server_call_id)
    world.settle_ring(ring, _REJECT_OUTCOMES[reason])
    if not ring.call.connections and ring.call.state != ESTABLISHED:
        world.end_call(ring.call)


def redirect(world: World, context: str, target: Identifier, custom_context: dict[str, Any] | None = None) -> None:
    ring = _ring(world, context)
    _require_ringing(ring)
    world.settle_ring(ring, REDIRECTED)
    call = ring.call
    call.callee = target
    new_ring = start_ring(
        world, call, target, caller=ring.caller, timeout=world.timing.ringing_timeout, custom_context=custom_context
    )
    world.spawn(call, _after_redirect(world, new_ring))


async def _after_redirect(world: World, ring: Ring) -> None:
    outcome = await ring.future
    call = ring.call
    if outcome.answered and outcome.by_app is None:
        world.join(call, ring.target)
        call.state = ESTABLISHED
    elif not outcome.answered and outcome != REDIRECTED and not call.connections:
        world.end_call(call)


def connect(
    world: World,
    kind: str,
    locator: str,
    callback_uri: str,
    *,
    operation_context: str | None = None,
    api_version: str = DEFAULT_API_VERSION,
) -> Connection:
    """Join an existing call by server call id, group call id or room id.

    The leg joins the roster as the resource's identity unless the app already holds the call (then nobody new).
    """
    call = _locate(world, kind, locator)
    failed = call is None
    if call is None:  # unknown or ended: the connection fails asynchronously with ConnectFailed (see README)
        call = world.new_call(state=ENDED)
    conn = world.new_connection(call, callback_uri, operation_context=operation_context, api_version=api_version)
    if failed:
        world.spawn(call, _connect_failed(world, conn, operation_context))
    else:
        world.spawn(call, _establish(world, conn, operation_context))
    return conn


def _locate(world: World, kind: str, locator: str) -> Call | None:
    if kind == "serverCallLocator":
        call = world.calls.get(locator)
        return call if call is not None and call.state == ESTABLISHED else None
    attribute = "group_call_id" if kind == "groupCallLocator" else "room_id"
    for call in world.calls.values():
        if getattr(call, attribute) == locator and call.state != ENDED:
            return call
    if kind == "roomCallLocator" and locator not in world.rooms:
        return None
    presets = world.groups.get(locator, []) if kind == "groupCallLocator" else world.rooms[locator]
    call = world.new_call(state=ESTABLISHED, **{attribute: locator})
    for who in presets:
        world.join(call, who)
    return call


async def _connect_failed(world: World, conn: Connection, operation_context: str | None) -> None:
    await world.clock.sleep(world.timing.connect_delay)
    result = {"code": 404, "subCode": 8522, "message": "Call not found."}
    world.emit(conn, "ConnectFailed", operation_context=operation_context, result=result)
    conn.state = DISCONNECTED


def hang_up(world: World, conn: Connection) -> None:
    """DELETE: a 1:1 call ends for everyone; in a group call only the app leaves."""
    call = conn.call
    if conn.state in (CONNECTING, "unknown") and call.state != ESTABLISHED:
        world.end_call(call)
    elif len(call.participants) + len(call.active_connections()) <= 2:
        world.end_call(call)
    else:
        world.disconnect(conn)


def terminate(world: World, conn: Connection) -> None:
    world.end_call(conn.call)


def _ring(world: World, context: str) -> Ring:
    ring = world.rings.get(context)
    if ring is None:
        raise not_found("Incoming call")
    return ring


def _require_ringing(ring: Ring) -> None:
    if ring.ringing:
        return
    if ring.call.state == ENDED:
        raise terminated()
    raise invalid_state("Call was already answered, redirected or rejected.")


__all__ = ["AcsError", "answer", "connect", "create_call", "hang_up", "redirect", "reject", "terminate"]
