"""The matchers a handler is registered with: ``context=``, ``when=`` predicates, and ``to=`` / ``from_=``.

Example::

    @router.recognize_completed(context=Menu, when=lambda event: event.digits == "1")
    @router.play_completed(context=re.compile(r"^bye"))
    @router.incoming_call(to={"+18005550100", "+18005550101"}, from_=lambda number: number.startswith("+1"))
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app import errors
from app.context import OperationContext, unpack_any
from app.events.eventgrid_events import IncomingCall
from app.routing.injection import Injection, describe, resolve

ContextSpec = str | re.Pattern[str] | type[OperationContext] | None
PredicateFunc = Callable[..., Any]
When = PredicateFunc | Sequence[PredicateFunc]
NumberSpec = str | Collection[str] | Callable[[str], bool | Awaitable[bool]] | None


@dataclass(frozen=True)
class ContextMatcher:
    """Matches an event's operationContext: exact string, regex search, or typed-context prefix + clean unpack."""

    spec: ContextSpec = None

    @classmethod
    def build(cls, spec: object) -> ContextMatcher:
        if isinstance(spec, OperationContext):
            raise errors.HandlerRegistrationError(errors.context_instance_given(type(spec).__name__))
        if spec is None or isinstance(spec, str | re.Pattern):
            return cls(spec)
        if isinstance(spec, type) and issubclass(spec, OperationContext) and spec is not OperationContext:
            return cls(spec)
        raise errors.HandlerRegistrationError(errors.bad_context_spec(spec))

    def match(self, value: str | None) -> tuple[bool, OperationContext | None]:
        """``(matched, ctx)``; ``ctx`` is the typed operation context when one can be read from ``value``."""
        spec = self.spec
        if spec is None:
            return True, unpack_any(value)
        if value is None:
            return False, None
        if isinstance(spec, str):
            return (True, unpack_any(value)) if value == spec else (False, None)
        if isinstance(spec, re.Pattern):
            return (True, unpack_any(value)) if spec.search(value) else (False, None)
        ctx = spec.read(value)
        return ctx is not None, ctx


@dataclass(frozen=True, eq=False)
class Predicate:
    """A ``when=`` function (sync or async) called with the injected arguments it names."""

    func: PredicateFunc
    injection: Injection

    @classmethod
    def build(cls, func: object) -> Predicate:
        if not callable(func):
            raise errors.HandlerRegistrationError(errors.predicate_not_callable(func))
        return cls(func, resolve(func, role="predicate"))

    @property
    def name(self) -> str:
        return describe(self.func)

    async def __call__(self, args: Mapping[str, object]) -> bool:
        return bool(await self.injection.invoke(self.func, args))


@dataclass(frozen=True, eq=False)
class NumberFilter:
    """``to=`` / ``from_=`` of ``incoming_call``: the dialed or calling number (E.164) or raw id."""

    side: Literal["to", "from_"]
    spec: str | frozenset[str] | Callable[[str], bool | Awaitable[bool]]

    @classmethod
    def build(cls, side: Literal["to", "from_"], spec: object) -> NumberFilter:
        if isinstance(spec, str):
            return cls(side, spec)
        if callable(spec):
            return cls(side, spec)
        if isinstance(spec, Collection) and spec and all(isinstance(item, str) for item in spec):
            return cls(side, frozenset(spec))
        raise errors.HandlerRegistrationError(errors.bad_number_spec(side, spec))

    async def __call__(self, args: Mapping[str, object]) -> bool:
        event = args.get("event")
        if not isinstance(event, IncomingCall):
            return False
        identifier = event.to if self.side == "to" else event.from_
        spec = self.spec
        if isinstance(spec, str):
            return identifier.matches(spec)
        if isinstance(spec, frozenset):
            return any(identifier.matches(item) for item in spec)
        result = spec(identifier.phone_number or identifier.raw_id)
        if inspect.isawaitable(result):
            result = await result
        return bool(result)


Filter = Predicate | NumberFilter


def build_filters(when: object, *, to: object = None, from_: object = None) -> tuple[Filter, ...]:
    """Validate ``to=``, ``from_=`` and ``when=`` at registration; they run in that order, ANDed."""
    filters: list[Filter] = []
    if to is not None:
        filters.append(NumberFilter.build("to", to))
    if from_ is not None:
        filters.append(NumberFilter.build("from_", from_))
    if when is None:
        predicates: Sequence[object] = ()
    elif isinstance(when, Sequence) and not isinstance(when, str):
        predicates = when
    else:
        predicates = (when,)
    filters.extend(Predicate.build(func) for func in predicates)
    return tuple(filters)
