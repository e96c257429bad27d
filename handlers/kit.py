"""The base of every IVR kit: a per-instance operation context, routes with injected arguments, and a farewell.

A kit is created once, at import time, against a flow's router, and registers its own handlers there. Each
instance owns operation contexts whose prefix is ``"<router name>.<kit name>"`` (plus a suffix for its inner
steps), so two menus, a PIN entry and a voicemail in the same call never see each other's events.

Example::

    main_menu = Menu(router, name="main", prompt="For billing press 1.", options={"1": billing})
    main_menu.prefix        # "support_line.main"
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar, TypeVar

from app.actions.call import CallActions
from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.events import ALL_EVENT_CLASSES
from app.routing import Router
from app.routing.injection import Injection, resolve
from app.state.base import CallState

C = TypeVar("C", bound=OperationContext)

Target = Callable[..., Awaitable[object]]
"""An async callable a kit routes to. It names the arguments it wants from the handler vocabulary (``event``,
``call``, ``ctx``, ``settings``, ``log``, ``state``, ``raw``, ``extras``, ``router``), exactly like a handler.
A kit instance is itself a valid target (it starts)."""


class Route:
    """A target with its injection resolved at registration time (a bad parameter name fails at import)."""

    def __init__(self, target: Target, *, label: str) -> None:
        if not callable(target):
            raise HandlerRegistrationError(f"{label}: a route must be an async callable, got {type(target).__name__}")
        self.target = target
        self.injection: Injection = resolve(target, role="handler")

    async def __call__(self, args: Mapping[str, Any]) -> None:
        result = self.target(**self.injection.kwargs(args))
        if inspect.isawaitable(result):
            await result


class Kit:
    """Shared plumbing of the kits in ``handlers/``; subclasses set ``kind`` and implement ``start``."""

    kind: ClassVar[str] = "kit"

    def __init__(self, router: Router, *, name: str) -> None:
        if not isinstance(router, Router):
            raise HandlerRegistrationError(
                f"{type(self).__name__} needs the flow's Router, got {type(router).__name__}"
            )
        if not isinstance(name, str) or not name or ":" in name or "." in name:
            raise HandlerRegistrationError(
                f"{type(self).__name__}: name {name!r} must be non-empty, without ':' or '.'"
            )
        self.router = router
        self.name = name
        self.prefix = f"{router.name}.{name}"
        if _prefix_taken(router, self.prefix):
            raise HandlerRegistrationError(
                f"{type(self).__name__}(name={name!r}): router {router.name!r} already has a kit named {name!r}; "
                "give each kit instance its own name"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, prefix={self.prefix!r})"

    async def start(self, call: CallActions, state: CallState | None = None) -> None:
        raise NotImplementedError

    async def __call__(self, call: CallActions, state: CallState) -> None:
        """Lets a kit be a route of another kit: ``options={"2": tech_menu}``."""
        await self.start(call, state)

    def _context(self, base: type[C], suffix: str = "") -> type[C]:
        """A subclass of ``base`` owned by this instance, with the prefix ``<router>.<name><suffix>``."""
        prefix = self.prefix + suffix
        qualname = f"{base.__qualname__}<{prefix}>"

        def body(namespace: dict[str, Any]) -> None:
            namespace["__module__"] = base.__module__
            namespace["__qualname__"] = qualname
            namespace["__doc__"] = f"Operation context of {self!r}."

        cls = types.new_class(qualname, (base,), {"prefix": prefix}, body)
        return cls

    def _route(self, target: Target | None, label: str) -> Route | None:
        return None if target is None else Route(target, label=f"{self!r} {label}")


def _prefix_taken(router: Router, prefix: str) -> bool:
    """True when a handler on ``router`` already listens for a context class with this prefix (or a sub-step)."""
    for event_type in ALL_EVENT_CLASSES:
        for handler in router.handlers_for(event_type):
            spec = handler.context.spec
            if isinstance(spec, type) and issubclass(spec, OperationContext):
                taken = spec.prefix()
                if taken == prefix or taken.startswith(prefix + "."):
                    return True
    return False
