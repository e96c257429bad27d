"""The in-process state store: the whole :mod:`app.state.base` contract, in memory, for one process.

Good for development, tests and a single instance. Every operation runs without an ``await`` between its checks
and its writes, so each is atomic on the event loop, which is what a Lua script or ``MULTI`` gives a Redis store.

Expiry is exact on read (an expired entry is never returned) and eager in the background of normal use: entries
are filed in one-second buckets by deadline, and every operation first drops the buckets that have passed, so an
ended call's claims and documents leave memory as soon as their TTL is over (amortised O(1) per entry, no scans
of live entries).

Example::

    store = MemoryStateStore()
    claim = await store.claim_event("evt-1", lease_seconds=30)
    held = await store.lock("call:srv-1", load="session:cc-1", lease_seconds=30, wait_seconds=10)
    write = Write("session:cc-1", held.document.version, {"step": "menu"}, ttl_seconds=7200, lease=held.lease)
    await store.commit([write], release=[held.lease], finish=claim, dedup_ttl_seconds=900)
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from app.state.base import (
    ClaimStatus,
    Document,
    EventClaim,
    Held,
    JsonObject,
    Lease,
    Write,
    decode_json,
    encode_json,
)
from app.state.errors import LockTimeout, NotJson, StaleWrite, StoreUnavailable

V = TypeVar("V")
_BUCKET_SECONDS = 1.0
_FIRST_CLAIM_SECONDS = 3600.0  # longer than any lease, so every re-run of an event sees the same first time


class _TtlTable(Generic[V]):
    """Values with deadlines. Reads never return an expired value; ``purge`` drops whole passed buckets."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, int, V]] = {}
        # A bucket emptied before its deadline (its entries popped: a call's document deleted at hang-up, a claim's
        # first time once done) keeps its slot and heap entry as None until then, not its set: a set keeps the
        # table of its fullest moment, and documents' buckets live for the state TTL (hours).
        self._buckets: dict[int, set[str] | None] = {}
        self._heap: list[int] = []

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str, now: float) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            self.pop(key)
            return None
        return entry[2]

    def deadline(self, key: str) -> float:
        return self._items[key][0]

    def put(self, key: str, value: V, now: float, ttl_seconds: float) -> None:
        self.pop(key)
        deadline = now + ttl_seconds
        bucket = math.ceil(deadline / _BUCKET_SECONDS)
        self._items[key] = (deadline, bucket, value)
        keys = self._buckets.get(bucket)
        if keys is None:
            if bucket not in self._buckets:
                heapq.heappush(self._heap, bucket)
            keys = self._buckets[bucket] = set()
        keys.add(key)

    def pop(self, key: str) -> V | None:
        entry = self._items.pop(key, None)
        if entry is None:
            return None
        keys = self._buckets.get(entry[1])
        if keys is not None:
            keys.discard(key)
            if not keys:
                self._buckets[entry[1]] = None
        return entry[2]

    def purge(self, now: float) -> None:
        # A bucket holds deadlines in ((b - 1) * size, b * size]: once b * size <= now, all of it has expired.
        while self._heap and self._heap[0] * _BUCKET_SECONDS <= now:
            for key in self._buckets.pop(heapq.heappop(self._heap), None) or ():
                self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
        self._buckets.clear()
        self._heap.clear()


@dataclass
class _Waiter:
    token: str
    lease_seconds: float
    granted: asyncio.Future[None]


@dataclass
class _Lock:
    holder: str | None = None
    fence: int = 0
    deadline: float = 0.0
    waiters: deque[_Waiter] = field(default_factory=deque)


@dataclass(frozen=True)
class MemoryStats:
    """How many entries the store holds right now (for tests and metrics)."""

    claims: int
    documents: int
    locks: int
    seeds: int
    journals: int


