"""Language kit: the choice is applied with set_language, persisted by the dispatcher, and used by later prompts."""

from __future__ import annotations

from typing import Any

from app import Router
from app.testing.fakes import Recognize
from handlers import LanguageChoice, Localized, Menu
from tests.unit.kit_calls import call_in, start_on_connect

MENU = Localized({"en-US": "For billing press 1.", "es-MX": "Para facturación oprima 1."})


def build(name: str, **options: Any) -> Router:
    router = Router(name=name)

    async def billing() -> None:
        return None

    menu = Menu(name="main", prompt=MENU, options={"1": billing})
    language = LanguageChoice(name="language", on_selected=menu, **options)

    router.include(menu)
    start_on_connect(router, language)

    return router


async def test_prompt_offers_both_languages() -> None:
    script = await call_in(build("tkl1"))
    assert script.last == Recognize(
        "For English, press 1. Para español, oprima 2.", "tkl1.language:1", target="4:+15555550123"
    )


async def test_choice_becomes_the_voice_and_text_of_later_prompts() -> None:
    script = await call_in(build("tkl2"))
    await script.press("2")
    menu = script.last
    assert isinstance(menu, Recognize)
    assert menu.text == "Para facturación oprima 1."
    assert (menu.locale, menu.voice) == ("es-MX", "es-MX-DaliaNeural")
    assert (await script.state())["language"] == "es-MX"
    # A later event (a new CallActions) still speaks Spanish: the dispatcher persisted the language.
    await script.silence()
    retry = script.last
    assert isinstance(retry, Recognize)
    assert (retry.locale, retry.voice) == ("es-MX", "es-MX-DaliaNeural")
    assert retry.text == "Disculpe, no escuché nada. Para facturación oprima 1."


async def test_no_choice_falls_back_to_the_first_language_after_max_attempts() -> None:
    script = await call_in(build("tkl3", max_attempts=2))
    await script.press("9")
    retry = script.last
    assert isinstance(retry, Recognize) and retry.context == "tkl3.language:2"
    await script.silence()
    menu = script.last
    assert isinstance(menu, Recognize)
    assert (menu.text, menu.locale) == ("For billing press 1.", "en-US")


async def test_speech_mode_uses_choices_and_accepts_a_spoken_label() -> None:
    script = await call_in(build("tkl4", speech=True))
    ask = script.last
    assert isinstance(ask, Recognize)
    assert (ask.kind, ask.choices) == ("choices", ("en-US", "es-MX"))
    await script.choose("es-MX")
    menu = script.last
    assert isinstance(menu, Recognize) and menu.locale == "es-MX"
