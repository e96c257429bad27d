"""Conference bridge: dial in, enter a PIN, and get connected to the PIN's room; a host PIN adds moderator keys.

    lobby call (the caller dialed settings.flows.conference_number)
      PIN (4 digits, CALLWRIGHT_IVR_CONFERENCE_PINS / _HOST_PINS) → "connecting you, we will call you right back"
      → the app joins the room (connect by room id: a NEW call connection, the "room leg") and hangs up the lobby
    room leg
      CallConnected → add the caller (dial-out from the room, caller id = the conference number)
      caller joined → a host gets continuous DTMF: *6 mute everyone else, *7 remove the last caller, *9 end for all

Why a dial-back: a PSTN caller cannot be moved into a room with the actions Callwright exposes today (ACS's
``MoveParticipants`` would do it without the second ring); adding a phone to a room call is supported, so the room
leg rings the caller back. The lobby and the room leg are separate calls with separate state; what the room leg
needs (the caller, host or not) travels in the operation context of the connect. Who is in a room is shared state
(``session.shared("conference_bridge:<room>")``), so the host's leg can remove the guest who joined last.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from app import CallActions, CallState, Log, OperationContext, Router
from app.actions.errors import CallActionError
from app.events import AddParticipantFailed, ConnectFailed, ContinuousDtmfRecognitionToneReceived, IncomingCall
from app.session import CallSession
from config.settings import Settings
from handlers import Digits, Farewell, Safety, classify

router = Router(name="conference_bridge")
Safety(router)

PIN_PROMPT = "Welcome to the conference bridge. Please enter your four digit conference PIN, then press pound."
CONNECTING = "Thank you. We are calling you right back to connect you to the conference. Goodbye for now."
BAD_PIN = "Sorry, that PIN is not valid. Goodbye."
ROOM_UNAVAILABLE = "Sorry, the conference cannot be reached right now. Please call again later. Goodbye."
ENDED = "The host has ended the conference. Goodbye."
MUTED = "Everyone else has been muted."
PIN_LENGTH = 4
MODERATOR_KEYS = {"6": "mute_all", "7": "remove_last", "9": "end_for_everyone"}


class Lobby(OperationContext, prefix="conference_bridge.lobby"):
    """The caller's own call, answered to collect the PIN."""


class Connecting(OperationContext, prefix="conference_bridge.connecting"):
    """The 'calling you back' notice; when it ends the app joins the room (the lobby ends once it has)."""

    room: str
    host: bool = False


class RoomLeg(OperationContext, prefix="conference_bridge.room"):
    """The app's connection to the room; ``caller`` is the caller's raw id, URL-quoted (it contains ':'), and
    ``lobby`` the caller's own call connection, ended once the room is joined."""

    room: str
    caller: str
    host: bool = False
    lobby: str = ""


class Invite(RoomLeg, prefix="conference_bridge.invite"):
    """The dial-out that brings the caller into the room."""


class Moderator(OperationContext, prefix="conference_bridge.moderator"):
    """Continuous DTMF of the host; ``host`` is the host's raw id, URL-quoted."""

    host: str


class Removal(OperationContext, prefix="conference_bridge.remove"):
    """Tags a removal by the host."""


def dialed_bridge(event: IncomingCall, settings: Settings) -> bool:
    return event.to_number == settings.flows.conference_number


def room_for(pin: str, settings: Settings) -> tuple[str, bool] | None:
    """``(room, is_host)`` for a PIN, or None. Host PINs win if a PIN is in both lists."""
    if pin in settings.ivr.conference_host_pins:
        return settings.ivr.conference_host_pins[pin], True
    if pin in settings.ivr.conference_pins:
        return settings.ivr.conference_pins[pin], False
    return None


def known_pin(value: str, settings: Settings) -> bool:
    return room_for(value, settings) is not None


async def pin_accepted(call: CallActions, state: CallState, settings: Settings, log: Log) -> None:
    pin = state.pop("pin", "")  # the PIN has done its job: do not keep it in state
    found = room_for(pin, settings)
    if found is None:  # unreachable: the validator checked it; be safe anyway
        await bad_pin.start(call, state)
        return
    room, host = found
    state["room"] = room
    log.info("conference_pin_accepted", room=room, host=host)
    await call.play(CONNECTING, context=Connecting(room=room, host=host))


bad_pin = Farewell(name="bad_pin", message=BAD_PIN)
ended = Farewell(name="ended", message=ENDED)
room_unavailable = Farewell(name="room_unavailable", message=ROOM_UNAVAILABLE)
pin = Digits(
    name="pin",
    prompt=PIN_PROMPT,
    length=PIN_LENGTH,
    validator=known_pin,
    on_complete=pin_accepted,
    on_fail=bad_pin,
)
router.include(pin, bad_pin, ended, room_unavailable)


# --- lobby -------------------------------------------------------------------------------------------------------


@router.incoming_call(when=dialed_bridge)
async def answer(call: CallActions) -> None:
    await call.answer(context=Lobby())


