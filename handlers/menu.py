"""Menu kit: a prompt, one key per route, re-prompts for silence and for invalid keys, then a fallback.

Example::

    main_menu = Menu(
        name="main",
        prompt="For billing press 1. For technical support press 2.",
        options={"1": billing_menu, "2": tech_menu},
        fallback=goodbye,
    )
    router.include(main_menu)

    @router.call_connected(context=Welcome)
    async def greet(call: CallActions, state: CallState) -> None:
        await main_menu.start(call, state)

Routes are async callables that ask for handler arguments by name (``call``, ``state``, ``event``, ``settings``,
``log``, ...), or other kits. The attempt number travels in the operation context (``"support_line.main:2"``), so
the menu needs no storage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar, overload

from app import Log
from app.actions.call import CallActions
from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.events import RecognizeCompleted, RecognizeFailed
from app.routing import HandlerArgs
from app.state.base import CallState
from handlers.farewell import Farewell
from handlers.kit import Attempts, Kit, Route, Target
from handlers.prompting import Localized, PromptSpec, Spoken, join, render

T = TypeVar("T", bound=Target)

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
        options: key (``"0"``-``"9"``, ``"*"``, ``"#"``) → route; more can be wired later with :meth:`option`.
        fallback: route after ``max_attempts`` prompts without a valid key; default: apologise and hang up.
        no_input_prompt: said before the prompt again after silence (RecognizeFailed, e.g. 8510).
        invalid_prompt: said before the prompt again after a key that is not in ``options``.
        interrupt_prompt: barge-in: a key pressed during the prompt stops it and counts.
    """

    kind = "menu"

    def __init__(
        self,
        *,
        name: str,
        prompt: PromptSpec,
        options: Mapping[str, Target] | None = None,
        fallback: Target | None = None,
        no_input_prompt: PromptSpec = NO_INPUT,
        invalid_prompt: PromptSpec = INVALID,
        max_attempts: int = 3,
        timeout_s: int = 5,
        interrupt_prompt: bool = True,
    ) -> None:
        super().__init__(name=name)
        self.prompt = prompt
        self.no_input_prompt = no_input_prompt
        self.invalid_prompt = invalid_prompt
        self.attempts = Attempts(max_attempts)
        self.timeout_s = timeout_s
        self.interrupt_prompt = interrupt_prompt
        self.routes: dict[str, Route] = {}
        for key, target in (options or {}).items():
            self.option(key, target)
        self.fallback = self._route(fallback or self.include(Farewell(name=f"{name}-bye", message=GOODBYE)), "fallback")

    @overload
    def option(self, key: str) -> Callable[[T], T]: ...

    @overload
    def option(self, key: str, target: Target) -> Menu: ...

    def option(self, key: str, target: Target | None = None) -> Menu | Callable[[T], T]:
        """Route ``key`` to ``target`` (a kit or an async function); returns the menu, so calls chain. Without a
        target it is a decorator.

        Example::

            main_menu.option("1", billing_menu).option("3", voicemail)

            @main_menu.option("9")
            async def operator(call: CallActions) -> None: ...
        """
        if not isinstance(key, str) or key not in KEYS:
            raise HandlerRegistrationError(f"{self!r}: an option is a single key 0-9, * or #; got {key!r}")
        if target is None:

            def register(func: T) -> T:
                self.option(key, func)
                return func

            return register
        self.routes[key] = self._route(target, f"option {key!r}")
        return self

    def wire(self) -> None:
        if not self.routes:
            raise HandlerRegistrationError(f"{self!r}: a menu needs at least one option (options= or .option())")
        self.Step = self._context(MenuStep)
        self.recognize_completed(context=self.Step)(self._on_key)
        self.recognize_failed(context=self.Step)(self._on_silence)

    async def _start(self, call: CallActions, state: CallState | None) -> None:
        """Play the prompt and listen for one key (attempt 1)."""
        await self._ask(call, render(self.prompt, locale=call.locale, state=state), attempt=1)

    async def _ask(self, call: CallActions, prompt: Spoken, *, attempt: int) -> None:
        await call.recognize_dtmf(
            prompt,
            max_tones=1,
            initial_silence_timeout=self.timeout_s,
            interrupt_prompt=self.interrupt_prompt,
            context=self.Step(attempt=attempt),
        )

    async def _retry(
        self, call: CallActions, state: CallState, step: MenuStep, log: Log, args: HandlerArgs, *, preface: PromptSpec
    ) -> None:
        async def give_up() -> None:
            log.info("menu_fallback", menu=self.prefix, attempts=step.attempt)
            await self.fallback(args)

        spoken = join(
            render(preface, locale=call.locale, state=state), render(self.prompt, locale=call.locale, state=state)
        )
        await self.attempts.again(step.attempt, ask=lambda n: self._ask(call, spoken, attempt=n), give_up=give_up)

    async def _on_key(
        self, event: RecognizeCompleted, call: CallActions, state: CallState, ctx: MenuStep, log: Log, args: HandlerArgs
    ) -> None:
        key = event.digits[:1]
        route = self.routes.get(key)
        if route is None:
            log.info("menu_invalid_key", menu=self.prefix, attempt=ctx.attempt)
            await self._retry(call, state, ctx, log, args, preface=self.invalid_prompt)
            return
        log.info("menu_choice", menu=self.prefix, key=key)
        await route(args)

    async def _on_silence(
        self, event: RecognizeFailed, call: CallActions, state: CallState, ctx: MenuStep, log: Log, args: HandlerArgs
    ) -> None:
        log.info("menu_no_input", menu=self.prefix, sub_code=event.sub_code)
        await self._retry(call, state, ctx, log, args, preface=self.no_input_prompt)
