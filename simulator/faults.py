"""Injected faults: REST errors and latency, and callback drop / duplicate / delay / reorder.

The control API (``PUT /simulator/faults/...``) fills a :class:`FaultBook`; the REST layer asks it with
:meth:`FaultBook.rest_fault` and the callback sender with :meth:`FaultBook.callback_fault`. Each ask consumes one
use of a fault that has ``times`` set.

Example::

    faults = FaultBook()
    faults.set_rest_fault("play", RestFault(status=503, retry_after=1, times=2))
    faults.set_callback_fault("PlayCompleted", CallbackFault(duplicate=1))
    faults.rest_fault("play")   # RestFault(status=503, ...), one use left
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from simulator.interfaces import RestFault

EVENT_PREFIX = "Microsoft.Communication."
ANY = "*"


@dataclass(frozen=True)
class CallbackFault:
    """What to do to the next callback(s) of one event type.

    ``drop`` never sends it; ``duplicate`` sends it that many extra times with the same event id; ``delay`` waits
    that many simulated seconds first (later callbacks of the same call wait too); ``reorder`` holds it and sends
    it right after the next callback of the same call. ``times`` = how many callbacks it affects (None = until
    cleared).
    """

    drop: bool = False
    duplicate: int = 0
    delay: float = 0.0
    reorder: bool = False
    times: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_F = TypeVar("_F", RestFault, CallbackFault)


@dataclass
class _Rule(Generic[_F]):
    fault: _F
    remaining: int | None


def short_event_type(event_type: str) -> str:
    """``Microsoft.Communication.PlayCompleted`` and ``PlayCompleted`` both key as ``PlayCompleted``."""
    return event_type.removeprefix(EVENT_PREFIX)


class FaultBook:
    """The emulator's fault rules; implements :class:`simulator.interfaces.FaultRules`."""

    def __init__(self) -> None:
        self._rest: dict[str, _Rule[RestFault]] = {}
        self._callbacks: dict[str, _Rule[CallbackFault]] = {}

    def set_rest_fault(self, operation: str, fault: RestFault) -> None:
        """Fault the next ``fault.times`` requests of ``operation`` (``"*"`` = every operation)."""
        self._rest[operation] = _Rule(fault, fault.times)

    def rest_fault(self, operation: str) -> RestFault | None:
        return _take(self._rest, operation)

    def set_callback_fault(self, event_type: str, fault: CallbackFault) -> None:
        """Fault the next ``fault.times`` callbacks of ``event_type`` (short or full name, or ``"*"``)."""
        self._callbacks[short_event_type(event_type)] = _Rule(fault, fault.times)

    def callback_fault(self, event_type: str) -> CallbackFault | None:
        return _take(self._callbacks, short_event_type(event_type))

    def clear(self) -> None:
        self._rest.clear()
        self._callbacks.clear()

    def snapshot(self) -> dict[str, Any]:
        """The active rules, for ``GET /simulator/faults``."""
        return {
            "rest": {op: {**_rest_json(r.fault), "remaining": r.remaining} for op, r in self._rest.items()},
            "callbacks": {ev: {**r.fault.to_json(), "remaining": r.remaining} for ev, r in self._callbacks.items()},
        }


def _rest_json(fault: RestFault) -> dict[str, Any]:
    return {
        "status": fault.status,
        "retryAfter": fault.retry_after,
        "latency": fault.latency,
        "times": fault.times,
    }


def _take(rules: dict[str, _Rule[_F]], key: str) -> _F | None:
    name = key if key in rules else ANY if ANY in rules else None
    if name is None:
        return None
    rule = rules[name]
    if rule.remaining is not None:
        rule.remaining -= 1
        if rule.remaining <= 0:
            del rules[name]
    return rule.fault
