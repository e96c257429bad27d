"""Conference bridge call scripts: PIN entry on the lobby call, the dial-back into the room, moderator keys.

The lobby (the call the caller placed) and the room call (which the app joins with ``connect`` and into which it
dials the caller back) are separate calls in the emulator; :func:`room_call` scripts the room call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from app.testing.harness import Phone
from app.testing.script import ScriptedCall
from tests.flows.timeline_checks import acs_user, actions, assert_clean, body

BRIDGE = "+18005550101"
HOST = "+15551230001"
GUEST = "+15551230002"
OTHER_GUEST = "+15551230003"
BUSY_CALLER = "+15555550486"
STANDUP, OPS = "room-standup", "room-ops"
GUEST_PIN, HOST_PIN, OPS_PIN = "1234", "9999", "5678"

PIN_PROMPT = "Please enter your four digit conference PIN, then press pound."
CALLING_BACK = "We are calling you right back"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.conference_bridge"]


@pytest.fixture
def callwright_settings() -> dict[str, Any]:
    """The PINs these scripts dial, whatever ``CALLWRIGHT_IVR_CONFERENCE_*`` says on this machine."""
    return {
        "ivr.conference_pins": {GUEST_PIN: STANDUP, OPS_PIN: OPS},
        "ivr.conference_host_pins": {HOST_PIN: STANDUP},
    }


# --- helpers -----------------------------------------------------------------------------------------------------


async def enter_pin(phone: Phone, caller: str, pin: str) -> ScriptedCall:
    """Dial the bridge, give the PIN, and hear the lobby say goodbye before the dial-back."""
    lobby = await phone.dial(BRIDGE, from_=caller)
    await lobby.expect_prompt(contains=PIN_PROMPT)
    await lobby.press(f"{pin}#")
    await lobby.expect_prompt(contains=CALLING_BACK)
    await lobby.expect_hangup()
    return lobby


async def room_call(phone: Phone, room_id: str, *, within: float = 5.0) -> ScriptedCall:
    """A script of the room call the app joined with ``connect(room_id)``, found through the control API.

    The plugin only scripts calls a test placed or triggered; the room call is placed by the app, so it is looked
    up here and added to ``phone.calls`` (so a failing test still gets its diagram).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    known = {call.server_call_id for call in phone.calls}
    while True:
        for info in await phone.emulator.list_calls():
            if info.server_call_id in known:
                continue
            full = await phone.emulator.get_call(info.server_call_id)
            for entry in full.timeline:
                data = entry.to_json()
                locator = (data.get("detail") or {}).get("body", {}).get("callLocator", {})
                if data.get("name") == "connect" and locator.get("roomId") == room_id:
                    script = ScriptedCall(
                        phone.emulator,
                        info.server_call_id,
                        party=None,
                        name=f"room {room_id}",
                        time_scale=phone.time_scale,
                        timeout=phone.timeout,
                        save_diagram=phone.save_diagram,
                    )
                    phone.calls.append(script)
                    return script
        if loop.time() > deadline:
            raise AssertionError(f"the app never connected to {room_id}")
        await asyncio.sleep(0.02)


async def participants(phone: Phone, call: ScriptedCall) -> set[str]:
    return {p.raw_id for p in (await phone.emulator.get_call(call.server_call_id)).participants}


async def host_and_guest_in_the_standup(phone: Phone) -> ScriptedCall:
    alice = acs_user(phone, "alice")
    await phone.emulator.create_room([alice], room_id=STANDUP)
    await enter_pin(phone, HOST, HOST_PIN)
    room = await room_call(phone, STANDUP)
    await room.expect_event("AddParticipantSucceeded")
    await room.expect_action("startContinuousDtmf", to=HOST)
    await enter_pin(phone, GUEST, GUEST_PIN)
    await room.expect_added(to=GUEST)
    await room.expect_event("AddParticipantSucceeded")
    assert await participants(phone, room) == {alice, f"4:{HOST}", f"4:{GUEST}"}
    return room


# --- PINs ----------------------------------------------------------------------------------------------------------


