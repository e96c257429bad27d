"""Lock hand-over by message, on the real Redis server: a freed lock wakes its next waiter in another process.

Each store here stands for one process (its own tag and wake channel). Waiters poll only every 5 s once their
wake channel is heard, so a lock handed over within 1 s of its release was handed over by the wake.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from app.state.base import Held, Write
from app.state.redis_store import RedisStateStore
from app.state.redis_wakes import Pacing
from tests.state.redis_fixtures import REDIS_URL, delete_prefix

pytestmark = pytest.mark.redis

SLOW_POLLS = Pacing(heard=(5.0, 5.0), deaf=(0.002, 0.025))
HAND_OVER_BOUND = 1.0
LOCK = "call:1"

Opener = Callable[[], RedisStateStore]


@pytest.fixture
async def open_store() -> AsyncIterator[Opener]:
    prefix = f"cwtest:{uuid.uuid4().hex}:"
    stores: list[RedisStateStore] = []

    def open_one() -> RedisStateStore:
        store = RedisStateStore.from_url(REDIS_URL, prefix=prefix, pacing=SLOW_POLLS)
        stores.append(store)
        return store

    try:
        yield open_one
    finally:
        for store in stores:
            await store.aclose()
        await delete_prefix(prefix)


async def _queue(store: RedisStateStore, *, wait_seconds: float = 4.0) -> asyncio.Task[Held]:
    """A waiter for the lock, returned once it polls at the slow pace (its wake channel is heard)."""
    task = asyncio.create_task(store.lock(LOCK, lease_seconds=30, wait_seconds=wait_seconds, load="doc:1"))
    await _heard(store)
    await asyncio.sleep(0.1)  # past any fast poll begun before the channel was heard
    assert not task.done()
    return task


async def _heard(store: RedisStateStore) -> None:
    async with asyncio.timeout(2):
        while not store.wakes.heard:  # noqa: ASYNC110  # the store exposes a flag, not an event
            await asyncio.sleep(0.005)


async def _release(store: RedisStateStore, held: Held) -> None:
    await store.release(held.lease)


async def _commit(store: RedisStateStore, held: Held) -> None:
    await store.commit([Write("doc:1", held.document.version, {"n": 1}, 60, held.lease)], release=[held.lease])


@pytest.mark.parametrize("free", [_release, _commit], ids=["release", "commit"])
async def test_a_freed_lock_wakes_the_waiter_of_another_process(
    open_store: Opener, free: Callable[[RedisStateStore, Held], Awaitable[None]]
) -> None:
    first, second = open_store(), open_store()
    held = await first.lock(LOCK, lease_seconds=30, wait_seconds=1)
    waiter = await _queue(second)
    await free(first, held)
    taken = await asyncio.wait_for(waiter, HAND_OVER_BOUND)
    assert taken.lease.fence == held.lease.fence + 1
    await second.release(taken.lease)


async def test_only_the_head_of_the_queue_is_woken_and_the_next_one_at_the_next_release(open_store: Opener) -> None:
    holder, second, third = open_store(), open_store(), open_store()
    held = await holder.lock(LOCK, lease_seconds=30, wait_seconds=1)
    waiting_second = await _queue(second)
    waiting_third = await _queue(third)
    await holder.release(held.lease)
    taken = await asyncio.wait_for(waiting_second, HAND_OVER_BOUND)
    await asyncio.sleep(0.2)
    assert not waiting_third.done()  # FIFO: still behind the second
    await second.release(taken.lease)
    last = await asyncio.wait_for(waiting_third, HAND_OVER_BOUND)
    await third.release(last.lease)


async def test_wakes_are_heard_again_after_the_wake_connection_is_killed(open_store: Opener) -> None:
    admin = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        holder, waiter_store = open_store(), open_store()
        held = await holder.lock(LOCK, lease_seconds=30, wait_seconds=1)
        await _heard(holder)
        before = await _subscribers(admin)  # the holder's own wake connection among them
        waiter = await _queue(waiter_store, wait_seconds=8.0)
        ours = await _subscribers(admin) - before
        assert len(ours) == 1
        await admin.client_kill_filter(_id=ours.pop())
        async with asyncio.timeout(3):  # subscribed again, on a new connection
            while not await _subscribers(admin) - before:  # noqa: ASYNC110  # Redis has no event for it
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert waiter_store.wakes.heard and not waiter.done()
        await holder.release(held.lease)
        taken = await asyncio.wait_for(waiter, HAND_OVER_BOUND)
        await waiter_store.release(taken.lease)
    finally:
        await admin.aclose()


async def _subscribers(admin: aioredis.Redis) -> set[str]:
    return {entry["id"] for entry in await admin.client_list(_type="pubsub")}
