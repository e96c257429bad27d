"""What a state store raises. Every error is a :class:`~app.errors.CallwrightError`.

``StoreUnavailable``, ``StaleWrite`` and ``LockTimeout`` are temporary and ours: the dispatcher answers the
sender with a retryable status, so the event is delivered again. ``NotJson`` is the caller's fault (a value that
JSON cannot hold) and is never retried.

Example::

    try:
        await store.commit(writes, release=[lease])
    except StaleWrite:
        ...  # someone else holds the lock now, or the document moved: nothing was written
"""

from __future__ import annotations

from app.errors import CallwrightError


class StateError(CallwrightError):
    """Base class of the state store's errors."""


class StoreUnavailable(StateError):
    """The store cannot be reached (connection refused, timeout, restart). Temporary: retry later."""


class StaleWrite(StateError):
    """A compare-and-set was refused: a document's version moved, or the lease fencing the write is no longer the
    current holder's. Nothing of the commit was applied."""


class LeaseLost(StaleWrite):
    """The event's claim or its call's lock was lost while its handler ran (a renewal was refused): the handler's
    next action is not sent, since the delivery that took the event over sends it."""


class LockTimeout(StateError):
    """The lock was not handed over within the wait allowed (other events of the call are still running)."""


class NotJson(StateError, ValueError):
    """A value cannot be stored: not a JSON object, or it holds NaN/Infinity or a non-JSON type."""