class MemoryStateStore:
    """:class:`~app.state.base.StateStore` in memory; see :mod:`app.state.base` for the guarantees.

    ``clock`` (monotonic seconds) is injectable so tests can move time; lock waits sleep on the event loop.

    Example::

        store = MemoryStateStore()
        first = await store.claim_event("evt-1", 30)
        assert first.status is ClaimStatus.ACQUIRED
        await store.finish_event(first, dedup_ttl_seconds=900)
        assert (await store.claim_event("evt-1", 30)).status is ClaimStatus.DONE
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self._clock = clock
        self._wall_clock = wall_clock
        self._claims: _TtlTable[tuple[ClaimStatus, str]] = _TtlTable()
        self._first_claims: _TtlTable[float] = _TtlTable()
        self._documents: _TtlTable[tuple[int, str]] = _TtlTable()
        self._seeds: _TtlTable[str] = _TtlTable()
        self._journals: _TtlTable[dict[int, str]] = _TtlTable()
        self._locks: dict[str, _Lock] = {}
        self._fences = itertools.count(1)  # one counter for every lock: fences only ever grow
        self._closed = False

    @property
    def stats(self) -> MemoryStats:
        if not self._closed:
            self._now()  # drop what has expired first
        return MemoryStats(
            claims=len(self._claims),
            documents=len(self._documents),
            locks=len(self._locks),
            seeds=len(self._seeds),
            journals=len(self._journals),
        )

    # --- event claims ---------------------------------------------------------------------------------------------

    async def claim_event(self, event_id: str, lease_seconds: float) -> EventClaim:
        now = self._now()
        held = self._claims.get(event_id, now)
        if held is not None:
            status, _ = held
            if status is ClaimStatus.DONE:
                return EventClaim(event_id, ClaimStatus.DONE)
            return EventClaim(event_id, ClaimStatus.PROCESSING, retry_after=self._claims.deadline(event_id) - now)
        token = secrets.token_hex(16)
        self._claims.put(event_id, (ClaimStatus.PROCESSING, token), now, lease_seconds)
        first = self._first_claims.get(event_id, now)
        if first is None:
            first = self._wall_clock()
            # Kept as long as a done mark would be, at least: a re-run within the window sends the same first time.
            self._first_claims.put(event_id, first, now, max(lease_seconds, _FIRST_CLAIM_SECONDS))
        return EventClaim(event_id, ClaimStatus.ACQUIRED, token=token, first_claimed_at=first)

    async def finish_event(self, claim: EventClaim, dedup_ttl_seconds: float) -> None:
        self._finish(claim, self._now(), dedup_ttl_seconds)

    async def abandon_event(self, claim: EventClaim) -> None:
        if self._owns(claim, self._now()):
            self._claims.pop(claim.event_id)

    def _owns(self, claim: EventClaim, now: float) -> bool:
        held = self._claims.get(claim.event_id, now)
        return bool(claim.token) and held == (ClaimStatus.PROCESSING, claim.token)

    def _finish(self, claim: EventClaim, now: float, dedup_ttl_seconds: float) -> None:
        if self._owns(claim, now):
            self._claims.put(claim.event_id, (ClaimStatus.DONE, ""), now, dedup_ttl_seconds)
            self._first_claims.pop(claim.event_id)  # done: never re-run, so its first time is not needed

    # --- locks ----------------------------------------------------------------------------------------------------

    async def lock(
        self,
        name: str,
        *,
        lease_seconds: float,
        wait_seconds: float,
        load: str | None = None,
        seed: str | None = None,
    ) -> Held:
        now = self._now()
        existing = self._locks.get(name)
        if existing is not None:
            self._advance(name, existing, now)  # an expired holder passes the lock on (or the lock is forgotten)
        state = self._locks.setdefault(name, _Lock())
        token = secrets.token_hex(16)
        if state.holder is None and not state.waiters:
            self._grant(state, token, now, lease_seconds)
        else:
            await self._wait(name, state, token, lease_seconds, now + wait_seconds)
        return self._load(Lease(name, token, state.fence), load, seed)

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
        claim = await self.claim_event(event_id, lease_seconds)
        if claim.status is not ClaimStatus.ACQUIRED:
            return claim, None
        try:
            held = await self.lock(
                name, lease_seconds=lock_lease_seconds, wait_seconds=wait_seconds, load=load, seed=seed
            )
        except BaseException:
            await self.abandon_event(claim)
            raise
        return claim, held

    async def _wait(self, name: str, state: _Lock, token: str, lease_seconds: float, give_up_at: float) -> None:
        waiter = _Waiter(token, lease_seconds, asyncio.get_running_loop().create_future())
        state.waiters.append(waiter)
        try:
            while not waiter.granted.done():
                now = self._clock()
                if now >= give_up_at:
                    break
                timeout = give_up_at - now
                if state.holder is not None:  # wake when the holder's lease runs out, to take over from it
                    timeout = min(timeout, max(state.deadline - now, 0.001))
                await asyncio.wait({waiter.granted}, timeout=timeout)
                if not waiter.granted.done():
                    self._advance(name, state, self._clock())
        except asyncio.CancelledError:
            self._leave(name, state, waiter)
            raise
        if waiter.granted.cancelled():
            raise StoreUnavailable("the state store closed while waiting for a lock")
        if not waiter.granted.done():
            self._leave(name, state, waiter)
            raise LockTimeout(f"lock {name!r} not handed over within the wait allowed")

    def _leave(self, name: str, state: _Lock, waiter: _Waiter) -> None:
        if waiter.granted.done() and state.holder == waiter.token:
            state.holder = None  # granted while leaving: pass it on at once
        waiter.granted.cancel()
        if waiter in state.waiters:
            state.waiters.remove(waiter)
        self._advance(name, state, self._clock())

    def _grant(self, state: _Lock, token: str, now: float, lease_seconds: float) -> None:
        state.holder, state.fence, state.deadline = token, next(self._fences), now + lease_seconds

    def _advance(self, name: str, state: _Lock, now: float) -> None:
        """Hand a free (or expired) lock to the first waiter still waiting; forget an idle lock."""
        if state.holder is not None and state.deadline > now:
            return
        state.holder = None
        while state.waiters:
            waiter = state.waiters.popleft()
            if not waiter.granted.done():
                self._grant(state, waiter.token, now, waiter.lease_seconds)
                waiter.granted.set_result(None)
                return
        if self._locks.get(name) is state:
            del self._locks[name]

    def _holds(self, lease: Lease, now: float) -> bool:
        state = self._locks.get(lease.name)
        return state is not None and state.holder == lease.token and state.deadline > now

    async def release(self, lease: Lease) -> None:
        self._release(lease, self._now())

    def _release(self, lease: Lease, now: float) -> None:
        state = self._locks.get(lease.name)
        if state is not None and state.holder == lease.token:
            state.holder = None
            self._advance(lease.name, state, now)

    async def renew(
        self, claim: EventClaim | None, leases: Sequence[Lease], *, claim_seconds: float, lease_seconds: float
    ) -> bool:
        now = self._now()
        if claim is not None and not self._owns(claim, now):
            return False
        if not all(self._holds(lease, now) for lease in leases):
            return False
        if claim is not None:
            self._claims.put(claim.event_id, (ClaimStatus.PROCESSING, claim.token), now, claim_seconds)
        for lease in leases:
            self._locks[lease.name].deadline = now + lease_seconds
        return True

    # --- documents ------------------------------------------------------------------------------------------------

    def _load(self, lease: Lease, key: str | None, seed: str | None) -> Held:
        if key is None:
            return Held(lease, Document("", None, 0))
        now = self._clock()
        document = self._document(key, now)
        taken = None
        if document.value is None and seed is not None and self._seeds.get(seed, now) is not None:
            taken = decode_json(self._seeds.pop(seed) or "{}")
        return Held(lease, document, taken)

    def _document(self, key: str, now: float) -> Document:
        stored = self._documents.get(key, now)
        if stored is None:
            return Document(key, None, 0)
        version, text = stored
        return Document(key, decode_json(text), version)

    async def read(self, key: str) -> Document:
        return self._document(key, self._now())

    async def commit(
        self,
        writes: Sequence[Write],
        *,
        release: Sequence[Lease] = (),
        finish: EventClaim | None = None,
        dedup_ttl_seconds: float = 0.0,
    ) -> None:
        now = self._now()
        texts = [None if write.value is None else encode_json(write.value) for write in writes]
        stale = [
            write.key
            for write in writes
            if not self._holds(write.lease, now) or self._document(write.key, now).version != write.version
        ]
        lost = [lease.name for lease in release if not self._holds(lease, now)]
        if stale or lost:
            for lease in release:
                self._release(lease, now)
            raise StaleWrite(f"refused: documents {stale} moved or lost their lock; leases {lost} expired")
        for write, text in zip(writes, texts, strict=True):
            if text is None:
                self._documents.pop(write.key)
            else:
                self._documents.put(write.key, (write.version + 1, text), now, write.ttl_seconds)
        if finish is not None:
            self._finish(finish, now, dedup_ttl_seconds)
        for lease in release:
            self._release(lease, now)

    # --- seeds and the journal ------------------------------------------------------------------------------------

    async def put_seed(self, seed: str, value: Mapping[str, Any], ttl_seconds: float) -> None:
        text = encode_json(value)
        self._seeds.put(seed, text, self._now(), ttl_seconds)

    async def drop_seed(self, seed: str) -> None:
        self._now()
        self._seeds.pop(seed)

    async def journal_record(self, event_id: str, position: int, entry: Mapping[str, Any], ttl_seconds: float) -> None:
        if not isinstance(position, int) or position < 0:
            raise NotJson(f"a journal position is a non-negative int, got {position!r}")
        now = self._now()
        entries = dict(self._journals.get(event_id, now) or {})
        entries[position] = encode_json(entry)
        self._journals.put(event_id, entries, now, ttl_seconds)

    async def journal_read(self, event_id: str) -> dict[int, JsonObject]:
        entries = self._journals.get(event_id, self._now()) or {}
        return {position: decode_json(text) for position, text in sorted(entries.items())}

    # --- lifecycle ------------------------------------------------------------------------------------------------

    async def ping(self) -> bool:
        return not self._closed

    async def aclose(self) -> None:
        self._closed = True
        for table in (self._claims, self._first_claims, self._documents, self._seeds, self._journals):
            table.clear()
        for state in self._locks.values():
            for waiter in state.waiters:
                waiter.granted.cancel()
        self._locks.clear()

    def _now(self) -> float:
        if self._closed:
            raise StoreUnavailable("the state store is closed")
        now = self._clock()
        for table in (self._claims, self._first_claims, self._documents, self._seeds, self._journals):
            table.purge(now)
        for name, state in list(self._locks.items()):  # only locks in use are here: a short list
            if state.holder is not None and state.deadline <= now and not state.waiters:
                del self._locks[name]
        return now
