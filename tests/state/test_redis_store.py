"""The Redis store's own guarantees, against the real Redis server (a unique key prefix per test)."""

from __future__ import annotations

import asyncio
import math

import pytest

from app.state.redis_store import ClaimStatus, RedisStore, StaleWrite, StateValueError, StoreUnavailable
from tests.state.redis_fixtures import redis_keys

pytestmark = pytest.mark.redis


async def test_a_claim_is_a_lease_then_done(store: RedisStore) -> None:
    first = await store.claim("evt-1", scope="call-1", lease_seconds=30)
    again = await store.claim("evt-1", scope="call-1", lease_seconds=30)
    assert first.status is ClaimStatus.ACQUIRED and first.token
    assert again.status is ClaimStatus.PROCESSING and 29 < again.retry_after <= 30
    await store.finish(first)
    assert (await store.claim("evt-1", scope="call-1", lease_seconds=30)).status is ClaimStatus.DONE


async def test_an_expired_lease_is_acquired_again_with_the_first_claim_time_and_journal(store: RedisStore) -> None:
    first = await store.claim("evt-1", scope="call-1", lease_seconds=0.05)
    await store.record_action(first, 0, "play")
    await asyncio.sleep(0.08)
    second = await store.claim("evt-1", scope="call-1", lease_seconds=30)
    assert second.status is ClaimStatus.ACQUIRED and second.token != first.token
    assert second.first_claimed_at == first.first_claimed_at
    assert dict(second.journal) == {"0": "play"}
    await store.finish(first)  # the old holder is no longer the owner: a no-op
    assert (await store.claim("evt-1", scope="call-1", lease_seconds=30)).status is ClaimStatus.PROCESSING


async def test_abandoning_frees_the_event_at_once(store: RedisStore) -> None:
    first = await store.claim("evt-1", scope="call-1", lease_seconds=30)
    await store.abandon(first)
    again = await store.claim("evt-1", scope="call-1", lease_seconds=30)
    assert again.status is ClaimStatus.ACQUIRED and again.first_claimed_at == first.first_claimed_at


async def test_lock_loads_the_document_and_commit_saves_finishes_and_releases(store: RedisStore) -> None:
    claim = await store.claim("evt-1", scope="call-1", lease_seconds=30)
    held = await store.acquire("call-1", "conn-1", lease_seconds=30, wait_seconds=1)
    assert (held.version, held.document) == (0, {})
    assert await store.commit(held, [("conn-1", 0, {"step": "menu"})], claim=claim) == [1]
    assert (await store.claim("evt-1", scope="call-1", lease_seconds=30)).status is ClaimStatus.DONE
    again = await store.acquire("call-1", "conn-1", lease_seconds=30, wait_seconds=1)
    assert (again.version, again.document) == (1, {"step": "menu"})
    assert again.fence > held.fence


async def test_a_holder_whose_lease_expired_cannot_save(store: RedisStore) -> None:
    stale = await store.acquire("call-1", "conn-1", lease_seconds=0.05, wait_seconds=1)
    await asyncio.sleep(0.08)
    current = await store.acquire("call-1", "conn-1", lease_seconds=30, wait_seconds=1)
    with pytest.raises(StaleWrite):
        await store.commit(stale, [("conn-1", 0, {"who": "stale"})])
    await store.commit(current, [("conn-1", 0, {"who": "current"})])
    assert await store.load("call-1", "conn-1") == (1, {"who": "current"})


async def test_a_moved_version_is_refused_and_nothing_is_written(store: RedisStore) -> None:
    held = await store.acquire("call-1", "conn-1", lease_seconds=30, wait_seconds=1)
    await store.commit(held, [("conn-1", 0, {"n": 1})])
    held = await store.acquire("call-1", "conn-1", lease_seconds=30, wait_seconds=1)
    with pytest.raises(StaleWrite):
        await store.commit(held, [("other", 0, {"x": 1}), ("conn-1", 0, {"n": 2})])
    assert await store.load("call-1", "other") == (0, {})
    assert await store.load("call-1", "conn-1") == (1, {"n": 1})


async def test_waiters_get_the_lock_in_arrival_order(store: RedisStore) -> None:
    held = await store.acquire("call-1", "doc", lease_seconds=30, wait_seconds=1)
    order: list[int] = []

    async def waiter(number: int) -> None:
        mine = await store.acquire("call-1", "doc", lease_seconds=30, wait_seconds=5)
        order.append(number)
        await store.commit(mine, [("doc", mine.version, {"last": number})])

    tasks = []
    for number in range(5):
        tasks.append(asyncio.create_task(waiter(number)))
        await asyncio.sleep(0.02)  # each one has queued before the next arrives
    await store.commit(held, [])
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert await store.load("call-1", "doc") == (5, {"last": 4})


async def test_a_busy_lock_gives_up_after_the_wait_and_a_dead_holder_expires(store: RedisStore) -> None:
    await store.acquire("call-1", "doc", lease_seconds=0.3, wait_seconds=1)  # never released: the holder "died"
    with pytest.raises(StoreUnavailable, match="busy"):
        await store.acquire("call-1", "doc", lease_seconds=30, wait_seconds=0.05)
    taken = await store.acquire("call-1", "doc", lease_seconds=30, wait_seconds=2)
    assert taken.version == 0


async def test_seeds_are_taken_once(store: RedisStore) -> None:
    await store.put_seed("seed-1", {"customer": "42"}, ttl_seconds=60)
    assert await store.take_seed("seed-1") == {"customer": "42"}
    assert await store.take_seed("seed-1") is None


async def test_non_json_values_are_refused_clearly(store: RedisStore) -> None:
    held = await store.acquire("call-1", "doc", lease_seconds=30, wait_seconds=1)
    with pytest.raises(StateValueError, match="NaN"):
        await store.commit(held, [("doc", 0, {"x": math.nan})])
    with pytest.raises(StateValueError):
        await store.put_seed("seed-1", {"x": object()}, ttl_seconds=60)


async def test_every_key_is_prefixed_and_expires(store: RedisStore, prefix: str) -> None:
    claim = await store.claim("evt-1", scope="call-1", lease_seconds=30)
    await store.record_action(claim, 0, "play")
    held = await store.acquire("call-1", "conn-1", lease_seconds=30, wait_seconds=1)
    await store.commit(held, [("conn-1", 0, {"a": 1})], claim=claim)
    await store.put_seed("seed-1", {"b": 2}, ttl_seconds=60)
    keys = await redis_keys(prefix)
    assert keys, "the operations wrote keys"
    assert all(key.startswith(prefix) for key in keys)
    assert all(ttl > 0 for ttl in keys.values()), keys


async def test_an_unreachable_redis_is_store_unavailable_not_a_crash() -> None:
    store = RedisStore.from_url("redis://127.0.0.1:1/0", prefix="x:", timeout=0.2)
    try:
        assert await store.ping() is False
        with pytest.raises(StoreUnavailable):
            await store.claim("evt-1", scope="call-1", lease_seconds=30)
    finally:
        await store.aclose()
