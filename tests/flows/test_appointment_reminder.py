"""Appointment reminder call scripts: outbound calls started through ``POST /api/calls``, answered by the emulator's
simulated phones. The flow's outcome is read from its ``reminder_outcome`` log line."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from app.testing.harness import Phone
from app.testing.script import ScriptedCall
from tests.flows.timeline_checks import actions, actions_after_hang_up, assert_clean, body, prompts

REMINDER_LINE = "+18005550103"
PATIENT = "+15555550150"
OTHER_PATIENT = "+15555550151"
AGENT = "+18005550199"
APPOINTMENT = "Tuesday at 3 PM"
REMINDER = f"Hello, this is a reminder of your appointment on {APPOINTMENT}."
OPTIONS = "To confirm, press 1. To cancel, press 2. To speak with someone, press 0."


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.appointment_reminder"]


# --- helpers -----------------------------------------------------------------------------------------------------


async def remind(phone: Phone, to: str = PATIENT, appointment: str = APPOINTMENT) -> ScriptedCall:
    return await phone.trigger(
        "appointment_reminder", to=to, caller_id=REMINDER_LINE, state={"appointment": appointment}
    )


async def outcome(call: ScriptedCall, caplog: pytest.LogCaptureFixture, *, within: float = 5.0) -> dict[str, Any]:
    """The ``reminder_outcome`` the service logged for this call (waits for it: the service runs on another loop)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        found = [
            record.msg
            for record in caplog.records
            if isinstance(record.msg, dict)
            and record.msg.get("event") == "reminder_outcome"
            and record.msg.get("server_call_id") == call.server_call_id
        ]
        if found or loop.time() > deadline:
            assert len(found) == 1, f"expected one reminder_outcome for {call.name}, got {found}"
            return found[0]
        await asyncio.sleep(0.02)


# --- answered --------------------------------------------------------------------------------------------------------


