"""Soak benchmark: many calls through real service processes behind HAProxy, with duplicates and crashes on.

``python -m benchmarks.soak [--calls 1000] [--rate 15] [--instances 3]`` runs the chaos flow
(``tests/cluster/chaos_flow.py``: answer, play, start recording, recognize, play, transfer) twice in one run and
prints one table, the two side by side:

- **memory**: one instance with the memory store (its baseline; no kills, since memory dies with the process);
- **redis**: ``--instances`` instances with the Redis store, a private ``redis-server`` (AOF, ``--fsync everysec``
  by default, as docs/reliability.md recommends for production; ``always`` waits for the disk on every write),
  one instance SIGKILLed every ``--kill-every`` seconds and restarted a second later.

Both runs duplicate every callback once. Per call it judges lost / duplicate actions / stuck from the emulator's
timeline, exactly as the chaos tests do. Redis round trips per event = requests the private Redis executed for
the app (``INFO commandstats``: script calls, store operations and callback-token bindings, each one round trip,
and journal reads; the health checks' PINGs are not counted) / event deliveries the service accepted, duplicates
included. IncomingCall→answer is measured in the emulator's clock, from the call ringing (IncomingCall published)
to the executed answer. The journal window (emulator received a play/recognize → its journal write landed in
Redis) and the mean latency of each store operation are measured as :mod:`benchmarks.probes` describes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from app.testing.audit import Tally, audit_call
from app.testing.cluster import Cluster, PrivateRedis
from benchmarks.probes import JournalWatcher, StoreLatency
from tests.cluster.calls import CRASH_SAFE, EXPECTED, FLOWS, PLACING_AT_ONCE, place, prepare

SETTINGS = CRASH_SAFE | {"ACS_TIMEOUT_SECONDS": "5", "LOG_LEVEL": "ERROR"}
# Every request the app sends Redis on an event's path is one script call (store operations, callback-token
# bindings), or HGETALL (a re-run reads its journal). commandstats also counts, under their own names, the commands
# a script runs inside Redis, so those names are left out.
_STORE_COMMANDS = ("evalsha", "eval", "hgetall")


@dataclass
class Row:
    name: str
    instances: int
    tally: Tally
    seconds: float
    events: int
    answer_ms: list[float]
    kills: int = 0
    round_trips: int | None = None
    journal_ms: list[float] = field(default_factory=list)
    journal_sent_ms: list[float] = field(default_factory=list)
    store_ms: dict[str, float] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def events_per_second_per_instance(self) -> float:
        return self.events / self.seconds / self.instances


async def run(
    name: str,
    *,
    backend: str,
    instances: int,
    calls: int,
    rate: float,
    kill_every: float | None,
    fsync: str = "everysec",
) -> Row:
    async with _redis(backend, fsync) as redis, Cluster(
        instances=instances, flows=FLOWS, redis_url=redis.url if redis else "redis://127.0.0.1:1/0",
        backend=backend, settings=SETTINGS,
    ) as cluster:  # fmt: skip
        await prepare(cluster)
        await cluster.control.set_callback_fault("*", duplicate=1)
        before = await _store_commands(redis.url) if redis else 0
        watcher = JournalWatcher(redis.url, cluster.prefix) if redis else None
        if watcher is not None:
            watcher.start()
        started = time.monotonic()
        placed: list[str] = []
        placing = asyncio.create_task(_place_all(cluster, calls, rate, placed))
        latency = StoreLatency()
        killer = asyncio.create_task(_kill_loop(cluster, kill_every, latency)) if kill_every else None
        try:
            await placing
            tally, last_end = await _judge(cluster, placed, deadline=180)
        finally:
            kills = 0
            if killer is not None:
                killer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    kills = await killer
                for instance in cluster.instances:  # a kill may have been cut short: every instance back up
                    if not instance.alive:
                        await cluster.start(instance.index)
        seconds = (last_end or time.monotonic()) - started
        timeline = cluster.emulator.app.state.world.timeline
        events, answer_ms, refused = _events_and_answer_latency(timeline, placed)
        after = await _store_commands(redis.url) if redis else 0
        journal_ms: list[float] = []
        journal_sent_ms: list[float] = []
        if watcher is not None:
            watcher.stop()
            journal_ms = watcher.windows(timeline, placed)
            journal_sent_ms = watcher.from_send()
            watcher.close()
        await latency.scrape([i.url for i in cluster.instances if i.alive])
        store_ms = latency.means()
        return Row(
            name, instances, tally, seconds, events, answer_ms, kills=kills,
            round_trips=(after - before) if redis else None, journal_ms=journal_ms, store_ms=store_ms,
            journal_sent_ms=journal_sent_ms,
            refused=refused,
        )  # fmt: skip


@contextlib.asynccontextmanager
async def _redis(backend: str, fsync: str) -> AsyncIterator[PrivateRedis | None]:
    if backend != "redis":
        yield None
        return
    async with PrivateRedis(fsync=fsync) as redis:
        yield redis


async def _place_all(cluster: Cluster, calls: int, rate: float, placed: list[str]) -> None:
    start = time.monotonic()
    tasks = []
    gate = asyncio.Semaphore(PLACING_AT_ONCE)
    for index in range(calls):
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(place(cluster, index, gate=gate)))
    placed.extend(await asyncio.gather(*tasks))


async def _kill_loop(cluster: Cluster, every: float, latency: StoreLatency) -> int:
    kills = 0
    try:
        while True:
            await asyncio.sleep(every)
            victim = random.randrange(len(cluster.instances))
            await latency.scrape([cluster.instances[victim].url])  # its figures die with it
            await asyncio.to_thread(cluster.kill, victim)
            kills += 1
            await asyncio.sleep(1.0)
            await cluster.start(victim)
    except asyncio.CancelledError:
        return kills


async def _judge(cluster: Cluster, calls: Sequence[str], *, deadline: float) -> tuple[Tally, float | None]:
    timeline = cluster.emulator.app.state.world.timeline
    give_up = time.monotonic() + deadline
    pending = set(calls)
    last_end: float | None = None
    while pending and time.monotonic() < give_up:
        for server_call_id in list(pending):
            if any(e.kind == "note" and e.name == "call ended" for e in timeline.for_call(server_call_id)):
                pending.discard(server_call_id)
                last_end = time.monotonic()
        if pending:
            await asyncio.sleep(0.5)
    tally = Tally()
    for server_call_id in calls:
        tally.add(audit_call(server_call_id, timeline.for_call(server_call_id), expected=EXPECTED, done="transfer"))
    return tally, last_end


def _events_and_answer_latency(timeline: Any, calls: Sequence[str]) -> tuple[int, list[float], Counter[str]]:
    events = 0
    latencies: list[float] = []
    refused: Counter[str] = Counter()
    for server_call_id in calls:
        entries = timeline.for_call(server_call_id)
        deliveries = [e for e in entries if e.kind in ("callback", "incoming_call") and "status" in e.detail]
        accepted = [e for e in deliveries if e.detail["status"] == 200]
        refused.update(f"{e.kind} {e.detail['status'] or 'no answer'}" for e in deliveries if e.detail["status"] != 200)
        events += len(accepted)
        incoming = next((e.at for e in entries if e.kind == "note" and e.name == "IncomingCall"), None)
        answer = next((e.at for e in entries if e.kind == "request" and e.name == "answer"), None)
        if incoming is not None and answer is not None:
            latencies.append((answer - incoming) * 1000)
    return events, latencies, refused


async def _store_commands(url: str) -> int:
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    counts = {name: int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in _STORE_COMMANDS}
    return sum(counts.values())


def _percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def print_table(rows: Sequence[Row]) -> None:
    metrics: list[tuple[str, Any]] = [
        ("instances", lambda r: r.instances),
        ("calls", lambda r: r.tally.calls),
        ("instance kills (SIGKILL)", lambda r: r.kills),
        ("lost", lambda r: r.tally.lost),
        ("duplicate actions", lambda r: r.tally.duplicate_actions),
        ("  by action", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.tally.duplicates.items())) or "-"),
        ("stuck", lambda r: r.tally.stuck),
        ("IncomingCall→answer p50 ms", lambda r: f"{_percentile(r.answer_ms, 0.5):.0f}"),
        ("IncomingCall→answer p99 ms", lambda r: f"{_percentile(r.answer_ms, 0.99):.0f}"),
        ("events accepted", lambda r: r.events),
        ("events/s per instance", lambda r: f"{r.events_per_second_per_instance:.1f}"),
        ("Redis round trips per event", lambda r: "-" if r.round_trips is None else f"{r.round_trips / r.events:.2f}"),
        ("journal window p50 / p99 / max ms", lambda r: _spread(r.journal_ms)),
        ("  from the request sent", lambda r: _spread(r.journal_sent_ms)),
        *((f"store {op} mean ms", _store_op(op)) for op in ("claim_and_lock", "commit", "journal_record", "renew")),
        ("wall time s", lambda r: f"{r.seconds:.0f}"),
    ]
    width = max(len(label) for label, _ in metrics)
    print(f"{'':{width}}  " + "  ".join(f"{row.name:>16}" for row in rows))
    for label, value in metrics:
        print(f"{label:{width}}  " + "  ".join(f"{value(row)!s:>16}" for row in rows))
    if len(rows) == 2:
        ratio = _percentile(rows[-1].answer_ms, 0.5) / _percentile(rows[0].answer_ms, 0.5)
        print(f"\nanswer latency p50, redis/memory: {ratio:.2f}x")
    for row in rows:
        print(f"deliveries not accepted ({row.name}):", dict(row.refused) or "none")
    failures = [audit for row in rows for audit in row.tally.failures][:5]
    for audit in failures:
        print("failed:", audit.server_call_id[-12:], dict(audit.executed), dict(audit.duplicates))


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{_percentile(values, 0.5):.1f} / {_percentile(values, 0.99):.1f} / {max(values):.0f}"


def _store_op(operation: str) -> Any:
    def value(row: Row) -> str:
        found = row.store_ms.get(operation)
        return "-" if found is None else f"{found:.2f}"

    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=15.0, help="new calls per second")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--kill-every", type=float, default=10.0, help="seconds between SIGKILLs (redis run)")
    parser.add_argument(
        "--backends", type=lambda text: text.split(","), default=["memory", "redis"], help="memory,redis"
    )
    parser.add_argument("--fsync", choices=["always", "everysec"], default="everysec", help="the Redis AOF policy")
    args = parser.parse_args(argv)

    async def both() -> list[Row]:
        rows = []
        if "memory" in args.backends:
            rows.append(
                await run("memory", backend="memory", instances=1, calls=args.calls, rate=args.rate, kill_every=None)
            )
        if "redis" in args.backends:
            rows.append(
                await run(
                    "redis",
                    backend="redis",
                    instances=args.instances,
                    calls=args.calls,
                    rate=args.rate,
                    kill_every=args.kill_every,
                    fsync=args.fsync,
                )  # fmt: skip
            )
        return rows

    rows = asyncio.run(both())
    print_table(rows)
    bad = sum(row.tally.lost + row.tally.stuck + row.tally.duplicate_actions for row in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
