"""The seam between the simulated world (calls, parties, REST) and event delivery (callbacks, Event Grid).

The world decides *what* happens; delivery decides *how it reaches the app*: CloudEvents envelopes, JWTs,
Event Grid handshakes, retries and injected faults. Each side depends only on these protocols.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.routing import BaseRoute

from simulator.config import SubscriptionSpec


class EventPublisher(Protocol):
    """How the world hands events to delivery. Both methods return at once; delivery happens in the background."""

    def callback(
        self,
        url: str,
        event_type: str,
        data: Mapping[str, Any],
        *,
        call_connection_id: str,
        server_call_id: str,
    ) -> None:
        """Queue one mid-call callback.

        ``event_type`` is the short name (``"CallConnected"``); delivery prefixes ``Microsoft.Communication.``,
        wraps ``data`` in the CloudEvents envelope (id, source, subject, type, time, specversion,
        datacontenttype), adds ``callConnectionId``, ``serverCallId``, ``correlationId`` if missing, plus
        ``version`` and ``publicEventType``, signs a fresh JWT, and POSTs ``[event]`` to ``url``.
        Callbacks for one call connection are delivered one at a time, in the order they were queued
        (unless a reorder fault says otherwise).
        """
        ...

    def incoming_call(self, data: Mapping[str, Any], *, server_call_id: str) -> None:
        """Queue ``Microsoft.Communication.IncomingCall`` for every Event Grid subscription.

        ``data`` is the event's data (to, from, serverCallId, callerDisplayName, incomingCallContext,
        correlationId, customContext?). Delivery runs the validation handshake first if needed, sends the
        ``aeg-*`` headers, and retries on the Event Grid schedule (time-scaled).
        """
        ...


class Subscriptions(Protocol):
    def add(self, spec: SubscriptionSpec) -> None: ...
    def remove(self, name: str) -> bool: ...
    def list(self) -> list[SubscriptionSpec]: ...


@dataclass(frozen=True)
class RestFault:
    """A fault injected into one REST operation: an error status, or added latency, or both."""

    status: int | None = None  # 500, 503, 429, ...
    retry_after: float | None = None  # seconds; sent as Retry-After with 429/503
    latency: float = 0.0  # simulated seconds added before answering
    times: int | None = None  # how many requests it affects; None = until cleared


class FaultRules(Protocol):
    def rest_fault(self, operation: str) -> RestFault | None:
        """The fault for the next request of ``operation`` (e.g. ``"answer"``, ``"play"``), consuming one use."""
        ...

    def clear(self) -> None:
        """Forget every fault (``POST /simulator/reset``)."""
        ...


class Delivery(Protocol):
    """What the world's app assembly gets from the delivery side."""

    @property
    def publisher(self) -> EventPublisher: ...

    @property
    def subscriptions(self) -> Subscriptions: ...

    @property
    def faults(self) -> FaultRules: ...

    def websocket_token(self) -> str:
        """A fresh JWT for one media or transcription WebSocket (same key and claims as callbacks, 24-hour life)."""
        ...

    def public_routes(self) -> list[BaseRoute]:
        """Routes ACS itself serves: the JWKS and the OpenID configuration."""
        ...

    def control_routes(self) -> list[BaseRoute]:
        """Control-API routes for subscriptions and faults."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def drain(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109  # a bounded wait is the contract
        """Wait until every queued delivery has finished (tests use this)."""
        ...
