"""Real-Redis helpers for the state tests: a unique key prefix per test, and a look at what was written."""

from __future__ import annotations

import os

import redis.asyncio as aioredis

REDIS_URL = os.environ.get("CALLWRIGHT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def redis_keys(prefix: str) -> dict[str, int]:
    """Every key under ``prefix`` with its TTL in ms (-1 = none), without touching anyone else's keys."""
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
        return {key: int(await client.pttl(key)) for key in keys}
    finally:
        await client.aclose()


async def delete_prefix(prefix: str) -> None:
    """Remove one test's keys (never FLUSHDB: the server is shared)."""
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
