"""Argument injection by parameter name: the closed vocabulary, and the signature check done at registration.

A handler asks for what it needs by naming it; nothing else is passed. Names are resolved once, when the
decorator runs, so a typo fails at import time with a fix-it message instead of mid-call.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from app import errors
from app.context import OperationContext
from app.events.base import CallEvent
from app.session import CallSession
from app.state.base import CallState
from config.settings import Settings

Role = Literal["handler", "predicate", "error handler"]


class HandlerArgs(TypedDict, total=False):
    """Everything a handler or ``when=`` predicate can ask for, by parameter name.

    - ``event``: the typed event (``RecognizeCompleted``, ``IncomingCall``, ...).
    - ``call``: a ``CallActions`` bound to this call connection (answer, play, recognize_dtmf, transfer, hang_up).
      For ``IncomingCall`` it is bound to the incoming call context until the call is answered.
    - ``ctx``: the parsed ``OperationContext``: the matched class's instance with ``context=SomeContext``,
      otherwise whatever registered operation context the event's operationContext unpacks to, or ``None``.
    - ``settings``: the app's ``config.settings.Settings``.
    - ``log``: a structlog ``BoundLogger`` already bound to the call's ids (call connection, correlation, event).
    - ``session``: the call connection's ``app.session.CallSession``: its binding (flow, party, ids, answered),
      language, ``state``, and shared state by key (``await session.shared("room:42")``).
    - ``state``: the flow's own per-call-connection dict (``session.state``); JSON-able values only; it is saved
      with the session after the handler returns. Every key is the flow's.
    - ``raw``: the event's original ``data`` object, as received.
    - ``extras``: a read-only mapping of objects the application provided when it was created (a CRM client, ...).
    - ``router``: the ``Router`` whose handler matched.
    - ``args``: all of the above as one read-only mapping (``HandlerArgs``), for code that hands them on, as a
      kit does to the routes it calls (``await route(args)``).
    - ``stream``: the call's ``MediaStream`` (``@router.media_stream()`` handlers only; ``None`` elsewhere).
    - ``error``: the exception being handled; error handlers (``@router.error()``) only.

    A ``**kwargs`` parameter receives all of them. Any other parameter must have a default value; it is never
    injected (handy for ``lambda event, digit=digit: ...`` in loops).

    Example::

        @router.recognize_completed(context=Menu)
        async def choose(event: RecognizeCompleted, call: CallActions, ctx: Menu, log: BoundLogger) -> None: ...
    """

    event: CallEvent
    call: Any
    ctx: OperationContext | None
    settings: Settings
    log: Any
    session: CallSession
    state: CallState
    raw: dict[str, Any]
    extras: Mapping[str, Any]
    router: Any
    args: Mapping[str, Any]
    stream: Any
    error: BaseException


# What handlers and predicates may ask for, and what the dispatcher provides to Router.find (ctx and router come
# from the match, error only exists for error handlers).
VOCABULARY: frozenset[str] = frozenset(HandlerArgs.__annotations__) - {"error"}
ERROR_VOCABULARY: frozenset[str] = VOCABULARY | {"error"}
DISPATCHER_ARGS: frozenset[str] = VOCABULARY - {"ctx", "router", "args", "stream"}


@dataclass(frozen=True)
class Injection:
    """Which vocabulary names a callable asked for, resolved once from its signature."""

    names: tuple[str, ...]
    var_keyword: bool

    def kwargs(self, args: Mapping[str, object]) -> dict[str, object]:
        """The keyword arguments for one call: only the names asked for (missing ones are ``None``)."""
        if self.var_keyword:
            return {**{name: None for name in self.names}, **args}
        return {name: args if name == "args" else args.get(name) for name in self.names}

    async def invoke(self, func: Callable[..., object], args: Mapping[str, object]) -> object:
        """Call ``func`` with the arguments it asked for, and await the result if it is awaitable (a sync wrapper
        around a coroutine function, as ``functools.wraps`` makes, returns one)."""
        result = func(**self.kwargs(args))
        if inspect.isawaitable(result):
            result = await result
        return result


def describe(func: Callable[..., object]) -> str:
    """A readable name for messages: ``module.qualname``."""
    module = getattr(func, "__module__", None)
    name = getattr(func, "__qualname__", None) or type(func).__name__
    return f"{module}.{name}" if module else str(name)


def is_async_callable(func: Callable[..., object]) -> bool:
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(inspect.unwrap(func)):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004  # an object whose __call__ is ``async def``
    return call is not None and inspect.iscoroutinefunction(call)


def resolve(func: Callable[..., object], *, role: Role) -> Injection:
    """Check a callable's parameters against the vocabulary; raise ``HandlerRegistrationError`` with a fix-it."""
    allowed = ERROR_VOCABULARY if role == "error handler" else VOCABULARY
    label = describe(func)
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        raise errors.HandlerRegistrationError(f"{role} {label!r}: cannot read its signature") from None
    names: list[str] = []
    var_keyword = False
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            var_keyword = True
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        elif parameter.name in allowed:
            if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
                raise errors.HandlerRegistrationError(errors.positional_only_parameter(label, parameter.name))
            names.append(parameter.name)
        elif parameter.default is not inspect.Parameter.empty:
            continue
        elif parameter.name == "error":
            raise errors.HandlerRegistrationError(errors.error_only_parameter(label))
        else:
            close = difflib.get_close_matches(parameter.name, sorted(allowed), n=1, cutoff=0.6)
            raise errors.HandlerRegistrationError(
                errors.unknown_parameter(label, parameter.name, allowed, close[0] if close else None, role=role)
            )
    return Injection(names=tuple(names), var_keyword=var_keyword)
