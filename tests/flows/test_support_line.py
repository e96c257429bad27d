"""Support line call scripts: the real service and the ACS emulator over loopback HTTP, real SDK and JWTs.

Business hours never depend on the real clock: the module opens the line with ``ivr.force_open``, and the
after-hours scripts close it through settings overrides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from app.testing.harness import Phone
from app.testing.script import ScriptedCall
from tests.flows.timeline_checks import actions, assert_clean, assert_hung_up_cleanly, body, ended, prompts

SUPPORT = "+18005550100"
CALLER = "+15551230001"
OTHER_CALLER = "+15551230002"
AGENT = "+18005550199"
SPECIALIST = "+15555550170"

LANGUAGE = "For English, press 1. Para español, oprima 2."
MAIN_EN = "For billing, press 1. For technical support, press 2. To leave a message, press 3."
MAIN_ES = "Para facturación, oprima 1."
BILLING_EN = "For an existing account, press 1."
TECHNICAL_EN = "For internet, press 1. For phone service, press 2. To talk to an agent, press 0."
TECHNICAL_ES = "Para internet, oprima 1."
OFFER_EN = "To leave a message, press 1. To have us call you back, press 2."
VOICEMAIL_EN = "Please leave a message after the tone."
RECORDED_EN = "Thank you, your message has been recorded. Goodbye."


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.support_line"]


@pytest.fixture
def callwright_settings() -> dict[str, Any]:
    return {"ivr.force_open": True}


# --- helpers -----------------------------------------------------------------------------------------------------


async def in_main_menu(phone: Phone, *, language: str = "1", from_: str = CALLER) -> ScriptedCall:
    call = await phone.dial(SUPPORT, from_=from_)
    await call.expect_answered()
    await call.expect_prompt(contains=LANGUAGE)
    await call.press(language)
    await call.expect_prompt(contains=MAIN_EN if language == "1" else MAIN_ES)
    return call


# --- happy paths -------------------------------------------------------------------------------------------------


async def test_spanish_caller_gives_the_account_number_and_reaches_the_agent(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    call = await in_main_menu(phone, language="2")
    await call.press("1")
    await call.expect_prompt(contains="Para una cuenta existente, oprima 1")
    await call.press("1")
    await call.expect_prompt(contains="número de cuenta de ocho dígitos")
    await call.press("87654321#")
    await call.expect_prompt(contains="8 7 6 5 4 3 2 1")  # read back
    await call.press("2")  # re-enter
    await call.expect_prompt(contains="número de cuenta de ocho dígitos")
    await call.press("12345678#")
    await call.expect_prompt(contains="1 2 3 4 5 6 7 8")
    await call.press("1")
    transfer = await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferAccepted")
    await call.expect_event("CallDisconnected")  # a 1:1 transfer takes the app out of the call
    info = await phone.emulator.get_call(call.server_call_id)
    assert info.state == "established"  # ...and leaves the caller with the agent
    assert {p.raw_id for p in info.participants} == {f"4:{CALLER}", f"4:{AGENT}"}

    assert body(transfer)["customCallingContext"]["sipHeaders"] == {"X-MS-Custom-Account": "12345678"}
    steps = await call.timeline()
    after_choice = [step for step in actions(steps, "recognize") if LANGUAGE not in (step.text or "")]
    assert len(after_choice) == 6  # main, billing, account, read-back, account again, read-back
    assert {body(step)["playPrompt"]["text"]["voiceName"] for step in after_choice} == {"es-MX-DaliaNeural"}
    assert not actions(steps, "addParticipant") and not actions(steps, "startRecording")
    assert_clean(steps, caplog)


async def test_internet_support_adds_a_specialist_while_the_caller_is_on_hold(phone: Phone) -> None:
    call = await in_main_menu(phone)
    await call.press("2")
    await call.expect_prompt(contains=TECHNICAL_EN)
    await call.press("1")
    added = await call.expect_added(to=SPECIALIST)
    hold = await call.expect_action("hold", to=CALLER)
    await call.expect_event("AddParticipantSucceeded")
    await call.expect_action("unhold", to=CALLER)

    assert body(added)["sourceCallerIdNumber"] == {"value": SUPPORT}
    assert body(hold)["playSourceInfo"]["text"]["text"] == "Please hold while we connect you with a specialist."
    info = await phone.emulator.get_call(call.server_call_id)
    in_call = {p.raw_id: p for p in info.participants}
    assert set(in_call) == {f"4:{CALLER}", f"4:{SPECIALIST}"}
    assert not in_call[f"4:{CALLER}"].is_on_hold
    assert info.state == "established"
    assert not actions(await call.timeline(), "transfer")


# --- people who cannot be reached ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "apology", "result"),
    [
        ({"answer": "busy"}, "We're sorry, all of our agents are busy right now.", "486/8539"),
        ({"answer": "reject"}, "We're sorry, no agent can take your call right now.", "603/8538"),
        ({"answer": "fail"}, "We're sorry, we could not connect your call.", None),
        ({"transfer": "fail"}, "We're sorry, we could not connect your call.", None),
        ({"answer": "no-answer"}, "We're sorry, no agent answered.", None),
    ],
    ids=["busy", "declined", "failed", "transfer-refused", "no-answer"],
)
async def test_an_unreachable_agent_gets_the_matching_apology_and_the_offer(
    phone: Phone, behaviour: dict[str, str], apology: str, result: str | None
) -> None:
    await phone.set_behaviour(AGENT, **behaviour)
    call = await in_main_menu(phone)
    await call.press("2")
    await call.press("0")
    await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferFailed", result=result)
    await call.expect_prompt(contains=apology)
    await call.expect_event("PlayCompleted")
    await call.expect_prompt(contains=OFFER_EN)
    assert (await phone.emulator.get_call(call.server_call_id)).state == "established"  # the caller is still here


async def test_busy_agent_then_voicemail_records_a_message(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    await phone.set_behaviour(AGENT, answer="busy")
    call = await in_main_menu(phone)
    await call.press("1")
    await call.expect_prompt(contains=BILLING_EN)
    await call.press("2")  # new account → agent
    await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferFailed", result="486/8539")
    await call.expect_prompt(contains="all of our agents are busy")
    await call.expect_prompt(contains=OFFER_EN)
    await call.press("1")
    await call.expect_prompt(contains=VOICEMAIL_EN)
    await call.expect_recording("started")
    await call.press("#")
    await call.expect_recording("stopped")
    await call.expect_prompt(contains=RECORDED_EN)
    await call.expect_hangup()
    await call.expect_event("CallDisconnected")
    steps = await call.timeline()
    assert ended(steps)
    assert_clean(steps, caplog)


async def test_specialist_who_does_not_answer_leads_to_a_callback_request_in_spanish(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    await phone.set_behaviour(SPECIALIST, answer="no-answer")
    call = await in_main_menu(phone, language="2")
    await call.press("2")
    await call.expect_prompt(contains=TECHNICAL_ES)
    await call.press("1")
    await call.expect_added(to=SPECIALIST)
    hold = await call.expect_action("hold", to=CALLER)
    await call.expect_event("AddParticipantFailed")
    await call.expect_action("unhold", to=CALLER)  # off hold before the apology
    await call.expect_prompt(contains="Lo sentimos, ningún agente respondió.")
    await call.expect_prompt(contains="Para que le devolvamos la llamada, oprima 2.")
    await call.press("2")
    await call.expect_prompt(contains="Le devolveremos la llamada")
    await call.expect_hangup()
    requested = [
        record.msg
        for record in caplog.records
        if isinstance(record.msg, dict) and record.msg.get("event") == "callback_requested"
    ]
    assert [entry.get("number") for entry in requested] == [f"4:{CALLER}"]

    hold_music = body(hold)["playSourceInfo"]["text"]
    assert hold_music["text"] == "Por favor espere mientras lo comunicamos con un especialista."
    assert hold_music["voiceName"] == "es-MX-DaliaNeural"
    info = await phone.emulator.get_call(call.server_call_id)
    assert f"4:{SPECIALIST}" not in {p.raw_id for p in info.participants}
    assert not actions(await call.timeline(), "startRecording")


async def test_silence_at_the_offer_falls_back_to_voicemail_and_hanging_up_keeps_the_message(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    await phone.set_behaviour(AGENT, answer="reject")
    call = await in_main_menu(phone)
    await call.press("2")
    await call.press("2")  # phone service → agent
    await call.expect_transfer(to=AGENT)
    await call.expect_prompt(contains="no agent can take your call")
    await call.expect_prompt(contains=OFFER_EN)
    for _ in range(2):
        await call.stay_silent()
        await call.expect_prompt(contains="Sorry, I didn't hear anything. " + OFFER_EN)
    await call.stay_silent()
    await call.expect_prompt(contains=VOICEMAIL_EN)  # the offer's fallback is voicemail
    await call.expect_recording("started")
    await call.expect_action("recognize")  # listening for '#' while the message is recorded
    await call.hang_up()
    await call.expect_event("CallDisconnected")

    steps = await call.timeline()
    assert not actions(steps, "stopRecording")  # the recording simply ends with the call
    last_action = max(step.position for step in steps if step.kind == "action")
    hang_up = next(step for step in steps if step.kind == "party" and step.name == "hang up")
    assert last_action < hang_up.position  # the app did nothing after the caller left
    saved = [
        record.msg
        for record in caplog.records
        if isinstance(record.msg, dict) and record.msg.get("event") == "voicemail_recorded"
    ]
    assert [entry.get("reason") for entry in saved] == ["hang_up"]
    assert ended(steps)
    assert_clean(steps, caplog)


async def test_spanish_caller_hears_the_account_number_read_back_in_spanish(phone: Phone) -> None:
    call = await in_main_menu(phone, language="2")
    await call.press("1")
    await call.press("1")
    await call.expect_prompt(contains="número de cuenta de ocho dígitos")
    await call.press("12345678#")
    read_back = await call.expect_prompt(contains="1 2 3 4 5 6 7 8")
    assert "oprima 1" in (read_back.text or ""), read_back.text


async def test_caller_hanging_up_on_hold_ends_the_call_cleanly(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    await phone.set_behaviour(SPECIALIST, answer="no-answer")
    call = await in_main_menu(phone)
    await call.press("2")
    await call.press("1")
    await call.expect_added(to=SPECIALIST)
    await call.expect_action("hold", to=CALLER)
    await call.hang_up()
    await call.expect_event("CallDisconnected")

    await assert_hung_up_cleanly(phone, call, caplog)


# --- silence and invalid keys --------------------------------------------------------------------------------------


async def test_silence_and_wrong_keys_in_the_main_menu_end_the_call_after_three_tries(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    call = await phone.dial(SUPPORT, from_=CALLER)
    await call.expect_prompt(contains=LANGUAGE)
    await call.stay_silent()
    await call.expect_prompt(contains="Sorry. Disculpe. " + LANGUAGE)
    await call.stay_silent()  # no choice twice: English
    await call.expect_prompt(contains=MAIN_EN)
    await call.stay_silent()
    await call.expect_prompt(contains="Sorry, I didn't hear anything. " + MAIN_EN)
    await call.press("9")
    await call.expect_event("RecognizeCompleted", result="9")
    await call.expect_prompt(contains="Sorry, that is not a valid choice. " + MAIN_EN)
    await call.stay_silent()
    await call.expect_prompt(contains="Sorry, we could not understand your choice.")
    await call.expect_event("PlayCompleted")
    await call.expect_hangup()

    steps = await call.timeline()
    assert len([text for text in prompts(steps) if MAIN_EN in text]) == 3
    assert not actions(steps, "transfer") and not actions(steps, "startRecording")
    assert ended(steps)
    assert_clean(steps, caplog)


async def test_an_account_number_that_keeps_failing_still_reaches_an_agent(phone: Phone) -> None:
    call = await in_main_menu(phone)
    await call.press("1")
    await call.press("1")
    await call.expect_prompt(contains="Please enter your eight digit account number")
    await call.press("123#")  # too short
    await call.expect_prompt(contains="Sorry, that entry is not valid. Please enter your eight digit account number")
    await call.stay_silent()
    await call.expect_prompt(contains="Sorry, I didn't hear any digits. Please enter your eight digit account number")
    await call.press("12345678#")
    await call.expect_prompt(contains="You entered 1 2 3 4 5 6 7 8.")
    await call.press("9")  # neither confirm nor re-enter: the third miss
    transfer = await call.expect_transfer(to=AGENT)
    await call.expect_event("CallTransferAccepted")
    headers = body(transfer).get("customCallingContext", {}).get("sipHeaders", {})
    assert "X-MS-Custom-Account" not in headers  # nothing unconfirmed reaches the agent


async def test_star_returns_to_the_main_menu_and_sub_menu_misses_go_to_an_agent(phone: Phone) -> None:
    call = await in_main_menu(phone)
    await call.press("2")
    await call.expect_prompt(contains=TECHNICAL_EN)
    await call.press("*")
    await call.expect_prompt(contains=MAIN_EN)
    await call.press("2")
    await call.expect_prompt(contains=TECHNICAL_EN)
    await call.press("5")
    await call.expect_prompt(contains="Sorry, that is not a valid choice. " + TECHNICAL_EN)
    await call.stay_silent()
    await call.expect_prompt(contains="Sorry, I didn't hear anything. " + TECHNICAL_EN)
    await call.press("#")
    await call.expect_transfer(to=AGENT)  # a person can still help
    await call.expect_event("CallTransferAccepted")
    steps = await call.timeline()
    assert not [text for text in prompts(steps) if "could not understand your choice" in text]


# --- the caller leaves -------------------------------------------------------------------------------------------


async def test_caller_hanging_up_in_a_sub_menu_ends_the_call_cleanly(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    call = await in_main_menu(phone)
    await call.press("1")
    await call.expect_prompt(contains=BILLING_EN)
    await call.hang_up()
    await call.expect_event("CallDisconnected")

    await assert_hung_up_cleanly(phone, call, caplog)


# --- after hours ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("callwright_settings", "finish"),
    [
        ({"ivr.force_open": False}, "#"),
        ({"ivr.force_open": None, "ivr.hours": "", "ivr.voicemail_max_seconds": 5}, None),
    ],
    ids=["forced-closed-pound", "no-opening-hours-max-length"],
)
async def test_after_hours_the_caller_hears_the_closed_message_and_leaves_a_message(
    phone: Phone, caplog: pytest.LogCaptureFixture, finish: str | None
) -> None:
    call = await phone.dial(SUPPORT, from_=CALLER)
    await call.expect_answered()
    await call.expect_prompt(contains="Our office is closed right now.")
    await call.expect_recording("started")
    listening = await call.expect_action("recognize")
    if finish is None:
        await call.stay_silent()  # no '#' until the maximum length runs out
        assert body(listening)["recognizeOptions"]["initialSilenceTimeoutInSeconds"] == 5
    else:
        await call.press(finish)
    await call.expect_recording("stopped")
    await call.expect_prompt(contains=RECORDED_EN)
    await call.expect_hangup()
    await call.expect_event("CallDisconnected")

    steps = await call.timeline()
    assert not [text for text in prompts(steps) if LANGUAGE in text]
    assert not actions(steps, "transfer")
    assert ended(steps)
    assert_clean(steps, caplog)


@pytest.mark.parametrize("callwright_settings", [{"ivr.force_open": False}])
async def test_after_hours_with_recording_refused_the_caller_hears_an_apology(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    await phone.emulator.set_rest_fault("startRecording", status=409, times=1)
    call = await phone.dial(SUPPORT, from_=CALLER)
    await call.expect_prompt(contains="Our office is closed right now.")
    await call.expect_event("PlayCompleted")
    await call.expect_prompt(contains="We're sorry, we cannot take a message right now.")
    await call.expect_event("PlayCompleted")
    await call.expect_hangup()
    await call.expect_event("CallDisconnected")

    steps = await call.timeline()
    assert not actions(steps, "startRecording") and not actions(steps, "recognize")
    refused = [
        record.msg
        for record in caplog.records
        if isinstance(record.msg, dict) and record.msg.get("event") == "voicemail_unavailable"
    ]
    assert [entry.get("status") for entry in refused] == [409]
    assert ended(steps)


@pytest.mark.parametrize("callwright_settings", [{"ivr.force_open": None, "ivr.hours": "mon-sun 00:00-24:00"}])
async def test_opening_hours_that_cover_every_day_open_the_line(phone: Phone) -> None:
    call = await phone.dial(SUPPORT, from_=CALLER)
    await call.expect_prompt(contains=LANGUAGE)
    steps = await call.timeline()
    assert not [text for text in prompts(steps) if "closed" in text]


# --- two callers at once -------------------------------------------------------------------------------------------


async def test_two_callers_at_once_keep_their_own_language_and_branch(phone: Phone) -> None:
    english, spanish = await asyncio.gather(phone.dial(SUPPORT, from_=CALLER), phone.dial(SUPPORT, from_=OTHER_CALLER))

    async def billing_in_english(call: ScriptedCall) -> None:
        await call.press("1")
        await call.expect_prompt(contains=MAIN_EN)
        await call.press("1")
        await call.expect_prompt(contains=BILLING_EN)
        await call.press("2")
        await call.expect_transfer(to=AGENT)
        await call.expect_event("CallTransferAccepted")

    async def internet_in_spanish(call: ScriptedCall) -> None:
        await call.press("2")
        await call.expect_prompt(contains=MAIN_ES)
        await call.press("2")
        await call.expect_prompt(contains=TECHNICAL_ES)
        await call.press("1")
        await call.expect_added(to=SPECIALIST)
        await call.expect_event("AddParticipantSucceeded")

    await asyncio.gather(billing_in_english(english), internet_in_spanish(spanish))

    english_steps, spanish_steps = await english.timeline(), await spanish.timeline()
    english_menus = [text for text in prompts(english_steps) if LANGUAGE not in text]
    spanish_menus = [text for text in prompts(spanish_steps) if LANGUAGE not in text]
    assert english_menus and all("press" in text and "oprima" not in text for text in english_menus)
    assert spanish_menus and all("oprima" in text for text in spanish_menus)
    assert actions(english_steps, "transfer") and not actions(english_steps, "addParticipant")
    assert actions(spanish_steps, "addParticipant") and not actions(spanish_steps, "transfer")
    assert [step.target for step in actions(spanish_steps, "hold")] == [f"4:{OTHER_CALLER}"]
