"""Driving chaos-flow calls through a cluster and judging each one from the emulator's timeline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx

from app.testing.audit import CallAudit, Tally, audit_call
from app.testing.cluster import Cluster
from tests.cluster import chaos_flow

FLOWS = ["tests.cluster.chaos_flow"]
# Short leases, so a killed instance's events are taken over inside the emulator's callback retries (1, 2, 4 s).
CRASH_SAFE = {
    "EVENT_LEASE_SECONDS": "2",
    "CALL_LOCK_LEASE_SECONDS": "2",
    "CALL_LOCK_WAIT_SECONDS": "5",
    "ACS_TIMEOUT_SECONDS": "3",
}
EXPECTED = {"answer": 1, "play": 2, "startRecording": 1, "recognize": 1, "transfer": 1}
CALLER = "+1555123{:04d}"


async def prepare(cluster: Cluster) -> None:
    """The agent the flow transfers to answers, then hangs up a moment later, so every call ends."""
    await cluster.control.set_behaviour(f"4:{chaos_flow.AGENT}", answerAfter=0.2, hangUpAfter=0.5)


# Placements waiting on the emulator's control API at once, for load generators: the control client's connection
# pool (httpcore) scans every queued request against every connection on each request, so an unbounded queue of
# placements would cost the emulator's own process (the load generator shares it) seconds of event loop.
PLACING_AT_ONCE = 16  # within the control client's 20 kept-alive connections


async def place(cluster: Cluster, index: int, *, gate: asyncio.Semaphore | None = None) -> str:
    """One caller dials the chaos number and presses 7 when asked (``gate``: a bound on placements at once)."""
    if gate is not None:
        async with gate:
            return await place(cluster, index)
    behaviour = {"dtmf": [{"after": 0.3, "tones": "7"}], "answerAfter": 0}
    for attempt in range(5):
        try:
            placed = await cluster.control.place_call(CALLER.format(index), chaos_flow.NUMBER, behaviour=behaviour)
            return str(placed.server_call_id)
        except (
            httpx.ConnectError,
            httpx.ConnectTimeout,
            httpx.PoolTimeout,
        ):  # never reached the emulator: safe to ask again
            if attempt == 4:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def judge(cluster: Cluster, calls: Sequence[str], *, deadline: float) -> Tally:
    """Wait (up to ``deadline`` seconds from now) for every call to end, then audit each one."""
    give_up = time.monotonic() + deadline
    pending = set(calls)
    audits: dict[str, CallAudit] = {}
    while pending and time.monotonic() < give_up:
        for server_call_id in list(pending):
            audit = audit_call(
                server_call_id, await cluster.control.timeline(server_call_id), expected=EXPECTED, done="transfer"
            )
            audits[server_call_id] = audit
            if audit.ended:
                pending.discard(server_call_id)
        if pending:
            await asyncio.sleep(0.2)
    tally = Tally()
    for server_call_id in calls:
        tally.add(audits[server_call_id])
    return tally


async def executed(cluster: Cluster, server_call_id: str, operation: str) -> int:
    """How many times ACS (the emulator) executed ``operation`` for the call so far."""
    entries = await cluster.control.timeline(server_call_id)
    return audit_call(server_call_id, entries, expected={}, done=operation).executed.get(operation, 0)


async def replays(cluster: Cluster, server_call_id: str) -> list[str]:
    """Requests the emulator answered from its repeatability cache instead of executing them again."""
    entries = await cluster.control.timeline(server_call_id)
    return [entry.name for entry in entries if entry.kind == "note" and "repeated request id" in entry.name]


async def refused_deliveries(cluster: Cluster, server_call_id: str) -> list[int]:
    """Statuses of the call's callback deliveries the app did not accept (2xx)."""
    entries = await cluster.control.timeline(server_call_id)
    statuses = [entry.detail.get("status") for entry in entries if entry.kind == "callback"]
    return [status for status in statuses if isinstance(status, int) and status >= 300]


async def faulted_operations(cluster: Cluster, calls: Sequence[str]) -> set[str]:
    """The operations an injected REST fault hit. A faulted answer belongs to no call yet, so the emulator's own
    timeline (it runs in this process) is read for requests filed under no call."""
    timeline = cluster.emulator.app.state.world.timeline
    entries = list(timeline.for_call("-"))
    for server_call_id in calls:
        entries += await cluster.control.timeline(server_call_id)
    return {entry.name for entry in entries if entry.kind == "request" and entry.detail.get("fault")}
