"""A registered handler: the function, what it listens to, its matchers, and the names it asked for.

The dispatcher gets a ``Handler`` from ``Router.find`` and calls ``await handler.invoke(args)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app import errors
from app.events.base import CallEvent
from app.routing.injection import Injection, describe, is_async_callable, resolve
from app.routing.matching import ContextMatcher, Filter, build_filters


@dataclass(frozen=True, eq=False)
class Handler:
    """One ``@router.on(...)`` registration.

    Example::

        match = await router.find(event, args)
        if match is not None:
            await match.handler.invoke({**args, "ctx": match.ctx, "router": match.router})
    """

    func: Callable[..., Any]
    event_types: tuple[type[CallEvent], ...]
    context: ContextMatcher
    filters: tuple[Filter, ...]
    injection: Injection

    @classmethod
    def build(
        cls,
        func: object,
        event_types: tuple[type[CallEvent], ...],
        *,
        context: object = None,
        when: object = (),
        to: object = None,
        from_: object = None,
    ) -> Handler:
        """Validate everything now (import time), so nothing about the registration can fail mid-call."""
        if not callable(func):
            raise errors.HandlerRegistrationError(f"a handler must be an async function, got {type(func).__name__}")
        if not is_async_callable(func):
            raise errors.HandlerRegistrationError(errors.handler_not_async(describe(func)))
        return cls(
            func=func,
            event_types=event_types,
            context=ContextMatcher.build(context),
            filters=build_filters(when, to=to, from_=from_),
            injection=resolve(func, role="handler"),
        )

    @property
    def name(self) -> str:
        return describe(self.func)

    def listens_to(self, event_type: type[CallEvent]) -> bool:
        return issubclass(event_type, self.event_types)

    async def accepts(self, args: Mapping[str, object]) -> bool:
        """Run the ``to=``/``from_=``/``when=`` filters in order; stop at the first False."""
        for check in self.filters:
            if not await check(args):
                return False
        return True

    async def invoke(self, args: Mapping[str, object]) -> object:
        """Call the function with only the arguments it asked for (all of them for ``**kwargs``)."""
        return await self.injection.invoke(self.func, args)


@dataclass(frozen=True, eq=False)
class ErrorHandler:
    """One ``@router.error(...)`` registration: handles exceptions of the given types (default: any)."""

    func: Callable[..., Any]
    exception_types: tuple[type[BaseException], ...]
    injection: Injection

    @classmethod
    def build(cls, func: object, exception_types: tuple[type[BaseException], ...]) -> ErrorHandler:
        if not callable(func):
            raise errors.HandlerRegistrationError(
                f"an error handler must be an async function, got {type(func).__name__}"
            )
        if not is_async_callable(func):
            raise errors.HandlerRegistrationError(errors.handler_not_async(describe(func)))
        return cls(func=func, exception_types=exception_types, injection=resolve(func, role="error handler"))

    @property
    def name(self) -> str:
        return describe(self.func)

    def handles(self, error: BaseException) -> bool:
        return isinstance(error, self.exception_types)

    async def invoke(self, args: Mapping[str, object]) -> object:
        return await self.injection.invoke(self.func, args)