@router.call_connected(context=Lobby)
async def ask_pin(call: CallActions, state: CallState) -> None:
    await pin.start(call, state)


@router.play_completed(context=Connecting)
@router.play_failed(context=Connecting)
async def join_room(call: CallActions, ctx: Connecting, log: Log) -> None:
    caller = call.party
    if caller is None:
        log.warning("conference_caller_unknown")
        await call.hang_up(for_everyone=True)
        return
    leg = await call.connect(
        room_id=ctx.room,
        context=RoomLeg(
            room=ctx.room, caller=quote(caller, safe=""), host=ctx.host, lobby=call.call_connection_id or ""
        ),
    )
    # The lobby stays up until the room leg is established: if the room cannot be joined, the caller hears why.
    log.info("conference_room_leg", room=ctx.room, room_leg=leg.call_connection_id)


# --- room leg ------------------------------------------------------------------------------------------------------


@router.call_connected(context=RoomLeg)
async def dial_caller(call: CallActions, ctx: RoomLeg, settings: Settings) -> None:
    if ctx.lobby:
        await call.for_connection(ctx.lobby).hang_up(for_everyone=True)
    await call.add_participant(
        unquote(ctx.caller),
        caller_id=settings.flows.conference_number,
        invitation_timeout=30,
        context=Invite(room=ctx.room, caller=ctx.caller, host=ctx.host),
    )


@router.connect_failed(context=RoomLeg)
async def room_unreachable(event: ConnectFailed, call: CallActions, ctx: RoomLeg, log: Log) -> None:
    log.warning("conference_room_unreachable", room=ctx.room, code=event.result_code, sub_code=event.sub_code)
    if ctx.lobby:
        await room_unavailable.start(call.for_connection(ctx.lobby))


def room_key(room: str) -> str:
    """The shared state of a room: every caller's room leg names the same key, so the host's leg sees everyone."""
    return f"conference_bridge:{room}"


@router.add_participant_succeeded(context=Invite)
async def caller_joined(call: CallActions, ctx: Invite, session: CallSession, state: CallState, log: Log) -> None:
    caller = unquote(ctx.caller)
    room = await session.shared(room_key(ctx.room))
    room["members"] = [*(member for member in room.get("members", []) if member != caller), caller]
    state["room"] = ctx.room
    log.info("conference_joined", room=ctx.room, host=ctx.host, members=len(room["members"]))
    if ctx.host:
        state["host"] = caller
        await call.start_continuous_dtmf(target=caller, context=Moderator(host=ctx.caller))


@router.add_participant_failed(context=Invite)
async def caller_unreachable(event: AddParticipantFailed, call: CallActions, ctx: Invite, log: Log) -> None:
    log.warning("conference_dial_back_failed", room=ctx.room, reason=classify(event), sub_code=event.sub_code)
    await call.hang_up(for_everyone=False)  # the app leaves; the room goes on for the others


@router.continuous_dtmf_tone_received(context=Moderator)
async def moderator_key(
    event: ContinuousDtmfRecognitionToneReceived,
    call: CallActions,
    ctx: Moderator,
    session: CallSession,
    state: CallState,
    log: Log,
) -> None:
    key = event.digit
    if key == "*":
        state["moderator_armed"] = True
        return
    command = MODERATOR_KEYS.get(key or "") if state.pop("moderator_armed", False) else None
    if command is None:
        return
    log.info("moderator_command", command=command)
    host = unquote(ctx.host)
    if command == "end_for_everyone":
        await ended.start(call, state)
    elif command == "mute_all":
        await _mute_all(call, host, log)
        await call.play(MUTED, to=host)
    else:
        await _remove_last(call, host, await session.shared(room_key(state.get("room", ""))), log)


async def _mute_all(call: CallActions, host: str, log: Log) -> None:
    for participant in await call.list_participants():
        raw = str(participant.identifier.raw_id) if participant.identifier is not None else None
        # ACS mutes ACS users only ("Only ACS Users are supported"); phones are left to their own mute button.
        if raw is None or raw == host or participant.is_muted or raw.startswith("4:"):
            continue
        try:
            await call.mute(raw)
        except CallActionError as error:  # e.g. the participant left meanwhile: the others are still muted
            log.info("mute_skipped", status=error.status, code=error.code)


async def _remove_last(call: CallActions, host: str, room: dict[str, Any], log: Log) -> None:
    """Remove the guest who joined last and is still in the room (the list outlives callers who hung up)."""
    present = {
        str(participant.identifier.raw_id)
        for participant in await call.list_participants()
        if participant.identifier is not None
    }
    members = [member for member in room.get("members", []) if member in present]
    room["members"] = members
    guests = [member for member in members if member != host]
    if not guests:
        log.info("moderator_nobody_to_remove")
        return
    last = guests[-1]
    room["members"] = [member for member in members if member != last]
    await call.remove_participant(last, context=Removal())
