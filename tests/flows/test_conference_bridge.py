from __future__ import annotations
from collections.abc import Sequence
import pytest
from app.testing.harness import Phone
from app.testing.script import ScriptedCall

@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.conference_bridge"]

@pytest.fixture(autouse=True)
def _tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    return None

async def test_explore(phone: Phone) -> None:
    alice = f"8:acs:{phone.settings.resource_id}_alice"
    room = await phone.emulator.create_room([alice], room_id="room-standup")
    print("room", room)
    call = await phone.dial("+18005550101", from_="+15551230001")
    await call.expect_prompt(contains="PIN")
    await call.press("9999#")
    await call.expect_prompt(contains="calling you right back")
    await call.expect_hangup()
    guest = await phone.dial("+18005550101", from_="+15551230002")
    await guest.press("1234#")
    await guest.expect_hangup()
    for _ in range(20):
        calls = await phone.emulator.list_calls()
        if len(calls) >= 3: break
    print([ (c.server_call_id[-10:], c.from_, c.to, c.state, [p.raw_id for p in c.participants], c.call_connections) for c in calls])
    roomcall = [c for c in calls if c.server_call_id not in (call.server_call_id, guest.server_call_id)][0]
    rc = ScriptedCall(phone.emulator, roomcall.server_call_id, party=None, name="room", time_scale=phone.time_scale, timeout=60)
    await rc.expect_action("startContinuousDtmf")
    await rc.expect_event("AddParticipantSucceeded")
    await rc.press("*6", by="+15551230001")
    await rc.expect_prompt(contains="muted")
    await rc.press("*7", by="+15551230001")
    try:
        await rc.expect_action("removeParticipant", within=5)
    except AssertionError as e:
        print("NO REMOVE")
    await rc.press("*9", by="+15551230001")
    await rc.expect_hangup()
    await rc.timeline()
    print(rc.format())
    print(call.format())
    assert 0
