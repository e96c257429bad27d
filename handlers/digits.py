"""Digit collection kit: a PIN, an account number or a date, validated, optionally read back for confirmation.

Example::

    pin = Digits(
        name="pin",
        prompt="Please enter your four digit PIN, then press pound.",
        length=4,
        validator=lambda value: value in KNOWN_PINS,
        on_complete=join_room,          # reads state[pin.state_key]
        on_fail=goodbye,
    )

The entered value is stored in ``state[kit.state_key]`` (``"<name>"`` by default) before ``on_complete`` runs.
While waiting for a confirmation the value sits in ``state["<name>_pending"]``, never in the operation context,
so it is not echoed by ACS nor written to logs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from app import Log
from app.actions.call import CallActions
from app.actions.prompts import mark_sensitive, sensitive
from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.events import RecognizeCompleted, RecognizeFailed
from app.routing import HandlerArgs
from app.state.base import CallState
from config.settings import Settings
from handlers.farewell import Farewell
from handlers.kit import Attempts, Kit, Target
from handlers.prompting import Localized, PromptSpec, Spoken, join, render

NO_INPUT = Localized({"en-US": "Sorry, I didn't hear any digits.", "es-MX": "Disculpe, no escuché ningún número."})
INVALID = Localized({"en-US": "Sorry, that entry is not valid.", "es-MX": "Disculpe, esa entrada no es válida."})
GOODBYE = Localized(
    {
        "en-US": "Sorry, we could not verify your entry. Goodbye.",
        "es-MX": "Disculpe, no pudimos verificar su entrada. Adiós.",
    }
)
CONFIRM_KEY, REENTER_KEY = "1", "2"
Validator = Callable[[str], bool] | Callable[[str, Settings], bool]
"""``check(value)`` or ``check(value, settings)`` (for values that live in configuration, such as PINs)."""


def read_back(value: str) -> Localized:
    """The confirmation question, in the caller's language: ``"You entered 1 2 3 4. To confirm, press 1. ..."``

    It repeats what the caller entered, so it is marked sensitive: spoken, never logged.
    """
    digits = " ".join(value)
    return Localized(
        {
            "en-US": sensitive(
                f"You entered {digits}. To confirm, press {CONFIRM_KEY}. To re-enter, press {REENTER_KEY}."
            ),
            "es-MX": sensitive(
                f"Usted marcó {digits}. Para confirmar, oprima {CONFIRM_KEY}. "
                f"Para marcarlo de nuevo, oprima {REENTER_KEY}."
            ),
        }
    )


def valid_date(fmt: str = "%m%d%Y") -> Callable[[str], bool]:
    """A validator for dates typed as digits (default ``MMDDYYYY``).

    Example::

        Digits(name="dob", prompt="Enter your date of birth as month, day, year.", length=8,
               validator=valid_date())
    """

    def check(value: str) -> bool:
        try:
            datetime.strptime(value, fmt)
        except ValueError:
            return False
        return True

    return check


class DigitsStep(OperationContext, prefix="_kit.digits"):
    attempt: int = 1
    phase: Literal["enter", "confirm"] = "enter"


class Digits(Kit):
    """Collect several keys ended by ``stop_tone`` (or ``max_length`` keys), validate, confirm, deliver.

    Args:
        length: exact number of digits (sets both ``min_length`` and ``max_length``).
        validator: extra check on the digits (the stop tone is already stripped); False → invalid re-prompt.
        confirm: read the value back and ask ``1`` to confirm / ``2`` to re-enter.
        confirm_prompt: builds the read-back from the value (default :func:`read_back`).
        on_complete: route once a valid (and confirmed) value is in ``state[state_key]``.
        on_fail: route after ``max_attempts`` failed entries; default: apologise and hang up.
    """

    kind = "digits"

    def __init__(
        self,
        *,
        name: str,
        prompt: PromptSpec,
        on_complete: Target,
        on_fail: Target | None = None,
        length: int | None = None,
        min_length: int = 1,
        max_length: int = 16,
        validator: Validator | None = None,
        confirm: bool = False,
        confirm_prompt: Callable[[str], Spoken | Localized] = read_back,
        stop_tone: str = "#",
        no_input_prompt: PromptSpec = NO_INPUT,
        invalid_prompt: PromptSpec = INVALID,
        max_attempts: int = 3,
        timeout_s: int = 5,
        inter_tone_timeout_s: int = 4,
        state_key: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if length is not None:
            min_length = max_length = length
        if not 1 <= min_length <= max_length <= 30:
            raise HandlerRegistrationError(f"{self!r}: need 1 <= min_length <= max_length <= 30")
        self.prompt = prompt
        self.min_length, self.max_length = min_length, max_length
        self.validator = validator
        self._validator_wants_settings = validator is not None and len(inspect.signature(validator).parameters) >= 2
        self.confirm = confirm
        self.confirm_prompt = confirm_prompt
        self.stop_tone = stop_tone
        self.no_input_prompt, self.invalid_prompt = no_input_prompt, invalid_prompt
        self.attempts = Attempts(max_attempts)
        self.timeout_s, self.inter_tone_timeout_s = timeout_s, inter_tone_timeout_s
        self.state_key = state_key or name
        self.pending_key = f"{self.state_key}_pending"
        self.on_complete = self._route(on_complete, "on_complete")
        self.on_fail = self._route(on_fail or self.include(Farewell(name=f"{name}-bye", message=GOODBYE)), "on_fail")

    def wire(self) -> None:
        self.Step = self._context(DigitsStep)
        self.recognize_completed(context=self.Step)(self._on_keys)
        self.recognize_failed(context=self.Step)(self._on_failed)

    def value(self, state: Mapping[str, Any]) -> str | None:
        """The collected value, once ``on_complete`` has been reached."""
        found = state.get(self.state_key)
        return found if isinstance(found, str) else None

    async def _start(self, call: CallActions, state: CallState | None) -> None:
        if state is not None:
            state.pop(self.pending_key, None)
        await self._enter(call, render(self.prompt, locale=call.locale, state=state), attempt=1)

    def is_valid(self, value: str, settings: Settings) -> bool:
        if not value.isdigit() or not self.min_length <= len(value) <= self.max_length:
            return False
        if self.validator is None:
            return True
        if self._validator_wants_settings:
            return bool(self.validator(value, settings))  # type: ignore[call-arg]  # arity checked in __init__
        return bool(self.validator(value))  # type: ignore[call-arg]  # arity checked in __init__

    # --- steps ------------------------------------------------------------------------------------------------------

    async def _enter(self, call: CallActions, prompt: Spoken, *, attempt: int) -> None:
        await call.recognize_dtmf(
            prompt,
            # One more than the longest value, so the stop tone still fits after a full entry.
            max_tones=self.max_length + 1 if self.stop_tone else self.max_length,
            stop_tones=self.stop_tone or None,
            initial_silence_timeout=self.timeout_s,
            inter_tone_timeout=self.inter_tone_timeout_s,
            interrupt_prompt=True,
            context=self.Step(attempt=attempt, phase="enter"),
        )

    async def _ask_confirm(self, call: CallActions, value: str, *, attempt: int, preface: Spoken | None) -> None:
        # Whatever builds the read-back, it repeats the caller's entry: never log it.
        question = mark_sensitive(render(self.confirm_prompt(value), locale=call.locale, state=None))
        await call.recognize_dtmf(
            join(preface, question) if preface is not None else question,
            max_tones=1,
            initial_silence_timeout=self.timeout_s,
            interrupt_prompt=True,
            context=self.Step(attempt=attempt, phase="confirm"),
        )

    async def _give_up(self, state: CallState, step: DigitsStep, log: Log, args: HandlerArgs) -> None:
        state.pop(self.pending_key, None)
        log.info("digits_failed", kit=self.prefix, attempts=step.attempt)
        await self.on_fail(args)

    async def _again(
        self, call: CallActions, state: CallState, step: DigitsStep, log: Log, args: HandlerArgs, *, preface: PromptSpec
    ) -> None:
        """Re-prompt for the value, or give up after ``max_attempts``."""
        state.pop(self.pending_key, None)
        spoken = join(
            render(preface, locale=call.locale, state=state), render(self.prompt, locale=call.locale, state=state)
        )
        await self.attempts.again(
            step.attempt,
            ask=lambda n: self._enter(call, spoken, attempt=n),
            give_up=lambda: self._give_up(state, step, log, args),
        )

    async def _confirm_again(
        self,
        call: CallActions,
        state: CallState,
        step: DigitsStep,
        log: Log,
        args: HandlerArgs,
        *,
        pending: str,
        preface: PromptSpec,
    ) -> None:
        spoken = render(preface, locale=call.locale, state=state)
        await self.attempts.again(
            step.attempt,
            ask=lambda n: self._ask_confirm(call, pending, attempt=n, preface=spoken),
            give_up=lambda: self._give_up(state, step, log, args),
        )

    async def _complete(self, state: CallState, log: Log, args: HandlerArgs, value: str) -> None:
        state.pop(self.pending_key, None)
        state[self.state_key] = value
        log.info("digits_collected", kit=self.prefix, length=len(value))  # never the value itself
        await self.on_complete(args)

    # --- handlers ---------------------------------------------------------------------------------------------------

    async def _on_keys(
        self,
        event: RecognizeCompleted,
        call: CallActions,
        state: CallState,
        ctx: DigitsStep,
        settings: Settings,
        log: Log,
        args: HandlerArgs,
    ) -> None:
        if ctx.phase == "confirm":
            await self._on_confirm(call, state, ctx, log, args, key=event.digits[:1])
            return
        value = event.digits.rstrip(self.stop_tone) if self.stop_tone else event.digits
        if not self.is_valid(value, settings):
            log.info("digits_invalid", kit=self.prefix, attempt=ctx.attempt, length=len(value))
            await self._again(call, state, ctx, log, args, preface=self.invalid_prompt)
            return
        if not self.confirm:
            await self._complete(state, log, args, value)
            return
        state[self.pending_key] = value
        await self._ask_confirm(call, value, attempt=ctx.attempt, preface=None)

    async def _on_confirm(
        self, call: CallActions, state: CallState, step: DigitsStep, log: Log, args: HandlerArgs, *, key: str
    ) -> None:
        pending = state.get(self.pending_key)
        if not isinstance(pending, str):  # state lost (expired): start the entry over
            await self._again(call, state, step, log, args, preface=self.invalid_prompt)
        elif key == CONFIRM_KEY:
            await self._complete(state, log, args, pending)
        elif key == REENTER_KEY:
            # Re-entering is the caller's choice, not a failure: the attempt count stays.
            state.pop(self.pending_key, None)
            await self._enter(call, render(self.prompt, locale=call.locale, state=state), attempt=step.attempt)
        else:
            await self._confirm_again(call, state, step, log, args, pending=pending, preface=self.invalid_prompt)

    async def _on_failed(
        self, event: RecognizeFailed, call: CallActions, state: CallState, ctx: DigitsStep, log: Log, args: HandlerArgs
    ) -> None:
        log.info("digits_no_input", kit=self.prefix, phase=ctx.phase, sub_code=event.sub_code)
        pending = state.get(self.pending_key)
        if ctx.phase == "confirm" and isinstance(pending, str):
            await self._confirm_again(call, state, ctx, log, args, pending=pending, preface=self.no_input_prompt)
            return
        # 8532: keys were pressed, then the caller stopped before finishing: that is an incomplete entry.
        preface = self.invalid_prompt if event.sub_code == 8532 else self.no_input_prompt
        await self._again(call, state, ctx, log, args, preface=preface)
