"""Callback-token bindings: one contract for the in-process and the Redis bindings, plus what only sharing proves."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from app.auth.redis_replay import RedisTokenBindings
from app.auth.replay import MemoryTokenBindings, TokenBindings, bindings_for
from app.state.errors import StoreUnavailable
from app.state.memory import MemoryStateStore
from app.state.redis_store import RedisStateStore
from tests.state.redis_fixtures import REDIS_URL, delete_prefix, redis_keys

SHORT = 0.3


class TokenBindingsContract:
    """What every :class:`~app.auth.replay.TokenBindings` must do; subclasses provide ``bindings``."""

    async def test_a_token_is_good_for_its_first_body_only(self, bindings: TokenBindings) -> None:
        assert await bindings.bind(b"token-1", b"digest-a", ttl_seconds=60)
        assert await bindings.bind(b"token-1", b"digest-a", ttl_seconds=60)  # a redelivery
        assert not await bindings.bind(b"token-1", b"digest-b", ttl_seconds=60)  # a replay with another body
        assert await bindings.bind(b"token-2", b"digest-b", ttl_seconds=60)  # another token is its own

    async def test_a_binding_ends_with_its_tokens_lifetime(self, bindings: TokenBindings) -> None:
        assert await bindings.bind(b"token-1", b"digest-a", ttl_seconds=SHORT)
        await asyncio.sleep(SHORT + 0.15)
        assert await bindings.bind(b"token-1", b"digest-b", ttl_seconds=60)


class TestMemoryTokenBindings(TokenBindingsContract):
    @pytest.fixture
    def bindings(self) -> TokenBindings:
        return MemoryTokenBindings()


@pytest.mark.redis
class TestRedisTokenBindings(TokenBindingsContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[RedisStateStore]:
        prefix = f"cwtest:{uuid.uuid4().hex}:"
        store = RedisStateStore.from_url(REDIS_URL, prefix=prefix)
        try:
            yield store
        finally:
            await store.aclose()
            await delete_prefix(prefix)

    @pytest.fixture
    def bindings(self, store: RedisStateStore) -> TokenBindings:
        return bindings_for(store)

    async def test_a_replay_to_another_instance_is_refused(self, store: RedisStateStore) -> None:
        other = RedisStateStore.from_url(REDIS_URL, prefix=store.prefix)  # another instance: its own connections
        try:
            assert await bindings_for(store).bind(b"token-1", b"digest-a", ttl_seconds=60)
            assert not await bindings_for(other).bind(b"token-1", b"digest-b", ttl_seconds=60)
            assert await bindings_for(other).bind(b"token-1", b"digest-a", ttl_seconds=60)
        finally:
            await other.aclose()

    async def test_one_key_per_token_expiring_with_it_and_one_round_trip_per_delivery(
        self, store: RedisStateStore
    ) -> None:
        bindings = RedisTokenBindings.sharing(store)
        assert await bindings.bind(b"token-1", b"digest-a", ttl_seconds=60)
        assert await bindings.bind(b"token-1", b"digest-a", ttl_seconds=60)
        assert not await bindings.bind(b"token-1", b"digest-b", ttl_seconds=60)
        assert bindings.round_trips == 3
        keys = await redis_keys(store.prefix)
        assert len(keys) == 1 and 0 < next(iter(keys.values())) <= 60_000
        assert "token-1" not in next(iter(keys))  # the key names a digest of the token, not the token

    async def test_an_unreachable_redis_is_reported_unavailable(self) -> None:
        store = RedisStateStore.from_url("redis://127.0.0.1:1/0", prefix="cwtest:", timeout=0.2)
        try:
            with pytest.raises(StoreUnavailable):
                await bindings_for(store).bind(b"token-1", b"digest-a", ttl_seconds=60)
        finally:
            await store.aclose()


def test_the_memory_store_keeps_bindings_in_the_process() -> None:
    assert isinstance(bindings_for(MemoryStateStore()), MemoryTokenBindings)
