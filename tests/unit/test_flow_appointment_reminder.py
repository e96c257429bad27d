"""Appointment reminder: an outbound call whose state the trigger stored; each outcome is recorded and logged."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pytest
from structlog.testing import capture_logs

from app.testing.fakes import CallScript, HangUp, Play, Recognize, Transfer, make_app, make_settings
from flows import appointment_reminder

FLOW = "appointment_reminder"
CALLEE = "4:+15555550150"


async def placed(**state: object) -> CallScript:
    """As after ``POST /api/calls``: the call exists, its state holds the flow, the callee and the trigger's state."""
    settings = make_settings()
    app, acs = make_app(settings, appointment_reminder.router)
    call = CallScript(app, acs, call_id="out-1")
    await call.seed(FLOW, party=CALLEE, state=dict(state))
    return call


async def connected(**state: object) -> CallScript:
    call = await placed(appointment="Tuesday at 3 PM", **state)
    await call.connected(context=None)
    return call


def outcome_logged(logs: list[MutableMapping[str, Any]]) -> str | None:
    found = [entry for entry in logs if entry["event"] == "reminder_outcome"]
    return str(found[-1]["outcome"]) if found else None


async def test_reads_the_appointment_and_offers_the_keys() -> None:
    call = await connected()
    ask = call.last
    assert isinstance(ask, Recognize) and ask.text is not None
    assert "appointment on Tuesday at 3 PM" in ask.text
    assert "To confirm, press 1. To cancel, press 2. To speak with someone, press 0." in ask.text
    assert ask.target == CALLEE


@pytest.mark.parametrize(
    ("key", "outcome", "words"), [("1", "confirmed", "confirmed"), ("2", "cancelled", "cancelled")]
)
async def test_confirm_and_cancel_record_the_outcome_and_hang_up(key: str, outcome: str, words: str) -> None:
    call = await connected()
    with capture_logs() as logs:
        await call.press(key)
    assert outcome_logged(logs) == outcome
    assert (await call.state())["outcome"] == outcome
    bye = call.last
    assert isinstance(bye, Play) and words in bye.text
    await call.play_completed()
    assert call.last == HangUp()


async def test_zero_transfers_to_an_agent() -> None:
    call = await connected()
    await call.press("0")
    assert call.last == Transfer("4:+18005550199", "appointment_reminder.agent")
    await call.send("CallTransferAccepted")
    assert (await call.state())["outcome"] == "agent"


async def test_agent_unavailable_apologises_and_says_goodbye() -> None:
    call = await connected()
    await call.press("0")
    await call.failed("CallTransferFailed", 408, 10057)
    await call.play_completed()
    assert (await call.state())["outcome"] == "agent_unavailable"
    bye = call.last
    assert isinstance(bye, Play) and "call us back" in bye.text


async def test_no_response_after_two_prompts() -> None:
    call = await connected()
    await call.silence()
    await call.press("7")
    assert (await call.state())["outcome"] == "no_response"
    assert isinstance(call.last, Play)


@pytest.mark.parametrize(
    ("code", "sub_code", "outcome"), [(486, 8539, "busy"), (408, 10057, "no_answer"), (603, 8538, "declined")]
)
async def test_create_call_failed_is_classified(code: int, sub_code: int, outcome: str) -> None:
    call = await placed(appointment="Friday")
    with capture_logs() as logs:
        await call.failed("CreateCallFailed", code, sub_code, "not reached")
    assert outcome_logged(logs) == outcome
    assert (await call.state())["outcome"] == outcome


async def test_disconnected_with_a_failure_code_is_recorded_as_no_answer() -> None:
    call = await placed(appointment="Friday")
    with capture_logs() as logs:
        await call.disconnected(code=408, sub_code=10057)
    assert outcome_logged(logs) == "no_answer"


async def test_callee_hanging_up_mid_reminder_is_recorded() -> None:
    call = await connected()
    with capture_logs() as logs:
        await call.disconnected()
    assert outcome_logged(logs) == "hung_up"
