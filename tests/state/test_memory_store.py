"""The memory store: the store contract, plus what only memory has to prove (entries leave memory on time)."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from app.state.base import ClaimStatus, StateStore, Write
from app.state.errors import StoreUnavailable
from app.state.memory import MemoryStateStore, _TtlTable
from tests.state.contract import StoreContract
from tests.web.keys import FakeClock

DEDUP = 900.0


class TestMemoryStore(StoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[StateStore]:
        store = MemoryStateStore()
        yield store
        await store.aclose()


def test_implements_the_protocol() -> None:
    typed: StateStore = MemoryStateStore()  # mypy checks the structural match
    assert isinstance(typed, MemoryStateStore)


async def run_call(store: MemoryStateStore, call: int, events: int = 12) -> None:
    """One ended call as the dispatcher drives it: claim, lock+load, commit per event; the last one deletes."""
    for index in range(events):
        claim = await store.claim_event(f"evt-{call}-{index}", 30)
        held = await store.lock(f"call:srv-{call}", load=f"session:cc-{call}", lease_seconds=30, wait_seconds=5)
        last = index == events - 1
        value = None if last else {"flow": "support_line", "state": {"step": index, "digits": "1234"}}
        write = Write(held.document.key, held.document.version, value, 7200, held.lease)
        await store.commit([write], release=[held.lease], finish=claim, dedup_ttl_seconds=DEDUP)
        await store.journal_record(f"evt-{call}-{index}", 0, {"action": "play"}, DEDUP)


async def test_an_ended_call_leaves_memory_after_the_dedup_window() -> None:
    clock = FakeClock()
    store = MemoryStateStore(clock=clock)

    async def calls_then_window(first: int) -> int:
        for call in range(first, first + 400):
            await run_call(store, call)
        assert store.stats.claims == 400 * 12 and store.stats.documents == 0 and store.stats.locks == 0
        clock.advance(DEDUP + 2)
        stats = store.stats  # any operation purges what has expired
        assert (stats.claims, stats.documents, stats.locks, stats.seeds, stats.journals) == (0, 0, 0, 0, 0)
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        # The first round sizes the tables (dicts keep the capacity of their busiest moment); the second must
        # leave nothing behind.
        warm = await calls_then_window(0)
        after = await calls_then_window(400)
    finally:
        tracemalloc.stop()
    per_call = (after - warm) / 400
    assert per_call <= 200, f"{per_call:.0f} bytes per ended call stay in memory"


async def test_expired_entries_go_without_being_read_again() -> None:
    clock = FakeClock()
    store = MemoryStateStore(clock=clock)
    for index in range(1000):
        await store.claim_event(f"old-{index}", 10)
    await store.put_seed("seed-1", {"a": 1}, 10)
    clock.advance(11)
    await store.claim_event("new", 10)
    assert store.stats.claims == 1 and store.stats.seeds == 0


async def test_a_closed_store_is_unavailable() -> None:
    store = MemoryStateStore()
    claim = await store.claim_event("evt-1", 30)
    assert claim.status is ClaimStatus.ACQUIRED
    await store.aclose()
    assert await store.ping() is False
    with pytest.raises(StoreUnavailable):
        await store.claim_event("evt-2", 30)


def test_an_emptied_bucket_lets_its_keys_go_before_its_deadline() -> None:
    # A call's document is deleted at hang-up, hours before its state TTL: the bucket's set (sized for every key
    # that shared its second) must go then, not at the deadline.
    table: _TtlTable[str] = _TtlTable()
    for index in range(100):
        table.put(f"session:cc-{index}", "{}", 10.0, 7200)
    for index in range(100):
        table.pop(f"session:cc-{index}")
    assert len(table) == 0 and all(keys is None for keys in table._buckets.values())
    table.put("session:cc-late", "{}", 9.5, 7200)  # the same second: filed again, scheduled once
    assert table.get("session:cc-late", 10.3) == "{}" and len(table._heap) == 1
    table.purge(7211.0)
    assert len(table) == 0 and table._buckets == {} and table._heap == []
