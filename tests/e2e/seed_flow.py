"""The ``seed`` test flow: performs each call-control action of the seed guide on demand.

Inbound calls choose the action by the number dialed (the emulator's control API delivers an IncomingCall
whatever ``to`` is). Outbound calls, started with ``phone.trigger("seed", ..., state={...})``, choose it by
their initial state:

- ``do``: ``transfer``, ``add``, ``cancel_ringing``, ``cancel_answered``, ``remove``, ``remove_missing``,
  ``mute``, ``hang_up``, ``leave``, ``report``, ``get_missing`` or ``play`` (anything else: do nothing);
- ``target``, ``transferee``, ``caller_id``, ``invitation_timeout``, ``context`` (operation context),
  ``operation_callback`` (send the action's events to ``/Events?flow=seed&via=operation``), ``voip`` and
  ``sip`` (custom calling context headers);
- ``wait_for``: act once this many participants are in the call (group calls) instead of on CallConnected.

What the flow learns (call properties, participants, an action's error) it says in a ``play`` prompt starting
with ``report`` or ``error``: the prompt text is in the emulator's timeline, so tests read it from there. Before
a call is answered there is nothing to play to, so an error of a pre-call action goes into the operation context
of an answer instead (its ``AnswerFailed`` echoes it).
"""

from __future__ import annotations

import json
from typing import Any

from azure.communication.callautomation import CallParticipant

from app import CallActionError, CallActions, CallState, Router
from app.actions.call import RejectReason
from app.actions.packing import callback_url_for
from app.actions.prompts import Speech
from app.events import AddParticipantSucceeded, IncomingCall, ParticipantsUpdated
from config.settings import Settings
from simulator.world.identity import resource_identity

FLOW = "seed"
router = Router(name=FLOW)

# Inbound: the number dialed chooses the action.
ANSWER = "+18005551001"
REDIRECT_THEN_ANSWER = "+18005551002"
REJECT_NONE = "+18005551010"
REJECT_BUSY = "+18005551011"
REJECT_FORBIDDEN = "+18005551012"
REDIRECT_TO_PSTN = "+18005551020"
REDIRECT_TO_OWNED = "+18005551021"
REDIRECT_TO_USER = "+18005551022"
# Redirect, then try to reject / redirect again: the second action fails (the call no longer rings). The flow
# reports the typed error in the operation context of an answer, whose AnswerFailed carries it back.
REJECT_TOO_LATE = "+18005551030"
REDIRECT_TOO_LATE = "+18005551031"
# An owned number the flow answers: a transfer or add aimed at it rings the app.
DESK = "+18005550101"

# Targets the redirects use.
PSTN_TARGET = "+15555550150"
OWNED_TARGET = "+18005550103"
USER_TARGET_NAME = "seed-redirect-target"

REJECT_REASONS: dict[str, RejectReason] = {REJECT_NONE: "none", REJECT_BUSY: "busy", REJECT_FORBIDDEN: "forbidden"}
REPORT = "report"
ERROR = "error"
OPERATION_MARK = "via"


def acs_user(settings: Settings, name: str) -> str:
    """An ACS user of the resource the service runs for (``8:acs:<resourceId>_<name>``)."""
    return f"8:acs:{settings.resource_id}_{name}"


def with_app(settings: Settings, *raw_ids: str) -> list[str]:
    """``raw_ids`` plus the resource's own identity, sorted: the roster ACS lists for a call the service holds."""
    return sorted([*raw_ids, resource_identity(settings.resource_id).raw_id])


def operation_callback_url(settings: Settings) -> str:
    """The call's own callback URL plus a marker, so a test can tell which URL an event was sent to."""
    return f"{callback_url_for(settings, FLOW)}&{OPERATION_MARK}=operation"


# ---- inbound ----------------------------------------------------------------------------------------------------


@router.incoming_call(to={ANSWER, DESK})
async def answer(call: CallActions) -> None:
    await call.answer(context="answered")


@router.incoming_call(to=REDIRECT_THEN_ANSWER)
async def redirect_then_answer(call: CallActions) -> None:
    await call.redirect(PSTN_TARGET)
    await call.answer(context="too-late")


@router.incoming_call(to=set(REJECT_REASONS))
async def reject(call: CallActions, event: IncomingCall) -> None:
    await call.reject(REJECT_REASONS[event.to_number or ""])


