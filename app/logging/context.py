"""What every line logged while handling an event carries: the call's ids (:func:`bind_call`) and the actions the
handler requested (:func:`collect_actions`), plus :func:`get_logger`.

Example::

    log = get_logger("callwright.flows")
    with bind_call(call_connection_id="c-1", correlation_id="k-1", event_type="PlayFailed"):
        log.info("action_requested", action="play")     # carries call_connection_id, correlation_id, ...
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

import structlog
from structlog.typing import FilteringBoundLogger

_ACTIONS: ContextVar[list[str] | None] = ContextVar("callwright_actions", default=None)


@contextmanager
def collect_actions() -> Iterator[list[str]]:
    """Collect the names of the actions requested inside the block (see :func:`note_action`).

    The web edge logs ONE line per event at INFO, after its handler ran, naming what the handler asked ACS to do;
    each action's own line (target, prompt, context) is at DEBUG.

    Example::

        with collect_actions() as actions:
            await dispatcher.dispatch(event)
        log.info("event_received", actions=actions)      # actions == ["answer"]
    """
    actions: list[str] = []
    token = _ACTIONS.set(actions)
    try:
        yield actions
    finally:
        _ACTIONS.reset(token)


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
    values: MutableMapping[str, object] = {
        "call_connection_id": call_connection_id,
        "server_call_id": server_call_id,
        "correlation_id": correlation_id,
        "event_type": event_type,
        "operation_context": operation_context,
        **extra,
    }
    return structlog.contextvars.bound_contextvars(**{k: v for k, v in values.items() if v is not None})


def get_logger(name: str) -> FilteringBoundLogger:
    """A structlog logger named ``name`` (the stdlib logger name, e.g. ``callwright.dispatch``).

    Example::

        log = get_logger("callwright.web")
        log.info("event_received", event_id="...")
    """
    logger: FilteringBoundLogger = structlog.get_logger(name)
    return logger
