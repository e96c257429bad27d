"""What every line logged while handling an event carries: the call's ids (:func:`bind_call`) and the actions the
handler requested (:func:`collect_actions`), plus :func:`get_logger`.

Example::

    log = get_logger("callwright.flows")
    with bind_call(call_connection_id="c-1", correlation_id="k-1", event_type="PlayFailed"):
        log.info("action_requested", action="play")     # carries call_connection_id, correlation_id, ...
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, cast

import structlog
from structlog.typing import FilteringBoundLogger

from app.logging.cached import CachedLogger

_ACTIONS: ContextVar[list[str] | None] = ContextVar("callwright_actions", default=None)


def collect_actions() -> AbstractContextManager[list[str]]:
    """Collect the names of the actions requested inside the block (see :func:`note_action`).

    The web edge logs ONE line per event at INFO, after its handler ran, naming what the handler asked ACS to do;
    each action's own line (target, prompt, context) is at DEBUG.

    Example::

        with collect_actions() as actions:
            await dispatcher.dispatch(event)
        log.info("event_received", actions=actions)      # actions == ["answer"]
    """
    return _Collected()


class _Collected:
    """The block of :func:`collect_actions` (a class: a generator-based context manager costs twice as much)."""

    __slots__ = ("_token",)

    def __enter__(self) -> list[str]:
        actions: list[str] = []
        self._token = _ACTIONS.set(actions)
        return actions

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        _ACTIONS.reset(self._token)


def note_action(action: str) -> None:
    """Record that ``action`` was requested, for the enclosing :func:`collect_actions` (if any)."""
    actions = _ACTIONS.get()
    if actions is not None:
        actions.append(action)


def bind_call(
    *,
    call_connection_id: str | None = None,
    server_call_id: str | None = None,
    correlation_id: str | None = None,
    event_type: str | None = None,
    operation_context: str | None = None,
    **extra: object,
) -> AbstractContextManager[None]:
    """Bind call ids to every line logged inside the ``with`` block (None values are left out).

    Example::

        with bind_call(call_connection_id=event.call_connection_id, event_type=event.type):
            await handler(event)
    """
    values = {
        "call_connection_id": call_connection_id,
        "server_call_id": server_call_id,
        "correlation_id": correlation_id,
        "event_type": event_type,
        "operation_context": operation_context,
        **extra,
    }
    return BoundValues({k: v for k, v in values.items() if v is not None})


class BoundValues:
    """Binds ``values`` to every line logged inside the ``with`` block, in structlog's context variables (so
    ``structlog.contextvars.merge_contextvars`` sees them), and puts back what was there before on exit.

    What ``structlog.contextvars.bound_contextvars`` does, restoring by the variables' tokens instead of reading the
    whole context first and binding the old values again: two context-variable operations per value, on every event.

    Example::

        with BoundValues({"channel": "callback"}):
            log.info("events_rejected")     # carries channel="callback"
    """

    __slots__ = ("_values", "_tokens")

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values
        self._tokens: Mapping[str, Token[Any]] = {}

    def __enter__(self) -> None:
        self._tokens = structlog.contextvars.bind_contextvars(**self._values)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        structlog.contextvars.reset_contextvars(**self._tokens)


def get_logger(name: str) -> FilteringBoundLogger:
    """A structlog logger named ``name`` (the stdlib logger name, e.g. ``callwright.dispatch``), assembled once per
    logging configuration rather than once per line (:class:`~app.logging.cached.CachedLogger`).

    Example::

        log = get_logger("callwright.web")
        log.info("event_received", event_id="...")
    """
    return cast(FilteringBoundLogger, CachedLogger(name))
