"""Menu kit: a prompt, one key per route, re-prompts for silence and for invalid keys, then a fallback.

Example::

    main_menu = Menu(
        router,
        name="main",
        prompt="For billing press 1. For technical support press 2.",
        options={"1": billing_menu, "2": tech_menu},
        fallback=goodbye,
    )

    @router.call_connected(context=Welcome)
    async def greet(call: CallActions, state: CallState) -> None:
        await main_menu.start(call, state)

Routes are async callables that ask for handler arguments by name (``call``, ``state``, ``event``, ``settings``,
``log``, ...), or other kits. The attempt number travels in the operation context (``"support_line.main:2"``), so
the menu needs no storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.actions.call import CallActions
from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.events import RecognizeCompleted
from app.routing import Router
from app.state.base import CallState
from handlers.farewell import Farewell
from handlers.kit import Kit, Route, Target
from handlers.prompting import Localized, PromptSpec, join, render

NO_INPUT = Localized({"en-US": "Sorry, I didn't hear anything.", "es-MX": "Disculpe, no escuché nada."})
INVALID = Localized({"en-US": "Sorry, that is not a valid choice.", "es-MX": "Disculpe, esa opción no es válida."})
GOODBYE = Localized(
    {
        "en-US": "Sorry, we could not understand your choice. Please call again later. Goodbye.",
        "es-MX": "Disculpe, no pudimos entender su elección. Por favor llame más tarde. Adiós.",
    }
)
KEYS = frozenset("0123456789*#")


class MenuStep(OperationContext, prefix="_kit.menu"):
    """``attempt`` counts prompts played, silence and invalid keys alike."""

    attempt: int = 1


class Menu(Kit):
    """A one-key menu.

    Args:
        prompt: what the caller hears first (plain, ``Localized``, or a function of the call's state).
        options: key (``"0"``-``"9"``, ``"*"``, ``"#"``) → route.
        fallback: route after ``max_attempts`` prompts without a valid key; default: apologise and hang up.
        no_input_prompt: said before the prompt again after silence (RecognizeFailed, e.g. 8510).
        invalid_prompt: said before the prompt again after a key that is not in ``options``.
        interrupt_prompt: barge-in: a key pressed during the prompt stops it and counts.
    """

    kind = "menu"

    def __init__(
        self,
        router: Router,
        *,
        name: str,
        prompt: PromptSpec,
        options: Mapping[str, Target],
        fallback: Target | None = None,
        no_input_prompt: PromptSpec = NO_INPUT,
        invalid_prompt: PromptSpec = INVALID,
        max_attempts: int = 3,
        timeout_s: int = 5,
        interrupt_prompt: bool = True,
    ) -> None:
        super().__init__(router, name=name)
        bad = sorted(key for key in options if key not in KEYS)
        if not options or bad:
            raise HandlerRegistrationError(
                f"{self!r}: options need single keys 0-9, * or #; bad: {bad or 'none given'}"
            )
        if max_attempts < 1:
            raise HandlerRegistrationError(f"{self!r}: max_attempts must be at least 1")
        self.prompt = prompt
        self.no_input_prompt = no_input_prompt
        self.invalid_prompt = invalid_prompt
        self.max_attempts = max_attempts
        self.timeout_s = timeout_s
        self.interrupt_prompt = interrupt_prompt
        self.Step = self._context(MenuStep)
        self.routes = {key: Route(target, label=f"{self!r} option {key!r}") for key, target in options.items()}
        router.recognize_completed(context=self.Step)(self._on_key)
        router.recognize_failed(context=self.Step)(self._on_silence)
        self.fallback: Route = self._route(fallback, "fallback") or Route(
            Farewell(router, name=f"{name}-bye", message=GOODBYE), label=f"{self!r} fallback"
        )

    async def start(self, call: CallActions, state: CallState | None = None) -> None:
        """Play the prompt and listen for one key (attempt 1)."""
        await self._ask(call, state, self.prompt, attempt=1)

    async def _ask(self, call: CallActions, state: CallState | None, prompt: PromptSpec, *, attempt: int) -> None:
        await call.recognize_dtmf(
            render(prompt, locale=call.locale, state=state),
            max_tones=1,
            initial_silence_timeout=self.timeout_s,
            interrupt_prompt=self.interrupt_prompt,
            context=self.Step(attempt=attempt),
        )

    async def _retry(self, args: Mapping[str, Any], preface: PromptSpec) -> None:
        call: CallActions = args["call"]
        state: CallState = args["state"]
        step: MenuStep = args["ctx"]
        if step.attempt >= self.max_attempts:
            args["log"].info("menu_fallback", menu=self.prefix, attempts=step.attempt)
            await self.fallback(args)
            return
        spoken = join(
            render(preface, locale=call.locale, state=state), render(self.prompt, locale=call.locale, state=state)
        )
        await self._ask(call, state, spoken, attempt=step.attempt + 1)

    async def _on_key(self, **args: Any) -> None:
        event: RecognizeCompleted = args["event"]
        key = event.digits[:1]
        route = self.routes.get(key)
        if route is None:
            args["log"].info("menu_invalid_key", menu=self.prefix, attempt=args["ctx"].attempt)
            await self._retry(args, self.invalid_prompt)
            return
        args["log"].info("menu_choice", menu=self.prefix, key=key)
        await route(args)

    async def _on_silence(self, **args: Any) -> None:
        args["log"].info("menu_no_input", menu=self.prefix, sub_code=args["event"].sub_code)
        await self._retry(args, self.no_input_prompt)
