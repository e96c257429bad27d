"""Conference moderator: a call the service starts (``POST /api/calls`` or ``callwright call``) that keeps order.

Start it by dialling everyone (a group call)::

    callwright call --flow conference --to +15555550101 --to +15555550102 --caller-id +18005550101 \\
        --state host=4:+15555550101

or by joining a running call (a room, a group call, or any call by its server call id)::

    callwright call --flow conference --connect-room <roomId> --state host=4:+15555550101

Once connected it reads the call's properties and roster, mutes everyone but the host, removes anyone on the
``blocked`` list, and ends the call for everyone when the host leaves. ACS lists the service itself in the roster
(as the call's ``source``): the moderator never mutes or counts itself.

Seed actions used: create_call (group), connect, get_properties, list_participants, get_participant, mute,
remove_participant, hang_up(for_everyone).
"""

from __future__ import annotations

from azure.communication.callautomation import CallParticipant

from app import CallActions, CallState, Log, OperationContext, Router
from app.events import ParticipantsUpdated, RemoveParticipantFailed, RemoveParticipantSucceeded

router = Router(name="conference")


class Removal(OperationContext, prefix="conf-remove"):
    """Tags removals of blocked participants."""


def _raw(participant: CallParticipant) -> str:
    return str(participant.identifier.raw_id) if participant.identifier else ""


@router.call_connected()
async def take_the_chair(call: CallActions, state: CallState, log: Log) -> None:
    properties = await call.get_properties()
    if properties.source is not None:
        state["self"] = str(properties.source.raw_id)  # the service's own entry in the roster
    roster = await call.list_participants()
    log.info("conference_connected", state=str(properties.call_connection_state), roster=[_raw(p) for p in roster])
    host = state.get("host")
    if host:
        host_details = await call.get_participant(host)
        log.info("host_present", host=host, muted=host_details.is_muted)
    await _keep_order(call, roster, state)


@router.participants_updated()
async def on_roster_change(event: ParticipantsUpdated, call: CallActions, state: CallState, log: Log) -> None:
    present = [participant.identifier.raw_id for participant in event.participants]
    host = state.get("host")
    if host and state.get("host_seen") and host not in present:
        log.info("host_left_ending_conference")
        await call.hang_up(for_everyone=True)
        return
    if host in present:
        state["host_seen"] = True
    newcomers = [raw for raw in present if raw not in state.get("seen", [])]
    state["seen"] = sorted(set(state.get("seen", [])) | set(present))
    if newcomers:
        await _keep_order(call, await call.list_participants(), state)


async def _keep_order(call: CallActions, roster: list[CallParticipant], state: CallState) -> None:
    host = state.get("host")
    blocked = set(str(state.get("blocked", "")).split(",")) - {""}
    muted = set(state.get("muted", []))
    for participant in roster:
        raw = _raw(participant)
        if raw == state.get("self"):
            continue
        if raw in blocked:
            await call.remove_participant(raw, context=Removal())
        elif raw != host and not participant.is_muted and raw not in muted and raw.startswith("8:"):
            # ACS mutes ACS users only; PSTN participants are left to their own phones.
            await call.mute(raw)
            muted.add(raw)
    state["muted"] = sorted(muted)


@router.remove_participant_succeeded(context=Removal)
async def removed(event: RemoveParticipantSucceeded, log: Log) -> None:
    log.info("participant_removed", participant=event.participant.raw_id if event.participant else None)


@router.remove_participant_failed(context=Removal)
async def removal_failed(event: RemoveParticipantFailed, log: Log) -> None:
    log.warning("participant_removal_failed", code=event.result_code, sub_code=event.sub_code)
