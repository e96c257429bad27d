"""The in-process state store: dedup claims, per-call FIFO locks and call state, all in memory with TTLs.

Good for one process (development, tests, a single instance). A Redis store implements the same
:class:`~app.state.base.StateStore` contract across processes: ``claim_event`` as ``SET key 1 NX EX ttl``,
``call_lock`` as a lease lock (a token written with ``SET NX PX`` and released by a compare-and-delete script),
and ``load``/``save`` as JSON strings with ``EX``.

Example::

    store = MemoryStateStore()
    if await store.claim_event(event.id, ttl_seconds=900):
        async with store.call_lock(event.call_connection_id):
            state = await store.load(key)
            state["step"] = "menu"
            await store.save(key, state, ttl_seconds=7200)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

_MIN_PURGE_THRESHOLD = 1024


@dataclass
class _LockEntry:
    lock: asyncio.Lock
    users: int = 0


@dataclass(frozen=True)
class MemoryStats:
    """How many entries the store tracks right now (for tests and metrics)."""

    claims: int
    states: int
    locks: int


class _ExpiringMap:
    """A dict of values with deadlines; expired entries vanish on access and in amortised sweeps."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._items: dict[str, tuple[float, str]] = {}
        self._purge_at = _MIN_PURGE_THRESHOLD

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> str | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._items[key]
            return None
        return entry[1]

    def put(self, key: str, value: str, ttl_seconds: float) -> None:
        self._items[key] = (self._clock() + ttl_seconds, value)
        if len(self._items) >= self._purge_at:
            self.purge()

    def pop(self, key: str) -> None:
        self._items.pop(key, None)

    def purge(self) -> None:
        now = self._clock()
        for key in [key for key, (deadline, _) in self._items.items() if deadline <= now]:
            del self._items[key]
        # Doubling keeps sweeps amortised O(1) per insert while memory stays within ~2x the live entries.
        self._purge_at = max(_MIN_PURGE_THRESHOLD, 2 * len(self._items))

    def clear(self) -> None:
        self._items.clear()


class MemoryStateStore:
    """:class:`~app.state.base.StateStore` in memory. Not shared between processes; see the module docstring.

    State is stored as JSON text, so ``load`` always returns a fresh copy and ``save`` rejects values a Redis
    store could not keep either (``TypeError``/``ValueError``). ``clock`` is injectable for tests.

    Example::

        store = MemoryStateStore()
        assert await store.claim_event("evt-1", 900) is True
        assert await store.claim_event("evt-1", 900) is False
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._claims = _ExpiringMap(clock)
        self._states = _ExpiringMap(clock)
        self._locks: dict[str, _LockEntry] = {}
        self._closed = False

    @property
    def stats(self) -> MemoryStats:
        """Entry counts (expired entries not yet swept are included)."""
        return MemoryStats(claims=len(self._claims), states=len(self._states), locks=len(self._locks))

    async def claim_event(self, event_id: str, ttl_seconds: float) -> bool:
        # No await between the check and the write, so this is atomic on the event loop.
        if self._claims.get(event_id) is not None:
            return False
        self._claims.put(event_id, "1", ttl_seconds)
        return True

    async def release_event(self, event_id: str) -> None:
        self._claims.pop(event_id)

    @asynccontextmanager
    async def call_lock(self, call_key: str) -> AsyncIterator[None]:
        entry = self._locks.get(call_key)
        if entry is None:
            entry = self._locks[call_key] = _LockEntry(asyncio.Lock())
        entry.users += 1
        try:
            # asyncio.Lock wakes waiters in arrival order, and a newcomer queues behind existing waiters: FIFO.
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0 and self._locks.get(call_key) is entry:
                del self._locks[call_key]  # idle: the lock table only holds keys in use

    async def load(self, call_key: str) -> dict[str, Any]:
        text = self._states.get(call_key)
        if text is None:
            return {}
        state: dict[str, Any] = json.loads(text)
        return state

    async def save(self, call_key: str, state: dict[str, Any], ttl_seconds: float) -> None:
        self._states.put(call_key, json.dumps(state, allow_nan=False), ttl_seconds)

    async def delete(self, call_key: str) -> None:
        self._states.pop(call_key)

    async def ping(self) -> bool:
        return not self._closed

    async def aclose(self) -> None:
        self._closed = True
        self._claims.clear()
        self._states.clear()
