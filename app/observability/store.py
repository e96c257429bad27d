"""A state store that measures the one it wraps: the latency of every operation and the errors it raises.

Example::

    store = InstrumentedStore(RedisStateStore(...), metrics)
    claim = await store.claim_event("evt-1", lease_seconds=30)    # timed as operation="claim_event"
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar

from app.observability.metrics import Metrics
from app.state.base import Document, EventClaim, Held, JsonObject, Lease, StateStore, Write

T = TypeVar("T")


class InstrumentedStore:
    """Every :class:`~app.state.base.StateStore` operation of ``inner``, timed into ``metrics``; behaviour unchanged."""

    def __init__(self, inner: StateStore, metrics: Metrics) -> None:
        self.inner = inner
        self._metrics = metrics

    async def _timed(self, operation: str, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        try:
            return await call
        except Exception as error:
            self._metrics.store_errors.labels(operation=operation, error=type(error).__name__).inc()
            raise
        finally:
            self._metrics.child(self._metrics.store_seconds, operation).observe(time.perf_counter() - started)

    async def claim_event(self, event_id: str, lease_seconds: float) -> EventClaim:
        return await self._timed("claim_event", self.inner.claim_event(event_id, lease_seconds))

    async def finish_event(self, claim: EventClaim, dedup_ttl_seconds: float) -> None:
        await self._timed("finish_event", self.inner.finish_event(claim, dedup_ttl_seconds))

    async def abandon_event(self, claim: EventClaim) -> None:
        await self._timed("abandon_event", self.inner.abandon_event(claim))

    async def lock(
        self,
        name: str,
        *,
        lease_seconds: float,
        wait_seconds: float,
        load: str | None = None,
        seed: str | None = None,
    ) -> Held:
        call = self.inner.lock(name, lease_seconds=lease_seconds, wait_seconds=wait_seconds, load=load, seed=seed)
        return await self._timed("lock", call)

    async def claim_and_lock(
        self,
        event_id: str,
        lease_seconds: float,
        name: str,
        *,
        lock_lease_seconds: float,
        wait_seconds: float,
        load: str | None = None,
        seed: str | None = None,
    ) -> tuple[EventClaim, Held | None]:
        call = self.inner.claim_and_lock(
            event_id, lease_seconds, name, lock_lease_seconds=lock_lease_seconds, wait_seconds=wait_seconds,
            load=load, seed=seed,
        )  # fmt: skip
        return await self._timed("claim_and_lock", call)

    async def release(self, lease: Lease) -> None:
        await self._timed("release", self.inner.release(lease))

    async def read(self, key: str) -> Document:
        return await self._timed("read", self.inner.read(key))

    async def commit(
        self,
        writes: Sequence[Write],
        *,
        release: Sequence[Lease] = (),
        finish: EventClaim | None = None,
        dedup_ttl_seconds: float = 0.0,
    ) -> None:
        call = self.inner.commit(writes, release=release, finish=finish, dedup_ttl_seconds=dedup_ttl_seconds)
        await self._timed("commit", call)

    async def renew(
        self, claim: EventClaim | None, leases: Sequence[Lease], *, claim_seconds: float, lease_seconds: float
    ) -> bool:
        call = self.inner.renew(claim, leases, claim_seconds=claim_seconds, lease_seconds=lease_seconds)
        return await self._timed("renew", call)

    async def put_seed(self, seed: str, value: Mapping[str, Any], ttl_seconds: float) -> None:
        await self._timed("put_seed", self.inner.put_seed(seed, value, ttl_seconds))

    async def drop_seed(self, seed: str) -> None:
        await self._timed("drop_seed", self.inner.drop_seed(seed))

    async def journal_record(self, event_id: str, position: int, entry: Mapping[str, Any], ttl_seconds: float) -> None:
        await self._timed("journal_record", self.inner.journal_record(event_id, position, entry, ttl_seconds))

    async def journal_read(self, event_id: str) -> dict[int, JsonObject]:
        return await self._timed("journal_read", self.inner.journal_read(event_id))

    async def ping(self) -> bool:
        return await self._timed("ping", self.inner.ping())

    async def aclose(self) -> None:
        await self.inner.aclose()