async def test_the_patient_confirms(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    call = await remind(phone)
    create = await call.expect_action("createCall")
    await call.expect_event("CallConnected")
    reminder = await call.expect_prompt(contains=REMINDER)
    await call.press("1")
    await call.expect_event("RecognizeCompleted", result="1")
    await call.expect_prompt(contains="Thank you, your appointment is confirmed.")
    await call.expect_event("PlayCompleted")
    await call.expect_action("terminate")
    await call.expect_event("CallDisconnected")

    assert OPTIONS in (reminder.text or "")
    assert body(create)["sourceCallerIdNumber"] == {"value": REMINDER_LINE}
    assert [target["rawId"] for target in body(create)["targets"]] == [f"4:{PATIENT}"]
    assert (await outcome(call, caplog))["outcome"] == "confirmed"
    steps = await call.timeline()
    assert (await phone.emulator.get_call(call.server_call_id)).state == "ended"
    assert not actions(steps, "transfer")
    assert_clean(steps, caplog)


async def test_two_reminders_at_once_keep_their_own_appointment_and_outcome(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    tuesday, friday = await asyncio.gather(
        remind(phone, PATIENT, "Tuesday at 3 PM"), remind(phone, OTHER_PATIENT, "Friday at 9 AM")
    )

    async def answer(call: ScriptedCall, appointment: str, key: str, reply: str) -> None:
        await call.expect_prompt(contains=f"your appointment on {appointment}.")
        await call.press(key)
        await call.expect_prompt(contains=reply)
        await call.expect_hangup()

    await asyncio.gather(
        answer(friday, "Friday at 9 AM", "1", "your appointment is confirmed"),
        answer(tuesday, "Tuesday at 3 PM", "2", "Your appointment has been cancelled."),
    )

    assert (await outcome(tuesday, caplog))["outcome"] == "cancelled"
    assert (await outcome(friday, caplog))["outcome"] == "confirmed"
    tuesday_prompts, friday_prompts = prompts(await tuesday.timeline()), prompts(await friday.timeline())
    assert not [text for text in tuesday_prompts if "Friday" in text or "confirmed" in text]
    assert not [text for text in friday_prompts if "Tuesday" in text or "cancelled" in text]


async def test_pressing_0_transfers_to_the_agent(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    call = await remind(phone)
    await call.expect_prompt(contains=REMINDER)
    await call.press("0")
    await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferAccepted")
    await call.expect_event("CallDisconnected")  # the app's leg; the patient now talks to the agent

    assert (await outcome(call, caplog))["outcome"] == "agent"
    info = await phone.emulator.get_call(call.server_call_id)
    assert {p.raw_id for p in info.participants} == {f"4:{PATIENT}", f"4:{AGENT}"}
    assert_clean(await call.timeline(), caplog)


async def test_a_busy_agent_gets_an_apology_and_a_goodbye(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    await phone.set_behaviour(AGENT, answer="busy")
    call = await remind(phone)
    await call.expect_prompt(contains=REMINDER)
    await call.press("0")
    await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferFailed", result="486/8539")
    await call.expect_prompt(contains="We're sorry, all of our agents are busy right now.")
    await call.expect_prompt(contains="Please call us back during business hours")
    await call.expect_hangup()

    logged = await outcome(call, caplog)
    assert (logged["outcome"], logged.get("reason")) == ("agent_unavailable", "busy")
    steps = await call.timeline()
    assert (await phone.emulator.get_call(call.server_call_id)).state == "ended"
    assert_clean(steps, caplog)


async def test_duplicated_callbacks_do_not_repeat_the_reminder_or_the_outcome(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    await phone.emulator.set_callback_fault("CallConnected", duplicate=1)
    await phone.emulator.set_callback_fault("RecognizeCompleted", duplicate=1)
    call = await remind(phone)
    await call.expect_prompt(contains=REMINDER)
    await call.press("1")
    await call.expect_prompt(contains="your appointment is confirmed")
    await call.expect_hangup()
    await call.expect_event("CallDisconnected")

    steps = await call.timeline()
    delivered = [step.name for step in steps if step.kind == "event"]
    assert delivered.count("CallConnected") == 2 and delivered.count("RecognizeCompleted") == 2  # ACS sent twice
    assert len(actions(steps, "recognize")) == 1
    assert len(actions(steps, "play")) == 1
    assert (await outcome(call, caplog))["outcome"] == "confirmed"  # exactly one outcome line


# --- no key, wrong key, gone ---------------------------------------------------------------------------------------


async def test_a_wrong_key_then_silence_ends_with_please_call_back(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    call = await remind(phone)
    await call.expect_prompt(contains=REMINDER)
    await call.press("7")
    await call.expect_prompt(contains="Sorry, that is not a valid choice. " + REMINDER)
    await call.stay_silent()  # the second and last attempt
    await call.expect_prompt(contains="We did not receive a response. Please call us back")
    await call.expect_hangup()
    await call.expect_event("CallDisconnected")

    assert (await outcome(call, caplog))["outcome"] == "no_response"
    steps = await call.timeline()
    assert len(actions(steps, "recognize")) == 2
    assert_clean(steps, caplog)


async def test_the_patient_hanging_up_mid_reminder_is_recorded(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    call = await remind(phone)
    await call.expect_prompt(contains=REMINDER)
    await call.hang_up()
    await call.expect_event("CallDisconnected")

    assert (await outcome(call, caplog))["outcome"] == "hung_up"
    steps = await call.timeline()
    assert actions_after_hang_up(steps) == []
    assert_clean(steps, caplog)


# --- never answered ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected", "result"),
    [
        ("+15555550486", "busy", "486/8539"),
        ("+15555550404", "no_answer", None),
        ("+15555550603", "declined", "603/8538"),
    ],
    ids=["busy", "no-answer", "declined"],
)
async def test_a_patient_who_cannot_be_reached_gets_an_outcome_and_no_prompt(
    phone: Phone, caplog: pytest.LogCaptureFixture, number: str, expected: str, result: str | None
) -> None:
    call = await remind(phone, to=number)
    await call.expect_action("createCall")
    await call.expect_event("CreateCallFailed", result=result)
    await call.expect_event("CallDisconnected")

    assert (await outcome(call, caplog))["outcome"] == expected
    steps = await call.timeline()
    assert prompts(steps) == []
    assert not [step for step in steps if step.kind == "event" and step.name == "CallConnected"]
    assert_clean(steps, caplog)
