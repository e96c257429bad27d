"""Throughput at saturation: 3 instances on Redis against 1 instance on the memory store, and where the limit is.

``python -m benchmarks scaleout`` (or ``python -m benchmarks.scaleout [--rates 10,20,40] [--seconds 20]``) runs the
chaos flow (``tests/cluster/chaos_flow.py``, ~21 events a call) through the cluster harness (HAProxy, real service
processes, the emulator in this process), for each configuration and each offered rate of new calls, and reads:

- **events/s**: event deliveries the service accepted (2xx) per second of the window, from the emulator's timeline
  (no duplicates, no kills: capacity, not resilience; the soak covers those);
- **answer p50**: IncomingCall published → answer executed, for the calls placed in the window (queueing shows
  here first when the service is saturated);
- **CPU %** of each process over the window (user + system, from ``/proc``; 100 % = one core, the machine has
  two): this process (the emulator and the load generator), the instances (summed), HAProxy and redis-server.

The offered rate at which events/s stops growing is the saturation point; the process at ~100 % there (a single
asyncio process cannot use more than one core) is the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.testing.cluster import Cluster, PrivateRedis
from tests.cluster.calls import CRASH_SAFE, FLOWS, place, prepare

SETTINGS = CRASH_SAFE | {"ACS_TIMEOUT_SECONDS": "5", "LOG_LEVEL": "ERROR"}
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    config: str
    offered_calls_per_s: float
    events_per_s: float
    answer_p50_ms: float
    cpu: dict[str, float] = field(default_factory=dict)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _processes(cluster: Cluster, redis: PrivateRedis | None) -> dict[str, list[int]]:
    found = {
        "emulator+load": [os.getpid()],
        "instances": [i.process.pid for i in cluster.instances if i.process is not None],
        "haproxy": [cluster._proxy.pid] if cluster._proxy is not None else [],
    }
    if redis is not None and redis.process is not None:
        found["redis-server"] = [redis.process.pid]
    return found


def _sample(groups: dict[str, list[int]]) -> dict[str, float]:
    return {name: sum(_cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}


@contextlib.asynccontextmanager
async def _stack(backend: str, instances: int) -> AsyncIterator[tuple[Cluster, PrivateRedis | None]]:
    async with contextlib.AsyncExitStack() as stack:
        redis = await stack.enter_async_context(PrivateRedis(fsync="everysec")) if backend == "redis" else None
        url = redis.url if redis is not None else "redis://127.0.0.1:1/0"
        cluster = await stack.enter_async_context(
            Cluster(instances=instances, flows=FLOWS, redis_url=url, backend=backend, settings=SETTINGS)
        )
        await prepare(cluster)
        yield cluster, redis


async def _step(
    cluster: Cluster, redis: PrivateRedis | None, config: str, rate: float, seconds: float, first: int
) -> Step:
    timeline = cluster.emulator.app.state.world.timeline
    groups = _processes(cluster, redis)
    before, wall = _sample(groups), time.monotonic()
    window_start = wall - timeline._start
    placed: list[asyncio.Task[str]] = []
    calls = int(rate * seconds)
    for index in range(calls):
        delay = wall + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        placed.append(asyncio.create_task(place(cluster, first + index)))
    await asyncio.sleep(max(0.0, wall + seconds - time.monotonic()))
    after, elapsed = _sample(groups), time.monotonic() - wall
    window_end = window_start + elapsed
    server_calls = await asyncio.gather(*placed)
    accepted = 0
    for entries in timeline._by_call.values():
        for entry in entries:
            if entry.kind in ("callback", "incoming_call") and window_start <= entry.at < window_end:
                status = entry.detail.get("status")
                accepted += isinstance(status, int) and 200 <= status < 300
    answers = []
    for server_call_id in server_calls:
        entries = timeline.for_call(server_call_id)
        incoming = next((e.at for e in entries if e.kind == "note" and e.name == "IncomingCall"), None)
        answer = next((e.at for e in entries if e.kind == "request" and e.name == "answer"), None)
        if incoming is not None and answer is not None:
            answers.append((answer - incoming) * 1000)
    answers.sort()
    p50 = answers[len(answers) // 2] if answers else float("nan")
    cpu = {name: 100 * (after[name] - before[name]) / elapsed for name in groups}
    return Step(config, rate, accepted / elapsed, p50, cpu)


async def _run(rates: Sequence[float], seconds: float, instances: int) -> list[Step]:
    steps: list[Step] = []
    first = 0
    for config, backend, count in (("memory ×1", "memory", 1), (f"redis ×{instances}", "redis", instances)):
        async with _stack(backend, count) as (cluster, redis):
            for rate in rates:
                steps.append(await _step(cluster, redis, config, rate, seconds, first))
                first += int(rate * seconds)
                await asyncio.sleep(8)  # the calls of this step end before the next step's window opens
    return steps


def print_table(steps: Sequence[Step]) -> None:
    names = sorted({name for step in steps for name in step.cpu}, key=lambda n: list(steps[-1].cpu).index(n))
    header = f"{'config':<10} {'calls/s':>7} {'events/s':>9} {'answer p50 ms':>13}  " + "  ".join(
        f"{name + ' CPU %':>18}" for name in names
    )
    print(header)
    for step in steps:
        cpus = "  ".join(f"{step.cpu[name]:>18.0f}" if name in step.cpu else f"{'-':>18}" for name in names)
        line = f"{step.config:<10} {step.offered_calls_per_s:>7.0f} {step.events_per_s:>9.0f}"
        print(f"{line} {step.answer_p50_ms:>13.0f}  {cpus}")
    best: dict[str, float] = {}
    for step in steps:
        best[step.config] = max(best.get(step.config, 0.0), step.events_per_s)
    print("\npeak events/s: " + ", ".join(f"{config} {value:.0f}" for config, value in best.items()))
    if len(best) == 2:
        memory, redis = best.values()
        print(f"redis / memory peak throughput: {redis / memory:.2f}x")


def run_benchmark(quick: bool = False, json_path: str | None = None) -> list[Step]:
    rates = [10.0, 20.0] if quick else [10.0, 20.0, 30.0, 40.0]
    steps = asyncio.run(_run(rates, 10.0 if quick else 20.0, 3))
    print_table(steps)
    if json_path:
        Path(json_path).write_text(json.dumps([asdict(step) for step in steps], indent=2))
    return steps


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rates", type=lambda text: [float(x) for x in text.split(",")], default=[10, 20, 30, 40])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--instances", type=int, default=3)
    args = parser.parse_args(argv)
    print_table(asyncio.run(_run(args.rates, args.seconds, args.instances)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
