"""Support line, scripted call by call against fake actions: hours, language, menus, agent, specialist, voicemail."""

from __future__ import annotations

from typing import Any

from app.testing.fakes import (
    AddParticipant,
    CallScript,
    HangUp,
    Hold,
    Play,
    Recognize,
    StartRecording,
    Transfer,
    Unhold,
    make_app,
    make_settings,
)
from flows import support_line

SUPPORT = "+18005550100"
AGENT = "4:+18005550199"
CALLER = "4:+15555550123"


async def dial(*, open_: bool = True, **script: Any) -> CallScript:
    app, acs = make_app(make_settings(force_open=open_), support_line.router)
    call = CallScript(app, acs, **script)
    await call.incoming(to=SUPPORT)
    await call.connected()
    return call


def prompt(call: CallScript) -> str:
    last = call.last
    assert isinstance(last, Recognize | Play), last
    return last.text or ""


async def in_main_menu(**script: Any) -> CallScript:
    call = await dial(**script)
    assert "For English, press 1" in prompt(call)
    await call.press("1")
    assert "For billing, press 1" in prompt(call)
    return call


async def test_after_hours_plays_the_closed_message_and_takes_a_message() -> None:
    call = await dial(open_=False)
    assert "closed" in prompt(call) and "leave a message" in prompt(call)
    await call.play_completed()
    assert isinstance(call.actions[-2], StartRecording)
    await call.press("#")
    await call.play_completed()
    assert call.last == HangUp()


async def test_technical_support_agent_key_transfers_to_the_agent() -> None:
    call = await in_main_menu()
    await call.press("2")
    assert "For internet, press 1" in prompt(call) and "talk to an agent, press 0" in prompt(call)
    await call.press("0")
    assert call.last == Transfer(AGENT, "support_line.agent")
    await call.send("CallTransferAccepted")
    assert (await call.state())["agent_outcome"] == "connected"


async def test_billing_collects_and_confirms_the_account_number_for_the_agent() -> None:
    call = await in_main_menu()
    await call.press("1")
    assert "existing account, press 1" in prompt(call)
    await call.press("1")
    assert "eight digit account number" in prompt(call)
    await call.press("12345678#")
    assert prompt(call).startswith("You entered 1 2 3 4 5 6 7 8.")
    await call.press("1")
    assert call.last == Transfer(AGENT, "support_line.agent", sip_headers=(("X-MS-Custom-Account", "12345678"),))


async def test_internet_adds_a_specialist_while_the_caller_hears_hold_music() -> None:
    call = await in_main_menu()
    await call.press("2")
    await call.press("1")
    assert call.actions[-2:] == [
        AddParticipant("4:+15555550170", SUPPORT, "support_line.specialist", invitation_timeout=30),
        Hold(CALLER, "Please hold while we connect you with a specialist."),
    ]
    await call.send("AddParticipantSucceeded", participant={"rawId": "4:+15555550170"})
    assert call.last == Unhold(CALLER)


async def test_busy_agent_offers_voicemail_or_a_callback() -> None:
    call = await in_main_menu()
    await call.press("2")
    await call.press("2")
    await call.failed("CallTransferFailed", 486, 8539, "Callee is busy.")
    assert "agents are busy" in prompt(call)
    await call.play_completed()
    assert "To leave a message, press 1. To have us call you back, press 2." in prompt(call)
    await call.press("2")
    assert "call you back" in prompt(call)
    assert (await call.state())["callback_requested"] is True
    await call.play_completed()
    assert call.last == HangUp()


async def test_specialist_who_does_not_answer_leads_to_voicemail() -> None:
    call = await in_main_menu()
    await call.press("2")
    await call.press("1")
    await call.failed("AddParticipantFailed", 408, 10057, "Request Timeout")
    assert isinstance(call.actions[-2], Unhold)
    assert "no agent answered" in prompt(call)
    await call.play_completed()
    await call.press("1")
    assert "leave a message" in prompt(call)


async def test_main_menu_voicemail_records_a_message() -> None:
    call = await in_main_menu()
    await call.press("3")
    assert "leave a message" in prompt(call)
    await call.play_completed()
    assert isinstance(call.actions[-2], StartRecording)
    await call.silence()  # the length limit ran out
    assert "your message has been recorded" in prompt(call)


async def test_silence_and_invalid_keys_up_to_max_attempts_end_the_call() -> None:
    call = await in_main_menu()
    await call.silence()
    assert prompt(call).startswith("Sorry, I didn't hear anything. For billing, press 1")
    await call.press("8")
    assert prompt(call).startswith("Sorry, that is not a valid choice. For billing, press 1")
    await call.silence()
    assert "Goodbye" in prompt(call)
    await call.play_completed()
    assert call.last == HangUp()


async def test_star_in_a_sub_menu_returns_to_the_main_menu() -> None:
    call = await in_main_menu()
    await call.press("2")
    await call.press("*")
    assert "For billing, press 1" in prompt(call)
    last = call.last
    assert isinstance(last, Recognize) and last.context == "support_line.main:1"


async def test_spanish_callers_hear_spanish_menus() -> None:
    call = await dial()
    await call.press("2")
    menu = call.last
    assert isinstance(menu, Recognize)
    assert menu.text is not None and "Para facturación, oprima 1" in menu.text
    assert menu.locale == "es-MX"


async def test_hanging_up_mid_menu_ends_quietly_and_clears_state() -> None:
    call = await in_main_menu()
    before = len(call.actions)
    await call.disconnected()
    assert len(call.actions) == before
    assert await call.state() == {}


async def test_two_concurrent_calls_do_not_share_state() -> None:
    app, acs = make_app(make_settings(force_open=True), support_line.router)
    first = CallScript(app, acs, call_id="call-1", caller="+15555550001")
    second = CallScript(app, acs, call_id="call-2", caller="+15555550002")
    await first.incoming(to=SUPPORT)
    await second.incoming(to=SUPPORT)
    await first.connected()
    await second.connected()
    await first.press("2")  # Spanish
    await second.press("1")  # English
    await second.press("2")
    await first.silence()
    first_last, second_last = first.last, second.last
    assert isinstance(first_last, Recognize) and isinstance(second_last, Recognize)
    assert first_last.locale == "es-MX" and first_last.context == "support_line.main:2"
    assert second_last.locale == "en-US" and second_last.context == "support_line.technical:1"
    assert (await first.state())["language"] == "es-MX"
    assert (await second.state())["language"] == "en-US"
