"""Event Grid webhook subscriptions for IncomingCall: the registry and each subscription's delivery status.

Example::

    registry = SubscriptionRegistry()
    registry.add(SubscriptionSpec(url="http://127.0.0.1:8000/Events?secret=s", name="callwright"))
    registry.get("CALLWRIGHT").status     # "pending" until the validation handshake succeeds
"""

from __future__ import annotations

import asyncio
import builtins
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from simulator.config import SubscriptionSpec
from simulator.delivery.redact import redact_url

SubscriptionStatus = Literal["pending", "validated", "failed"]
SCHEMAS = ("eventgrid", "cloudevents")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9-]{3,64}$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
_RESERVED_HEADERS = frozenset({"host", "content-type", "content-length", "transfer-encoding", "origin"})
MAX_HEADERS = 10
MAX_HEADER_VALUE = 4096


def check_spec(spec: SubscriptionSpec) -> None:
    """Raise ValueError with a readable message if Event Grid would refuse this subscription."""
    if not NAME_PATTERN.match(spec.name):
        raise ValueError("name must be 3-64 letters, digits or hyphens")
    parts = urlsplit(spec.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be an absolute http(s) URL")
    if spec.schema not in SCHEMAS:
        raise ValueError("schema must be 'eventgrid' or 'cloudevents'")
    if len(spec.headers) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} custom headers")
    for name, value in spec.headers.items():
        lowered = name.lower()
        if not _HEADER_NAME.match(name) or lowered in _RESERVED_HEADERS or lowered.startswith("aeg-"):
            raise ValueError(f"header name {name!r} is not allowed")
        if len(value) > MAX_HEADER_VALUE or "\n" in value or "\r" in value:
            raise ValueError(f"header {name!r} has an invalid value")
    if not 1 <= spec.max_attempts <= 30:
        raise ValueError("max_attempts must be between 1 and 30")
    if not 60 <= spec.event_ttl_seconds <= 1440 * 60:
        raise ValueError("event_ttl_seconds must be between 60 and 86400")


@dataclass
class SubscriptionState:
    """One subscription: its spec, handshake status and delivery counters."""

    spec: SubscriptionSpec
    status: SubscriptionStatus = "pending"
    delivered: int = 0
    failed: int = 0
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    validation_code: str | None = None
    handshake_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def validated(self) -> bool:
        return self.status == "validated"

    @property
    def header_name(self) -> str:
        """``aeg-subscription-name``: Event Grid sends subscription names upper-case."""
        return self.spec.name.upper()

    def to_json(self) -> dict[str, Any]:
        """Status for ``GET /simulator/subscriptions``; secrets (query values, header values) are hidden."""
        return {
            "name": self.spec.name,
            "url": redact_url(self.spec.url),
            "schema": self.spec.schema,
            "headers": sorted(self.spec.headers),
            "maxDeliveryAttempts": self.spec.max_attempts,
            "eventTimeToLiveInMinutes": self.spec.event_ttl_seconds / 60,
            "status": self.status,
            "delivered": self.delivered,
            "failed": self.failed,
            "attempts": self.attempts,
            "lastStatus": self.last_status,
            "lastError": self.last_error,
        }


class SubscriptionRegistry:
    """Implements :class:`simulator.interfaces.Subscriptions`; names are case-insensitive, as in Event Grid."""

    def __init__(self) -> None:
        self._states: dict[str, SubscriptionState] = {}

    def add(self, spec: SubscriptionSpec) -> None:
        """Add or replace a subscription; a replaced one must pass the handshake again."""
        check_spec(spec)
        self._states[spec.name.lower()] = SubscriptionState(spec)

    def remove(self, name: str) -> bool:
        return self._states.pop(name.lower(), None) is not None

    def list(self) -> list[SubscriptionSpec]:
        return [state.spec for state in self._states.values()]

    def get(self, name: str) -> SubscriptionState | None:
        return self._states.get(name.lower())

    def states(self) -> builtins.list[SubscriptionState]:
        return list(self._states.values())

    def is_current(self, state: SubscriptionState) -> bool:
        """False once the subscription was removed or replaced: pending retries for it stop."""
        return self._states.get(state.spec.name.lower()) is state
