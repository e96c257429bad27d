"""The chaos suite (short version): real service processes behind HAProxy, real Redis, the ACS emulator, and the
faults a deployment meets. Per call it asserts what the caller would notice: not lost (answered and handed over),
no action executed twice (counted from the emulator's timeline), not stuck (the call ended).

Leases are short (2 s) so that a killed instance's events are taken over inside the emulator's callback retries
(after 1, 2 and 4 s).
"""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest

from app.testing.cluster import Cluster, PrivateRedis
from tests.cluster.calls import (
    CRASH_SAFE,
    FLOWS,
    executed,
    faulted_operations,
    judge,
    place,
    prepare,
    refused_deliveries,
    replays,
)
from tests.state.redis_fixtures import REDIS_URL, delete_prefix

pytestmark = pytest.mark.redis


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    name = f"cwchaos:{uuid.uuid4().hex}:"
    yield name
    await delete_prefix(name)


async def until(cluster: Cluster, calls: Sequence[str], operation: str, count: int = 1) -> None:
    """Wait until every call's timeline shows ``operation`` executed ``count`` times."""
    for _ in range(300):
        done = [await executed(cluster, call, operation) >= count for call in calls]
        if all(done):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not every call reached {operation}")


async def test_duplicated_and_reordered_callbacks_across_three_instances(prefix: str) -> None:
    async with Cluster(instances=3, flows=FLOWS, redis_url=REDIS_URL, prefix=prefix, settings=CRASH_SAFE) as cluster:
        await prepare(cluster)
        await cluster.control.set_callback_fault("PlayStarted", reorder=True)
        await cluster.control.set_callback_fault("*", duplicate=2)
        calls = await asyncio.gather(*(place(cluster, i) for i in range(6)))
        tally = await judge(cluster, calls, deadline=40)
        replayed = await replay_to_another_instance(cluster)
    assert tally.failures == [], tally.failures
    assert tally.calls == 6
    assert replayed == (200, 401, 200)  # first use; the same token, another body, another instance; a redelivery


async def replay_to_another_instance(cluster: Cluster) -> tuple[int, int, int]:
    """One callback token presented to instance 0 with one body, then to instance 1 with another, then the first
    body again to instance 2: the bindings live in Redis, so every instance knows the token's first body."""
    token = cluster.emulator.app.state.delivery.tokens.mint()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def body(event_id: str) -> bytes:
        data = {"callConnectionId": "replay-call", "serverCallId": "replay-server", "correlationId": "c"}
        event = {"id": event_id, "source": "calling/callConnections/replay-call", "specversion": "1.0"}
        event |= {"type": "Microsoft.Communication.ParticipantsUpdated", "time": "2026-12-01T10:00:00Z", "data": data}
        return json.dumps([event]).encode()

    async with httpx.AsyncClient(timeout=10) as http:
        urls = [f"{instance.url}/Events" for instance in cluster.instances]
        first = await http.post(urls[0], content=body("replay-1"), headers=headers)
        other = await http.post(urls[1], content=body("replay-2"), headers=headers)
        again = await http.post(urls[2], content=body("replay-1"), headers=headers)
    return first.status_code, other.status_code, again.status_code


async def test_sigkill_between_the_acs_request_and_the_state_write(prefix: str) -> None:
    async with Cluster(instances=2, flows=FLOWS, redis_url=REDIS_URL, prefix=prefix, settings=CRASH_SAFE) as cluster:
        await prepare(cluster)
        # Recording starts are held back 1.5 s at ACS: the welcome prompt is played and journaled, the recording
        # request is in flight, and nothing of the event is committed when the instance dies.
        await cluster.control.set_rest_fault("startRecording", latency=1.5)
        calls = await asyncio.gather(*(place(cluster, i) for i in range(6)))
        await until(cluster, calls, "play")
        await asyncio.sleep(0.4)
        cluster.kill(0)
        await asyncio.sleep(0.5)
        await cluster.start(0)
        tally = await judge(cluster, calls, deadline=40)
        repeated = [note for call in calls for note in await replays(cluster, call)]
    assert tally.failures == [], tally.failures
    assert repeated, "no event was re-run after the kill: the test did not exercise the crash"


async def test_redis_restarts_mid_run() -> None:
    async with (
        PrivateRedis() as redis,
        Cluster(instances=2, flows=FLOWS, redis_url=redis.url, settings=CRASH_SAFE) as cluster,
    ):
        await prepare(cluster)
        calls = await asyncio.gather(*(place(cluster, i) for i in range(6)))
        await until(cluster, calls, "answer")
        await redis.restart(down_for=1.0)
        tally = await judge(cluster, calls, deadline=40)
        refused = [status for call in calls for status in await refused_deliveries(cluster, call)]
    assert tally.failures == [], tally.failures
    assert 503 in refused, "no delivery met the outage: the test did not exercise it"
    assert all(status >= 500 for status in refused), refused  # never a 4xx for our own fault


async def test_acs_503_429_and_timeouts_on_answer_play_recognize_transfer(prefix: str) -> None:
    # No kills here: leases long enough that a handler slowed by the machine's load keeps its lease while it waits
    # out the faults (the emulator's clock runs at half time, so its callback retries span only 3.5 s).
    settings = CRASH_SAFE | {"ACS_TIMEOUT_SECONDS": "2", "EVENT_LEASE_SECONDS": "15", "CALL_LOCK_LEASE_SECONDS": "15"}
    # Two workers per instance: `uvicorn --workers N` shares the state in Redis as instances do.
    async with Cluster(
        instances=2, workers=2, flows=FLOWS, redis_url=REDIS_URL, prefix=prefix, settings=settings, time_scale=0.5
    ) as cluster:
        await prepare(cluster)
        await cluster.control.set_rest_fault("answer", status=429, times=1)  # → /Events 503 → Event Grid retries
        await cluster.control.set_rest_fault("play", status=503, times=4)  # outlasts the SDK's own 3 retries
        await cluster.control.set_rest_fault("recognize", status=429, times=1)
        await cluster.control.set_rest_fault("transfer", latency=6, times=1)  # 3 s: beyond the 2 s timeout
        calls = await asyncio.gather(*(place(cluster, i) for i in range(3)))
        tally = await judge(cluster, calls, deadline=60)
        faulted = await faulted_operations(cluster, calls)
    assert tally.failures == [], tally.failures
    assert {"answer", "play", "recognize"} <= faulted


async def test_sigterm_finishes_the_events_in_flight_then_exits(prefix: str) -> None:
    settings = CRASH_SAFE | {"SHUTDOWN_GRACE_SECONDS": "10"}
    async with Cluster(instances=2, flows=FLOWS, redis_url=REDIS_URL, prefix=prefix, settings=settings) as cluster:
        await prepare(cluster)
        await cluster.control.set_rest_fault("startRecording", latency=1.5)
        calls = await asyncio.gather(*(place(cluster, i) for i in range(4)))
        await until(cluster, calls, "play")
        process = cluster.instances[0].process
        assert process is not None
        started = asyncio.get_running_loop().time()
        await asyncio.to_thread(cluster.stop, 0, signal.SIGTERM)  # returns once the instance has exited
        stopped_after = asyncio.get_running_loop().time() - started
        tally = await judge(cluster, calls, deadline=40)
        repeated = [note for call in calls for note in await replays(cluster, call)]
    assert process.returncode is not None and stopped_after < 10
    assert tally.failures == [], tally.failures
    assert repeated == []  # nothing was cut short, so nothing had to run again
