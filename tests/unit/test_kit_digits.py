"""Digits kit: validation, stop tone, confirm / re-enter, silence vs incomplete entry, max attempts, no PIN in logs."""

from __future__ import annotations

from typing import Any

from structlog.testing import capture_logs

from app import CallActions, CallState, Router
from app.testing.fakes import HangUp, Play, Recognize
from config.settings import Settings
from handlers import Digits, valid_date
from tests.unit.kit_calls import LINE, call_in, start_on_connect

CALLER = "4:+15555550123"

PROMPT = "Enter your PIN, then press pound."


def build(name: str, **options: Any) -> tuple[Router, list[str]]:
    router = Router(name=name)
    results: list[str] = []

    async def done(state: CallState) -> None:
        results.append(f"ok:{state['pin']}")

    async def failed(call: CallActions) -> None:
        results.append("failed")
        await call.hang_up()

    def allowed(value: str, settings: Settings) -> bool:
        return value != "0000" and settings.flows.support_number == LINE

    kit = Digits(
        name="pin",
        prompt=PROMPT,
        length=4,
        validator=allowed,
        on_complete=done,
        on_fail=failed,
        **options,
    )

    start_on_connect(router, kit)

    return router, results


async def test_asks_for_digits_with_a_stop_tone() -> None:
    router, _ = build("tkd1")
    script = await call_in(router)
    assert script.last == Recognize(
        PROMPT, "tkd1.pin:1:enter", max_tones=5, stop_tones="#", target=CALLER, inter_tone_timeout=4
    )


async def test_valid_entry_is_stored_and_delivered_without_logging_the_value() -> None:
    router, results = build("tkd2")
    script = await call_in(router)
    with capture_logs() as logs:
        await script.press("4321#")
    assert results == ["ok:4321"]
    assert (await script.state())["pin"] == "4321"
    assert not any("4321" in repr(entry) for entry in logs)


async def test_invalid_entry_reprompts_then_fails_after_max_attempts() -> None:
    router, results = build("tkd3", max_attempts=2)
    script = await call_in(router)
    await script.press("12#")  # too short
    again = script.last
    assert isinstance(again, Recognize)
    assert again.context == "tkd3.pin:2:enter"
    assert again.text == f"Sorry, that entry is not valid. {PROMPT}"
    await script.press("0000#")  # refused by the validator
    assert results == ["failed"]
    assert script.last == HangUp()


async def test_silence_and_an_incomplete_entry_get_different_reprompts() -> None:
    router, _ = build("tkd4")
    script = await call_in(router)
    await script.silence()
    silence = script.last
    assert isinstance(silence, Recognize) and silence.text is not None
    assert silence.text.startswith("Sorry, I didn't hear any digits.")
    await script.failed("RecognizeFailed", 400, 8532, "Inter-digit timeout.")
    incomplete = script.last
    assert isinstance(incomplete, Recognize) and incomplete.text is not None
    assert incomplete.text.startswith("Sorry, that entry is not valid.")
    assert incomplete.context == "tkd4.pin:3:enter"


async def test_confirm_reads_back_and_1_confirms() -> None:
    router, results = build("tkd5", confirm=True)
    script = await call_in(router)
    await script.press("1234#")
    question = script.last
    assert isinstance(question, Recognize)
    assert question.text == "You entered 1 2 3 4. To confirm, press 1. To re-enter, press 2."
    assert question.context == "tkd5.pin:1:confirm"
    assert results == []
    await script.press("1")
    assert results == ["ok:1234"]
    assert "pin_pending" not in await script.state()


async def test_confirm_2_re_enters_without_spending_an_attempt() -> None:
    router, results = build("tkd6", confirm=True)
    script = await call_in(router)
    await script.press("1234#")
    await script.press("2")
    assert script.last == Recognize(
        PROMPT, "tkd6.pin:1:enter", max_tones=5, stop_tones="#", target=CALLER, inter_tone_timeout=4
    )
    await script.press("5678#")
    await script.press("1")
    assert results == ["ok:5678"]


async def test_confirm_with_a_wrong_key_asks_again() -> None:
    router, _ = build("tkd7", confirm=True)
    script = await call_in(router)
    await script.press("1234#")
    await script.press("5")
    again = script.last
    assert isinstance(again, Recognize)
    assert again.context == "tkd7.pin:2:confirm"
    assert (
        again.text == "Sorry, that entry is not valid. You entered 1 2 3 4. To confirm, press 1. To re-enter, press 2."
    )


async def test_default_on_fail_apologises_and_hangs_up() -> None:
    router = Router(name="tkd8")

    async def done() -> None:
        return None

    kit = Digits(name="acct", prompt="Account number?", min_length=6, max_length=8, on_complete=done, max_attempts=1)

    start_on_connect(router, kit)

    script = await call_in(router)
    await script.silence()
    bye = script.last
    assert isinstance(bye, Play) and "Goodbye" in bye.text
    await script.play_completed()
    assert script.last == HangUp()


def test_valid_date() -> None:
    check = valid_date()
    assert check("02292028") is True
    assert check("02302028") is False
    assert check("1231") is False
