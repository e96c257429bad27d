"""Language kit: ask once, then speak the caller's language for the rest of the call.

Example::

    language = router.include(LanguageChoice(name="language", on_selected=main_menu))

    @router.call_connected(context=Welcome)
    async def welcome(call: CallActions) -> None:
        await language.start(call)

The choice is applied with ``call.set_language(locale, voice)``, which the dispatcher keeps in the call's session,
so every later prompt (plain strings, and :class:`~handlers.prompting.Localized` ones) uses it. The locale is also
stored in ``state["language"]``. Silence or wrong keys up to ``max_attempts`` fall back to the first language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app import Log
from app.actions.call import CallActions
from app.actions.prompts import Choice
from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.events import RecognizeCompleted
from app.routing import HandlerArgs
from app.state.base import CallState
from handlers.kit import Attempts, Kit, Target
from handlers.prompting import PromptSpec, Spoken, join, render

STATE_KEY = "language"


@dataclass(frozen=True)
class Language:
    """One choice: the key to press, the locale and neural voice to switch to, and words a caller may say."""

    key: str
    locale: str
    voice: str | None = None
    phrases: tuple[str, ...] = ()


ENGLISH = Language("1", "en-US", "en-US-JennyNeural", ("english",))
SPANISH = Language("2", "es-MX", "es-MX-DaliaNeural", ("español", "espanol", "spanish"))
PROMPT = "For English, press 1. Para español, oprima 2."
RETRY = "Sorry. Disculpe."


class LanguageStep(OperationContext, prefix="_kit.language"):
    attempt: int = 1


class LanguageChoice(Kit):
    """Ask for a language by key (or, with ``speech=True``, by key or spoken word), apply it, route on.

    Args:
        languages: the choices; the first is the default when the caller does not choose.
        on_selected: route once the language is set (``state["language"]`` holds the locale).
        speech: use a choices recognize (say "español" or press 2) instead of DTMF only.
    """

    kind = "language"

    def __init__(
        self,
        *,
        name: str,
        on_selected: Target,
        languages: Sequence[Language] = (ENGLISH, SPANISH),
        prompt: PromptSpec = PROMPT,
        retry_prompt: PromptSpec = RETRY,
        max_attempts: int = 2,
        timeout_s: int = 5,
        speech: bool = False,
        state_key: str = STATE_KEY,
    ) -> None:
        super().__init__(name=name)
        keys = [language.key for language in languages]
        if not languages or len(set(keys)) != len(keys):
            raise HandlerRegistrationError(f"{self!r}: give at least one language, each with its own key")
        self.languages = tuple(languages)
        self.prompt, self.retry_prompt = prompt, retry_prompt
        self.attempts = Attempts(max_attempts)
        self.timeout_s = timeout_s
        self.speech = speech
        self.state_key = state_key
        self.on_selected = self._route(on_selected, "on_selected")

    def wire(self) -> None:
        self.Step = self._context(LanguageStep)
        self.recognize_completed(context=self.Step)(self._on_choice)
        self.recognize_failed(context=self.Step)(self._on_silence)

    async def _start(self, call: CallActions, state: CallState | None) -> None:
        await self._ask(call, render(self.prompt, locale=call.locale, state=state), attempt=1)

    async def _ask(self, call: CallActions, prompt: Spoken, *, attempt: int) -> None:
        context = self.Step(attempt=attempt)
        if self.speech:
            choices = [Choice(lang.locale, lang.phrases or (lang.locale,), tone=lang.key) for lang in self.languages]
            await call.recognize_choices(prompt, choices, initial_silence_timeout=self.timeout_s, context=context)
        else:
            await call.recognize_dtmf(prompt, max_tones=1, initial_silence_timeout=self.timeout_s, context=context)

    def _find(self, event: RecognizeCompleted) -> Language | None:
        for language in self.languages:
            if event.choice == language.locale or (event.digits[:1] == language.key and event.digits):
                return language
        return None

    async def _select(
        self, call: CallActions, state: CallState, log: Log, args: HandlerArgs, language: Language, *, chosen: bool
    ) -> None:
        call.set_language(language.locale, language.voice)
        state[self.state_key] = language.locale
        log.info("language_selected", kit=self.prefix, locale=language.locale, chosen=chosen)
        await self.on_selected(args)

    async def _on_choice(
        self,
        event: RecognizeCompleted,
        call: CallActions,
        state: CallState,
        ctx: LanguageStep,
        log: Log,
        args: HandlerArgs,
    ) -> None:
        language = self._find(event)
        if language is not None:
            await self._select(call, state, log, args, language, chosen=True)
        else:
            await self._retry(call, state, ctx, log, args)

    async def _on_silence(
        self, call: CallActions, state: CallState, ctx: LanguageStep, log: Log, args: HandlerArgs
    ) -> None:
        await self._retry(call, state, ctx, log, args)

    async def _retry(
        self, call: CallActions, state: CallState, step: LanguageStep, log: Log, args: HandlerArgs
    ) -> None:
        # The language is not known yet: say the (bilingual) retry and prompt as written, not localized.
        spoken = join(
            render(self.retry_prompt, locale=None, state=state), render(self.prompt, locale=None, state=state)
        )
        await self.attempts.again(
            step.attempt,
            ask=lambda n: self._ask(call, spoken, attempt=n),
            give_up=lambda: self._select(call, state, log, args, self.languages[0], chosen=False),
        )
