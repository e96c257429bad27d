"""Front desk call scripts: the real service and the ACS emulator, over loopback HTTP with real JWTs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.testing.harness import Phone
from flows import front_desk

FRONT_DESK = "+18005550102"
CALLER = "+15551230001"
AGENT = "+18005550199"
SUPERVISOR = "+15555550160"
AFTER_HOURS = "+15555550180"
BLOCKED = "+15555550666"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.front_desk"]


async def test_press_1_transfers_to_the_agent(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_answered()
    await call.expect_prompt(contains="press 1")
    await call.press("1")
    transfer = await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferAccepted")
    assert transfer.raw["detail"]["body"]["customCallingContext"]["sipHeaders"]["X-MS-Custom-Queue"] == "front-desk"


async def test_press_2_invites_a_supervisor_who_joins(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_prompt(contains="press 2")
    await call.press("2")
    await call.expect_added(to=SUPERVISOR)
    await call.expect_prompt(contains="Please hold")
    await call.expect_event("AddParticipantSucceeded")
    await call.expect_action("listParticipants")
    await call.expect_action("getParticipant")
    await call.expect_event("PlayCompleted")
    steps = await call.timeline()
    assert not [s for s in steps if s.name in ("cancelAddParticipant", "transfer")]


async def test_supervisor_not_picking_up_is_cancelled_and_the_caller_goes_to_the_agent(phone: Phone) -> None:
    await phone.set_behaviour(SUPERVISOR, answer="no-answer")
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_prompt(contains="press 2")
    await call.press("2")
    await call.expect_added(to=SUPERVISOR)
    await call.expect_event("PlayCompleted")  # the hold message is the supervisor's deadline
    await call.expect_action("cancelAddParticipant")
    await call.expect_event("CancelAddParticipantSucceeded")
    await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferAccepted")


async def test_blocked_caller_is_rejected(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_=BLOCKED)
    await call.expect_rejected("forbidden")
    await call.expect_hangup()  # the call ends without ever being answered
    assert not [s for s in await call.timeline() if s.name == "answer" and s.kind == "action"]


@pytest.mark.parametrize("callwright_settings", [{"flows.front_desk_after_hours": True}])
async def test_after_hours_calls_are_redirected(phone: Phone) -> None:
    assert phone.settings.flows.front_desk_after_hours
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_redirect(to=AFTER_HOURS)
    assert not [s for s in await call.timeline() if s.name == "answer" and s.kind == "action"]


async def test_silence_until_the_last_attempt_ends_with_an_apology(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_prompt(contains="press 1")
    for _ in range(front_desk.MAX_ATTEMPTS - 1):
        await call.stay_silent()
        await call.expect_prompt(contains="didn't catch that")
    await call.stay_silent()
    await call.expect_prompt(contains="nobody can take your call")
    await call.expect_event("PlayCompleted")
    await call.expect_hangup()
    await call.expect_event("CallDisconnected")


async def test_an_invalid_key_repeats_the_menu(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_prompt(contains="press 1")
    await call.press("9")
    await call.expect_event("RecognizeCompleted", result="9")
    await call.expect_prompt(contains="didn't catch that")
    await call.press("1")
    await call.expect_transfer(to=AGENT)


async def test_caller_hanging_up_mid_menu_ends_the_call(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_prompt(contains="press 1")
    await call.hang_up()
    await call.expect_event("CallDisconnected")
    steps = await call.timeline()
    assert not [s for s in steps if s.kind == "action" and s.name in ("transfer", "addParticipant", "play")]


async def test_busy_agent_gets_the_caller_an_apology(phone: Phone) -> None:
    await phone.set_behaviour(AGENT, answer="busy")
    call = await phone.dial(FRONT_DESK, from_=CALLER)
    await call.expect_prompt(contains="press 1")
    await call.press("1")
    await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferFailed")
    await call.expect_prompt(contains="nobody can take your call")
    await call.expect_hangup()