async def test_wrong_pins_and_silence_until_the_caller_is_turned_away(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    await phone.emulator.create_room([acs_user(phone, "alice")], room_id=STANDUP)
    lobby = await phone.dial(BRIDGE, from_=GUEST)
    await lobby.expect_answered()
    await lobby.expect_prompt(contains=PIN_PROMPT)
    await lobby.press("4321#")  # four digits, but no room's PIN
    await lobby.expect_prompt(contains="Sorry, that entry is not valid. Welcome to the conference bridge.")
    await lobby.stay_silent()
    await lobby.expect_prompt(contains="Sorry, I didn't hear any digits. Welcome to the conference bridge.")
    await lobby.press("12#")  # too short
    await lobby.expect_prompt(contains="Sorry, that PIN is not valid. Goodbye.")
    await lobby.expect_event("PlayCompleted")
    await lobby.expect_hangup()
    await lobby.expect_event("CallDisconnected")

    steps = await lobby.timeline()
    assert len(actions(steps, "recognize")) == 3
    assert [call.server_call_id for call in await phone.emulator.list_calls()] == [lobby.server_call_id]  # no room
    assert_clean(steps, caplog)


# --- into the room ---------------------------------------------------------------------------------------------------


async def test_host_and_guest_pins_dial_each_caller_back_into_the_room(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    alice = acs_user(phone, "alice")
    await phone.emulator.create_room([alice], room_id=STANDUP)
    host_lobby = await enter_pin(phone, HOST, HOST_PIN)
    room = await room_call(phone, STANDUP)
    connect = await room.expect_action("connect")
    await room.expect_event("CallConnected")
    dial_back = await room.expect_added(to=HOST)
    await room.expect_event("AddParticipantSucceeded")
    await room.expect_action("startContinuousDtmf", to=HOST)  # the host PIN arms the moderator keys

    guest_lobby = await enter_pin(phone, GUEST, GUEST_PIN)
    await room.expect_action("connect")  # the guest's own room leg
    guest_dial_back = await room.expect_added(to=GUEST)
    await room.expect_event("AddParticipantSucceeded")

    assert body(connect)["callLocator"] == {"roomId": STANDUP, "kind": "roomCallLocator"}
    assert body(dial_back)["sourceCallerIdNumber"] == {"value": BRIDGE}
    assert body(guest_dial_back)["sourceCallerIdNumber"] == {"value": BRIDGE}
    steps = await room.timeline()
    assert [step.target for step in actions(steps, "startContinuousDtmf")] == [f"4:{HOST}"]  # not the guest
    assert await participants(phone, room) == {alice, f"4:{HOST}", f"4:{GUEST}"}
    for lobby in (host_lobby, guest_lobby):
        assert (await phone.emulator.get_call(lobby.server_call_id)).state == "ended"
        assert_clean(await lobby.timeline(), caplog)
    assert_clean(steps, caplog)


async def test_a_caller_who_is_busy_at_the_dial_back_never_joins_and_the_app_leaves_the_room(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    alice = acs_user(phone, "alice")
    await phone.emulator.create_room([alice], room_id=STANDUP)
    await enter_pin(phone, BUSY_CALLER, GUEST_PIN)
    room = await room_call(phone, STANDUP)
    await room.expect_added(to=BUSY_CALLER)
    await room.expect_event("AddParticipantFailed", result="486/8539")
    await room.expect_action("hangUp")  # the app leaves; it does not end the room for everyone

    steps = await room.timeline()
    assert not actions(steps, "terminate")
    assert not actions(steps, "startContinuousDtmf")
    assert f"4:{BUSY_CALLER}" not in await participants(phone, room)
    assert_clean(steps, caplog)


async def test_a_room_that_cannot_be_joined_does_not_leave_the_caller_waiting_for_a_call(phone: Phone) -> None:
    lobby = await phone.dial(BRIDGE, from_=GUEST)  # no room-standup exists in the emulator
    await lobby.expect_prompt(contains=PIN_PROMPT)
    await lobby.press(f"{GUEST_PIN}#")
    await lobby.expect_prompt(contains=CALLING_BACK)
    room = await room_call(phone, STANDUP)
    await room.expect_event("ConnectFailed", result="404/8522")
    await lobby.expect_prompt(contains="cannot be reached", within=30)  # an apology, after the room leg failed...
    await lobby.expect_hangup()
    steps = await lobby.timeline()
    failed_at = next(s for s in await room.timeline() if s.kind == "event" and s.name == "ConnectFailed").at
    ended_at = next(s for s in steps if s.kind == "note" and s.name == "call ended").at
    assert ended_at > failed_at  # ...so the lobby cannot have ended before the room leg failed


# The PIN's inter-digit window is 4 simulated seconds; at this scale that is 200 ms of real time, enough for the
# quitter's two back-to-back requests even on a loaded machine, so the hang-up (not a timeout) ends its PIN.
@pytest.mark.parametrize("callwright_time_scale", [0.05])
async def test_two_rooms_at_once_and_a_caller_who_hangs_up_during_the_pin(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    alice, bob = acs_user(phone, "alice"), acs_user(phone, "bob")
    await phone.emulator.create_room([alice], room_id=STANDUP)
    await phone.emulator.create_room([bob], room_id=OPS)

    async def quitter() -> ScriptedCall:
        lobby = await phone.dial(BRIDGE, from_=OTHER_GUEST)
        await lobby.expect_prompt(contains=PIN_PROMPT)
        assert lobby.party is not None
        # Half a PIN, then gone. The raw press does not wait to read the timeline back, so nothing sits between it
        # and the hang-up.
        await phone.emulator.press(lobby.server_call_id, lobby.party, "12")
        await lobby.hang_up()
        await lobby.expect_event("CallDisconnected")
        return lobby

    _, _, gone = await asyncio.gather(enter_pin(phone, HOST, GUEST_PIN), enter_pin(phone, GUEST, OPS_PIN), quitter())
    standup, ops = await room_call(phone, STANDUP), await room_call(phone, OPS)
    await asyncio.gather(standup.expect_event("AddParticipantSucceeded"), ops.expect_event("AddParticipantSucceeded"))

    assert await participants(phone, standup) == {alice, f"4:{HOST}"}
    assert await participants(phone, ops) == {bob, f"4:{GUEST}"}
    assert [step.target for step in actions(await standup.timeline(), "addParticipant")] == [f"4:{HOST}"]
    assert [step.target for step in actions(await ops.timeline(), "addParticipant")] == [f"4:{GUEST}"]
    gone_steps = await gone.timeline()
    hang_up = next(step for step in gone_steps if step.kind == "party" and step.name == "hang up")
    assert [s.label() for s in gone_steps if s.kind == "action" and s.position > hang_up.position] == []
    assert len(await phone.emulator.list_calls()) == 5  # three lobbies, two rooms: nothing for the quitter
    assert_clean(gone_steps, caplog)


# --- moderator keys ------------------------------------------------------------------------------------------------


async def test_host_mutes_everyone_else_then_ends_the_conference(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    room = await host_and_guest_in_the_standup(phone)
    alice = acs_user(phone, "alice")
    await room.press("*6", by=HOST)
    await room.expect_action("listParticipants", within=10)
    await room.expect_action("mute", to=alice)
    muted = await room.expect_prompt(contains="Everyone else has been muted.")
    assert muted.target == f"4:{HOST}"  # only the host hears it
    info = await phone.emulator.get_call(room.server_call_id)
    assert {p.raw_id for p in info.participants if p.is_muted} == {alice}  # phones cannot be muted over REST

    await room.press("*9", by=HOST)
    await room.expect_prompt(contains="The host has ended the conference. Goodbye.")
    await room.expect_action("terminate")
    await room.expect_event("CallDisconnected")
    assert (await phone.emulator.get_call(room.server_call_id)).state == "ended"
    assert_clean(await room.timeline(), caplog)


async def test_host_removes_the_guest_who_joined_last(phone: Phone) -> None:
    room = await host_and_guest_in_the_standup(phone)
    await room.press("*7", by=HOST)
    await room.expect_action("removeParticipant", to=GUEST, within=10)
    await room.expect_event("RemoveParticipantSucceeded")
    assert f"4:{GUEST}" not in await participants(phone, room)
    assert f"4:{HOST}" in await participants(phone, room)
