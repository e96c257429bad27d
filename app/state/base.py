"""The state-store interface. Memory now; a Redis implementation drops in without touching flows."""

from __future__ import annotations

from collections.abc import MutableMapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

# Handlers see per-call state as a plain JSON-able mapping; keys starting with "_callwright" are the framework's.
CallState = MutableMapping[str, Any]


class StateStore(Protocol):
    """What the dispatcher needs from shared state.

    Every method is safe to call concurrently. A Redis implementation must give the same guarantees across
    processes: ``claim_event`` is atomic (``SET NX`` with a TTL) and ``call_lock`` is a lease held by one
    process at a time.
    """

    async def claim_event(self, event_id: str, ttl_seconds: float) -> bool:
        """Atomically mark ``event_id`` as taken; True the first time, False for a duplicate within the TTL."""
        ...

    async def release_event(self, event_id: str) -> None:
        """Forget a claim, so a redelivery is processed (used when processing failed for infrastructure reasons)."""
        ...

    def call_lock(self, call_key: str) -> AbstractAsyncContextManager[None]:
        """Serialize the events of one call: holders run one at a time, in the order they asked (FIFO)."""
        ...

    async def load(self, call_key: str) -> dict[str, Any]:
        """The call's state, or an empty dict."""
        ...

    async def save(self, call_key: str, state: dict[str, Any], ttl_seconds: float) -> None: ...

    async def delete(self, call_key: str) -> None: ...

    async def ping(self) -> bool:
        """Readiness: True when the store answers."""
        ...

    async def aclose(self) -> None: ...


# Reserved per-call state keys (the framework's own; flows use any other key).
FLOW_KEY = "_callwright_flow"
PARTY_KEY = "_callwright_party"
LOCALE_KEY = "_callwright_locale"


def seed_key(seed: str) -> str:
    """Where the initial state of a call placed from outside a handler waits for the call's first event."""
    return f"seed:{seed}"


VOICE_KEY = "_callwright_voice"
