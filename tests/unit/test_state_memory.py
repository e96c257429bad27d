"""MemoryStateStore: dedup with TTL, FIFO per-call locks, copy isolation and bounded memory."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.state.base import StateStore
from app.state.memory import MemoryStateStore
from tests.web.keys import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> MemoryStateStore:
    return MemoryStateStore(clock=clock)


def test_implements_the_protocol(store: MemoryStateStore) -> None:
    typed: StateStore = store  # mypy checks the structural match
    assert typed is store


async def test_claim_is_true_once_then_false(store: MemoryStateStore) -> None:
    assert await store.claim_event("evt-1", 60) is True
    assert await store.claim_event("evt-1", 60) is False
    assert await store.claim_event("evt-2", 60) is True


async def test_claim_expires(store: MemoryStateStore, clock: FakeClock) -> None:
    assert await store.claim_event("evt-1", 60) is True
    clock.advance(59.9)
    assert await store.claim_event("evt-1", 60) is False
    clock.advance(0.2)
    assert await store.claim_event("evt-1", 60) is True


async def test_release_allows_a_new_claim(store: MemoryStateStore) -> None:
    assert await store.claim_event("evt-1", 60) is True
    await store.release_event("evt-1")
    assert await store.claim_event("evt-1", 60) is True
    await store.release_event("never-claimed")  # no error


async def test_concurrent_claims_have_one_winner(store: MemoryStateStore) -> None:
    results = await asyncio.gather(*(store.claim_event("evt-1", 60) for _ in range(100)))
    assert results.count(True) == 1


async def test_expired_claims_are_purged(store: MemoryStateStore, clock: FakeClock) -> None:
    for index in range(5000):
        await store.claim_event(f"old-{index}", 10)
    clock.advance(11)
    for index in range(5000):
        await store.claim_event(f"new-{index}", 10)
    # Without sweeping there would be 10 000 entries; sweeps keep about 2x the live set at most.
    assert store.stats.claims <= 2 * 5000
    assert store.stats.claims >= 5000


async def test_lock_is_fifo_under_concurrency(store: MemoryStateStore) -> None:
    order: list[int] = []
    started = asyncio.Event()

    async def holder() -> None:
        async with store.call_lock("call-1"):
            started.set()
            await asyncio.sleep(0)  # let every waiter queue up behind us
            for _ in range(5):
                await asyncio.sleep(0)

    async def waiter(index: int) -> None:
        async with store.call_lock("call-1"):
            order.append(index)
            await asyncio.sleep(0)  # yield while holding: nobody may overtake

    first = asyncio.create_task(holder())
    await started.wait()
    tasks = []
    for index in range(50):
        tasks.append(asyncio.create_task(waiter(index)))
        await asyncio.sleep(0)  # each task reaches the lock before the next is created
    await asyncio.gather(first, *tasks)
    assert order == list(range(50))


async def test_lock_excludes_within_a_key_not_across_keys(store: MemoryStateStore) -> None:
    inside: dict[str, int] = {"a": 0, "b": 0}
    peak: dict[str, int] = {"a": 0, "b": 0}
    both_held = asyncio.Event()

    async def work(key: str) -> None:
        async with store.call_lock(key):
            inside[key] += 1
            peak[key] = max(peak[key], inside[key])
            if inside["a"] and inside["b"]:
                both_held.set()
            for _ in range(3):
                await asyncio.sleep(0)
            inside[key] -= 1

    await asyncio.gather(*(work(key) for key in ["a", "b"] * 10))
    assert peak == {"a": 1, "b": 1}
    assert both_held.is_set()  # different calls ran at the same time


async def test_lock_released_on_error_and_cancellation(store: MemoryStateStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.call_lock("call-1"):
            raise RuntimeError("handler failed")

    holding = asyncio.Event()

    async def hold_forever() -> None:
        async with store.call_lock("call-1"):
            holding.set()
            await asyncio.Event().wait()

    holder = asyncio.create_task(hold_forever())
    await holding.wait()
    waiter = asyncio.create_task(store.call_lock("call-1").__aenter__())
    await asyncio.sleep(0)
    waiter.cancel()
    holder.cancel()
    await asyncio.gather(holder, waiter, return_exceptions=True)
    assert store.stats.locks == 0
    async with asyncio.timeout(1):
        async with store.call_lock("call-1"):
            pass


async def test_lock_table_is_bounded(store: MemoryStateStore) -> None:
    async def use(key: str) -> None:
        async with store.call_lock(key):
            await asyncio.sleep(0)

    await asyncio.gather(*(use(f"call-{index % 100}") for index in range(1000)))
    assert store.stats.locks == 0


async def test_load_missing_is_empty(store: MemoryStateStore) -> None:
    assert await store.load("nobody") == {}


async def test_save_load_roundtrip_and_isolation(store: MemoryStateStore) -> None:
    nested = {"a": 1}
    state: dict[str, Any] = {"step": "menu", "tries": [1, 2], "nested": nested}
    await store.save("call-1", state, 60)
    nested["a"] = 99  # the caller's copy does not alias the stored one
    loaded = await store.load("call-1")
    assert loaded == {"step": "menu", "tries": [1, 2], "nested": {"a": 1}}
    loaded["tries"].append(3)
    assert (await store.load("call-1"))["tries"] == [1, 2]


async def test_state_expires_and_delete(store: MemoryStateStore, clock: FakeClock) -> None:
    await store.save("call-1", {"x": 1}, 30)
    await store.save("call-2", {"x": 2}, 300)
    clock.advance(31)
    assert await store.load("call-1") == {}
    assert await store.load("call-2") == {"x": 2}
    await store.delete("call-2")
    await store.delete("call-2")
    assert await store.load("call-2") == {}


@pytest.mark.parametrize("bad", [{"when": object()}, {"nan": float("nan")}])
async def test_save_rejects_non_json(store: MemoryStateStore, bad: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        await store.save("call-1", bad, 60)


async def test_ping_and_close(store: MemoryStateStore) -> None:
    await store.claim_event("evt-1", 60)
    assert await store.ping() is True
    await store.aclose()
    assert await store.ping() is False
    assert store.stats.claims == 0
