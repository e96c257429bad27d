"""The base of every IVR kit: a router a flow includes, with per-instance operation contexts, typed routes and one
rule for attempts.

A kit is a :class:`~app.routing.Router`. It is declared on its own and included into a flow's router (in any
order, like aiogram's ``include_router``); once it knows its flow it owns operation contexts whose prefix is
``"<flow router name>.<kit name>"`` (plus a suffix for inner steps), so two menus, a PIN entry and a voicemail in
the same call never see each other's events. Its handlers are ordinary handlers with typed, injected parameters.

Example::

    router = Router(name="support_line")
    main_menu = Menu(name="main", prompt="For billing press 1.")
    billing = Menu(name="billing", prompt="For an existing account press 1, for the main menu press star.")
    main_menu.option("1", billing)
    billing.option("*", main_menu)          # wired after both exist: no trampolines
    router.include(main_menu, billing)
    main_menu.prefix                        # "support_line.main"
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, overload

from app.actions.call import CallActions
from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.routing import Router
from app.routing.injection import Injection, resolve
from app.state.base import CallState

C = TypeVar("C", bound=OperationContext)

Target = Callable[..., Awaitable[object]]
"""An async callable a kit routes to. It names the arguments it wants from the handler vocabulary (``event``,
``call``, ``ctx``, ``settings``, ``log``, ``session``, ``state``, ``raw``, ``extras``, ``router``), exactly like a
handler. A kit instance is itself a valid target (it starts)."""


class KitNotIncluded(HandlerRegistrationError):
    """A kit was used before a flow included it (``router.include(kit)``): it has no operation contexts yet."""


class Route:
    """A target with its injection resolved at registration time (a bad parameter name fails at import)."""

    def __init__(self, target: Target, *, label: str) -> None:
        if not callable(target):
            raise HandlerRegistrationError(f"{label}: a route must be an async callable, got {type(target).__name__}")
        self.target = target
        self.injection: Injection = resolve(target, role="handler")

    async def __call__(self, args: Mapping[str, Any]) -> None:
        await self.injection.invoke(self.target, args)


@dataclass(frozen=True)
class Attempts:
    """How many times a kit asks before it gives up: the one place every re-prompt is decided.

    Example::

        await self.attempts.again(step.attempt, ask=lambda n: self._ask(call, spoken, attempt=n), give_up=fallback)
    """

    limit: int

    def __post_init__(self) -> None:
        if not isinstance(self.limit, int) or self.limit < 1:
            raise HandlerRegistrationError(f"max_attempts must be an int of at least 1, got {self.limit!r}")

    async def again(
        self, attempt: int, *, ask: Callable[[int], Awaitable[object]], give_up: Callable[[], Awaitable[object]]
    ) -> bool:
        """Ask again as attempt ``attempt + 1``; after the last attempt, give up instead. True if it asked."""
        if attempt >= self.limit:
            await give_up()
            return False
        await ask(attempt + 1)
        return True


class Kit(Router):
    """Shared plumbing of the kits in ``handlers/``; subclasses set ``kind``, implement ``start``, and register
    their handlers in ``wire`` (called once, when the kit is first included under a flow's router)."""

    kind: ClassVar[str] = "kit"

    def __init__(self, *, name: str) -> None:
        if not isinstance(name, str) or not name or ":" in name or "." in name:
            raise HandlerRegistrationError(
                f"{type(self).__name__}: name {name!r} must be non-empty, without ':' or '.'"
            )
        super().__init__(name)
        self._prefix: str | None = None
        self._targets: list[Route] = []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, prefix={self._prefix or '<not included>'!r})"

    @property
    def prefix(self) -> str:
        """``"<flow router name>.<kit name>"``, known once a flow's router includes the kit."""
        if self._prefix is None:
            raise KitNotIncluded(
                f"{type(self).__name__}(name={self.name!r}) is not included in a flow yet: "
                "call `router.include(kit)` on the flow's router (at import time)"
            )
        return self._prefix

    @property
    def flow(self) -> Router | None:
        """The nearest enclosing router that is not a kit: the flow this kit serves."""
        parent = self.parent
        while isinstance(parent, Kit):
            parent = parent.parent
        return parent

    def _on_included(self) -> None:
        flow = self.flow
        if self._prefix is not None or flow is None:
            return
        prefix = f"{flow.name}.{self.name}"
        for other in flow.walk():
            if isinstance(other, Kit) and other is not self and other._prefix == prefix:
                raise HandlerRegistrationError(
                    f"{type(self).__name__}(name={self.name!r}): router {flow.name!r} already has a kit named "
                    f"{self.name!r}; give each kit instance its own name"
                )
        self._prefix = prefix
        self.wire()

    def wire(self) -> None:
        """Build the kit's contexts and register its handlers on itself (subclasses)."""

    async def start(self, call: CallActions, state: CallState | None = None) -> None:
        """Begin the kit's dialogue on ``call`` (a handler calls this, or a route of another kit)."""
        if self._prefix is None:
            raise KitNotIncluded(f"{self!r} was started, but no flow includes it: call `router.include(kit)`")
        await self._start(call, state)

    async def _start(self, call: CallActions, state: CallState | None) -> None:
        raise NotImplementedError

    async def __call__(self, call: CallActions, state: CallState) -> None:
        """Lets a kit be a route of another kit: ``options={"2": tech_menu}``."""
        await self.start(call, state)

    def _context(self, base: type[C], suffix: str = "") -> type[C]:
        """A subclass of ``base`` owned by this instance, with the prefix ``<flow>.<name><suffix>``."""
        prefix = self.prefix + suffix
        qualname = f"{base.__qualname__}<{prefix}>"

        def body(namespace: dict[str, Any]) -> None:
            namespace["__module__"] = base.__module__
            namespace["__qualname__"] = qualname
            namespace["__doc__"] = f"Operation context of {self!r}."

        cls = types.new_class(qualname, (base,), {"prefix": prefix}, body)
        return cls

    @overload
    def _route(self, target: Target, label: str) -> Route: ...

    @overload
    def _route(self, target: Target | None, label: str) -> Route | None: ...

    def _route(self, target: Target | None, label: str) -> Route | None:
        if target is None:
            return None
        route = Route(target, label=f"{self!r} {label}")
        self._targets.append(route)
        return route

    def check(self) -> None:
        """Refuse to serve when this kit, or a kit it routes to, is not included in the same flow."""
        super().check()
        flow = self.flow
        if self._prefix is None or flow is None:
            raise KitNotIncluded(f"{self!r} is not included in a flow: call `router.include(kit)` on its router")
        for route in self._targets:
            target = route.target
            if isinstance(target, Kit) and target.flow is not flow:
                raise KitNotIncluded(
                    f"{self!r} routes to {target!r}, which flow {flow.name!r} does not include: "
                    f"add it to `router.include(...)`"
                )
