"""The Redis store: the shared store contract against the real Redis server, plus what only Redis has to prove."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from app.state.base import ClaimStatus, StateStore, Write
from app.state.errors import StoreUnavailable
from app.state.redis_store import RedisStateStore
from tests.state.contract import StoreContract
from tests.state.redis_fixtures import REDIS_URL, delete_prefix, redis_keys

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix() -> str:
    return f"cwtest:{uuid.uuid4().hex}:"


@pytest.fixture
async def redis_store(prefix: str) -> AsyncIterator[RedisStateStore]:
    store = RedisStateStore.from_url(REDIS_URL, prefix=prefix, timeout=2.0)
    try:
        yield store
    finally:
        await store.aclose()
        await delete_prefix(prefix)


class TestRedisStore(StoreContract):
    @pytest.fixture
    async def store(self, redis_store: RedisStateStore) -> AsyncIterator[StateStore]:
        yield redis_store


async def test_an_event_keeps_its_first_claim_time_across_re_runs(redis_store: RedisStateStore) -> None:
    first = await redis_store.claim_event("evt-1", 0.05)
    assert first.first_claimed_at > 0 and first.attempt == 1
    await asyncio.sleep(0.08)
    second = await redis_store.claim_event("evt-1", 30)
    assert second.status is ClaimStatus.ACQUIRED and second.attempt == 2
    assert second.first_claimed_at == first.first_claimed_at
    await redis_store.abandon_event(second)
    third = await redis_store.claim_event("evt-1", 30)
    assert third.first_claimed_at == first.first_claimed_at and third.attempt == 3


async def test_one_event_costs_three_round_trips(redis_store: RedisStateStore) -> None:
    before = redis_store.round_trips
    claim = await redis_store.claim_event("evt-1", 30)
    held = await redis_store.lock("call:1", load="session:1", lease_seconds=30, wait_seconds=1)
    value = {"step": "menu"}
    await redis_store.commit(
        [Write("session:1", held.document.version, value, 60, held.lease)],
        release=[held.lease],
        finish=claim,
        dedup_ttl_seconds=60,
    )
    assert redis_store.round_trips - before == 3
    assert (await redis_store.claim_event("evt-1", 30)).status is ClaimStatus.DONE


async def test_every_key_is_prefixed_and_expires(redis_store: RedisStateStore, prefix: str) -> None:
    claim = await redis_store.claim_event("evt-1", 30)
    await redis_store.journal_record("evt-1", 0, {"action": "play"}, 60)
    blocker = await redis_store.lock("call:1", lease_seconds=30, wait_seconds=1)
    waiter = asyncio.create_task(redis_store.lock("call:1", load="session:1", lease_seconds=30, wait_seconds=5))
    await asyncio.sleep(0.05)  # queued behind the holder: the queue keys exist now
    queued = await redis_keys(prefix)
    await redis_store.release(blocker.lease)
    held = await waiter
    await redis_store.put_seed("seed-1", {"b": 2}, 60)
    await redis_store.commit(
        [Write("session:1", 0, {"a": 1}, 60, held.lease)], release=[], finish=claim, dedup_ttl_seconds=60
    )
    keys = queued | await redis_keys(prefix)
    assert any(key.endswith(":queue") for key in keys) and any(key.endswith(":holder") for key in keys)
    assert all(key.startswith(prefix) for key in keys)
    assert all(ttl > 0 for ttl in (await redis_keys(prefix)).values())
    assert all(ttl > 0 for ttl in queued.values()), queued


async def test_an_unreachable_redis_is_store_unavailable_not_a_crash() -> None:
    store = RedisStateStore.from_url("redis://127.0.0.1:1/0", prefix="x:", timeout=0.2)
    try:
        assert await store.ping() is False
        with pytest.raises(StoreUnavailable):
            await store.claim_event("evt-1", 30)
    finally:
        await store.aclose()
