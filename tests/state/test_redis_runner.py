"""The script runner against a redis-server of the test's own: what a shared server must not be put through (its
script cache flushed, a restart, a stalled reply)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.state.redis_runner import ScriptRunner
from app.testing.cluster import PrivateRedis

pytestmark = pytest.mark.redis

ECHO = "return ARGV[1]"


@pytest.fixture
async def server() -> AsyncIterator[PrivateRedis]:
    async with PrivateRedis(fsync="always") as redis:
        yield redis


@pytest.fixture
async def admin(server: PrivateRedis) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(server.url, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def runner(server: PrivateRedis) -> AsyncIterator[ScriptRunner]:
    runner = ScriptRunner.from_url(server.url, timeout=1.0)
    try:
        yield runner
    finally:
        await runner.aclose()


async def _calls(admin: aioredis.Redis, command: str) -> int:
    stats = await admin.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


async def test_a_script_is_sent_by_its_sha_and_by_its_source_only_when_the_server_forgot_it(
    runner: ScriptRunner, admin: aioredis.Redis
) -> None:
    echo = runner.script(ECHO)
    assert await runner.run(echo, keys=[], args=["one"]) == "one"  # the first time: NOSCRIPT, then EVAL
    assert await runner.run(echo, keys=[], args=["two"]) == "two"
    assert await _calls(admin, "eval") == 1 and await _calls(admin, "evalsha") == 2
    await admin.script_flush()  # what a restarted or failed-over server looks like to the client
    assert await runner.run(echo, keys=[], args=["three"]) == "three"
    assert await _calls(admin, "eval") == 2


async def test_a_restarted_server_is_reached_again_on_fresh_connections(
    runner: ScriptRunner, server: PrivateRedis
) -> None:
    echo = runner.script(ECHO)
    # Several idle connections, all of which the restart kills: more than the retries could walk through one by one.
    assert await asyncio.gather(*(runner.run(echo, keys=[], args=[str(n)]) for n in range(6))) == [
        str(n) for n in range(6)
    ]
    await server.restart(down_for=0.05)
    assert await runner.run(echo, keys=[], args=["back"]) == "back"


async def test_a_reply_that_does_not_come_in_time_is_a_timeout(server: PrivateRedis, admin: aioredis.Redis) -> None:
    runner = ScriptRunner.from_url(server.url, timeout=0.2)
    try:
        echo = runner.script(ECHO)
        assert await runner.run(echo, keys=[], args=["warm"]) == "warm"
        assert await admin.execute_command("CLIENT", "PAUSE", "1000", "ALL")  # replies held back, then sent
        with pytest.raises(RedisError):  # three attempts of 0.2 s and the pauses between them: within the pause
            await runner.run(echo, keys=[], args=["late"])
    finally:
        await runner.aclose()


async def test_a_cancelled_requests_reply_never_reaches_the_next_request(
    runner: ScriptRunner, admin: aioredis.Redis
) -> None:
    echo = runner.script(ECHO)
    assert await runner.run(echo, keys=[], args=["warm"]) == "warm"
    assert await admin.execute_command("CLIENT", "PAUSE", "300", "ALL")
    late = asyncio.create_task(runner.run(echo, keys=[], args=["late"]))
    await asyncio.sleep(0.05)
    late.cancel()
    with pytest.raises(asyncio.CancelledError):
        await late
    await asyncio.sleep(0.4)  # the pause is over: the cancelled request's reply has arrived on its connection
    assert await runner.run(echo, keys=[], args=["next"]) == "next"


async def test_closing_the_runner_closes_its_connections(runner: ScriptRunner, admin: aioredis.Redis) -> None:
    echo = runner.script(ECHO)
    await asyncio.gather(*(runner.run(echo, keys=[], args=[str(n)]) for n in range(4)))
    before = len(await admin.client_list())
    await runner.aclose()
    await asyncio.sleep(0.05)
    assert len(await admin.client_list()) <= before - 4
