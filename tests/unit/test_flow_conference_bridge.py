"""Conference bridge: PIN in the lobby, the room leg dials the caller in, host keys moderate the room."""

from __future__ import annotations

from urllib.parse import quote

from app.testing.fakes import (
    AddParticipant,
    CallScript,
    Connect,
    FakeAcs,
    HangUp,
    Mute,
    Play,
    Recognize,
    RemoveParticipant,
    StartContinuousDtmf,
    make_app,
    make_settings,
)
from app.web.app import CallwrightApp
from flows import conference_bridge

BRIDGE = "+18005550101"
FLOW = "conference_bridge"


async def lobby(pin: str, caller: str = "+15555550123") -> tuple[CallScript, CallwrightApp, FakeAcs]:
    app, acs = make_app(make_settings(), conference_bridge.router)
    call = CallScript(app, acs, caller=caller)
    await call.incoming(to=BRIDGE)
    await call.connected()
    await call.press(f"{pin}#")
    return call, app, acs


async def room_leg(app: CallwrightApp, acs: FakeAcs, connect: Connect) -> CallScript:
    leg = CallScript(app, acs, call_id=connect.call_connection_id, flow=FLOW)
    await leg.connected(context=connect.context)
    return leg


async def test_pin_prompt_and_a_bad_pin_ends_the_call_after_three_tries() -> None:
    app, acs = make_app(make_settings(), conference_bridge.router)
    call = CallScript(app, acs)
    await call.incoming(to=BRIDGE)
    await call.connected()
    ask = call.last
    assert isinstance(ask, Recognize) and ask.text is not None and "four digit conference PIN" in ask.text
    for _ in range(3):
        await call.press("0000#")
    bye = call.last
    assert isinstance(bye, Play) and "not valid" in bye.text
    await call.play_completed()
    assert call.last == HangUp()


async def test_guest_pin_joins_the_room_by_dial_back() -> None:
    call, app, acs = await lobby("1234")
    notice = call.last
    assert isinstance(notice, Play) and "calling you right back" in notice.text
    assert "pin" not in await call.state()  # the PIN is not kept
    await call.play_completed()
    connect = call.last_of(Connect)
    assert connect.room_id == "room-standup"
    assert call.last == connect  # the lobby stays up until the room leg is established...
    leg = await room_leg(app, acs, connect)
    assert call.last == HangUp()  # ...then ends
    invite = conference_bridge.Invite(room="room-standup", caller=quote("4:+15555550123", safe=""), host=False)
    assert leg.last == AddParticipant("4:+15555550123", BRIDGE, invite.pack(), invitation_timeout=30)
    await leg.send("AddParticipantSucceeded", participant={"rawId": "4:+15555550123"})
    assert not acs.of_type(StartContinuousDtmf)  # guests get no moderator keys
    assert (await leg.shared(conference_bridge.room_key("room-standup")))["members"] == ["4:+15555550123"]


async def _host_in_room(caller: str = "+15555550199") -> tuple[CallScript, FakeAcs]:
    call, app, acs = await lobby("9999", caller=caller)
    await call.play_completed()
    leg = await room_leg(app, acs, call.last_of(Connect))
    await leg.send("AddParticipantSucceeded", participant={"rawId": f"4:{caller}"})
    assert leg.last == StartContinuousDtmf(f"4:{caller}", leg.context())
    return leg, acs


async def test_host_star_6_mutes_everyone_else() -> None:
    leg, acs = await _host_in_room()
    acs.participants[leg.call_id] = ["4:+15555550199", "8:acs:guest-1", "4:+15555550123"]
    await leg.tone("*", 1)
    await leg.tone("6", 2)
    assert acs.of_type(Mute) == [Mute("8:acs:guest-1")]  # ACS mutes ACS users only; the phone is left alone
    assert leg.last == Play("Everyone else has been muted.", to="4:+15555550199")


async def test_host_star_7_removes_the_guest_who_joined_last_on_another_leg() -> None:
    leg, acs = await _host_in_room()
    room = conference_bridge.room_key("room-standup")
    # Each caller gets a room leg of their own: the guest's joins on a different call connection.
    guest_leg = CallScript(leg.app, acs, call_id="leg-guest", flow=FLOW)
    guest = conference_bridge.Invite(room="room-standup", caller=quote("4:+15555550123", safe=""))
    await guest_leg.send("AddParticipantSucceeded", participant={"rawId": "4:+15555550123"}, context=guest.pack())
    assert (await leg.shared(room))["members"] == ["4:+15555550199", "4:+15555550123"]
    acs.participants[leg.call_id] = ["4:+15555550199", "4:+15555550123", "8:acs:alice"]
    await leg.tone("*", 1)
    await leg.tone("7", 2)
    assert acs.of_type(RemoveParticipant) == [RemoveParticipant("4:+15555550123", "conference_bridge.remove")]
    assert (await leg.shared(room))["members"] == ["4:+15555550199"]


async def test_star_7_skips_guests_who_already_left() -> None:
    leg, acs = await _host_in_room()
    room = conference_bridge.room_key("room-standup")
    for index, caller in enumerate(["4:+15555550123", "4:+15555550124"]):
        guest_leg = CallScript(leg.app, acs, call_id=f"leg-guest-{index}", flow=FLOW)
        invite = conference_bridge.Invite(room="room-standup", caller=quote(caller, safe=""))
        await guest_leg.send("AddParticipantSucceeded", participant={"rawId": caller}, context=invite.pack())
    acs.participants[leg.call_id] = ["4:+15555550199", "4:+15555550123"]  # the last guest hung up
    await leg.tone("*", 1)
    await leg.tone("7", 2)
    assert acs.of_type(RemoveParticipant) == [RemoveParticipant("4:+15555550123", "conference_bridge.remove")]
    assert (await leg.shared(room))["members"] == ["4:+15555550199"]


async def test_host_star_9_ends_the_conference_for_everyone() -> None:
    leg, _ = await _host_in_room()
    await leg.tone("*", 1)
    await leg.tone("9", 2)
    bye = leg.last
    assert isinstance(bye, Play) and "ended the conference" in bye.text
    await leg.play_completed()
    assert leg.last == HangUp(for_everyone=True)


async def test_a_key_without_star_does_nothing() -> None:
    leg, acs = await _host_in_room()
    before = len(acs.log)
    await leg.tone("9", 1)
    assert len(acs.log) == before


async def test_an_unreachable_caller_makes_the_app_leave_the_room() -> None:
    call, app, acs = await lobby("5678")
    await call.play_completed()
    leg = await room_leg(app, acs, call.last_of(Connect))
    await leg.failed("AddParticipantFailed", 486, 8539, "busy")
    assert leg.last == HangUp(for_everyone=False)