@router.incoming_call(to={REDIRECT_TO_PSTN, REDIRECT_TO_OWNED, REDIRECT_TO_USER})
async def redirect(call: CallActions, event: IncomingCall, settings: Settings) -> None:
    targets = {
        REDIRECT_TO_PSTN: PSTN_TARGET,
        REDIRECT_TO_OWNED: OWNED_TARGET,
        REDIRECT_TO_USER: acs_user(settings, USER_TARGET_NAME),
    }
    await call.redirect(targets[event.to_number or ""])


@router.incoming_call(to={REJECT_TOO_LATE, REDIRECT_TOO_LATE})
async def act_too_late(call: CallActions, event: IncomingCall) -> None:
    await call.redirect(PSTN_TARGET)
    try:
        if event.to_number == REJECT_TOO_LATE:
            await call.reject("busy")
        else:
            await call.redirect(OWNED_TARGET)
    except CallActionError as error:
        await call.answer(context=f"{ERROR} {error.action} {error.status}/{error.code}")


# ---- outbound: the initial state chooses the action ---------------------------------------------------------------


@router.call_connected()
async def connected(call: CallActions, state: CallState, settings: Settings) -> None:
    if not state.get("wait_for"):
        await _act(call, state, settings)


@router.participants_updated()
async def roster(call: CallActions, state: CallState, settings: Settings, event: ParticipantsUpdated) -> None:
    wanted = state.get("wait_for")
    if not wanted:
        return
    if "self" not in state:  # ACS lists the service itself in the roster (as the call's source): don't count it
        source = (await call.get_properties()).source
        state["self"] = str(source.raw_id) if source is not None else ""
    others = [p for p in event.participants if p.identifier is not None and p.identifier.raw_id != state["self"]]
    if len(others) >= int(wanted):
        await _act(call, state, settings)


@router.add_participant_succeeded()
async def added(call: CallActions, state: CallState, event: AddParticipantSucceeded) -> None:
    if state.get("do") == "cancel_answered":
        await call.cancel_add_participant(str(state["invitation"]), context=state.get("context"))
    elif state.get("do") == "remove" and event.participant is not None:
        await call.remove_participant(event.participant.raw_id, context=state.get("context"))


@router.error(CallActionError)
async def report_error(call: CallActions, error: CallActionError) -> None:
    await call.play(f"{ERROR} {error.action} {error.status}/{error.code}")


async def _act(call: CallActions, state: CallState, settings: Settings) -> None:
    if state.get("acted"):
        return
    state["acted"] = True
    action = state.get("do")
    context = state.get("context")
    callback = operation_callback_url(settings) if state.get("operation_callback") else None
    target = state.get("target")
    if action == "transfer":
        await call.transfer(
            str(target),
            transferee=state.get("transferee"),
            voip_headers=state.get("voip"),
            sip_headers=state.get("sip"),
            context=context,
            callback_url=callback,
        )
    elif action in ("add", "cancel_answered", "remove", "cancel_ringing"):
        result = await call.add_participant(
            str(target),
            caller_id=state.get("caller_id"),
            invitation_timeout=state.get("invitation_timeout"),
            voip_headers=state.get("voip"),
            sip_headers=state.get("sip"),
            context=context,
            callback_url=callback,
        )
        state["invitation"] = result.invitation_id
        if action == "cancel_ringing":
            await call.cancel_add_participant(str(result.invitation_id), context=context, callback_url=callback)
    elif action == "remove_missing":
        await call.remove_participant(str(target), context=context, callback_url=callback)
    elif action == "mute":
        await call.mute(str(target), context=context)
    elif action in ("hang_up", "leave"):
        await call.hang_up(for_everyone=action == "hang_up")
    elif action == "report":
        await call.play(await _report(call, str(target)))
    elif action == "get_missing":
        await call.get_participant(str(target))
    elif action == "play":
        await call.play("hello")


async def _report(call: CallActions, target: str) -> list[Speech]:
    """What ACS says about the call, one prompt per fact (a text prompt holds at most 400 characters)."""
    props = await call.get_properties()
    participants = await call.list_participants()
    one = await call.get_participant(target)
    facts: dict[str, Any] = {
        "callConnectionId": props.call_connection_id,
        "serverCallId": props.server_call_id,
        "state": str(props.call_connection_state),
        "targets": [t.raw_id for t in props.targets or []],
        "sourceCallerId": props.source_caller_id_number.raw_id if props.source_caller_id_number else None,
        "participants": sorted(_raw(p) for p in participants),
        "participant": {"rawId": _raw(one), "isMuted": one.is_muted, "isOnHold": one.is_on_hold},
    }
    return [Speech(REPORT)] + [Speech(json.dumps({key: value})) for key, value in facts.items()]


def _raw(participant: CallParticipant) -> str:
    return str(participant.identifier.raw_id) if participant.identifier else ""
