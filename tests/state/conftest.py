"""Fixtures of the state-store tests: a Redis store on the shared server under a unique key prefix."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from app.state.redis_store import RedisStore
from tests.state.redis_fixtures import REDIS_URL, delete_prefix


@pytest.fixture
def prefix() -> str:
    return f"cwtest:{uuid.uuid4().hex}:"


@pytest.fixture
async def store(prefix: str) -> AsyncIterator[RedisStore]:
    redis_store = RedisStore.from_url(REDIS_URL, prefix=prefix, timeout=2.0)
    try:
        yield redis_store
    finally:
        await redis_store.aclose()
        await delete_prefix(prefix)
