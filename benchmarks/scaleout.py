"""Throughput at saturation: 3 instances on Redis against 1 instance on the memory store, and where the limit is.

``python -m benchmarks scaleout`` (or ``python -m benchmarks.scaleout [--rates 10,20,40] [--seconds 20]``) runs the
chaos flow (``tests/cluster/chaos_flow.py``, ~21 events a call) through the cluster harness (HAProxy, real service
processes, the emulator in this process), for each configuration and each offered rate of new calls, and reads:

- **events/s**: event deliveries the service accepted (2xx) per second of the window, from the emulator's timeline
  (no duplicates, no kills: capacity, not resilience; the soak covers those);
- **answer p50**: IncomingCall published → answer executed, for the calls placed in the window (queueing shows
  here first when the service is saturated);
- **placed/s**: calls that rang within the window, per second (below the offered rate when placing them is slow:
  the load generator keeps at most ``PLACING_AT_ONCE`` placements waiting);
- **unplaced**: calls the load generator could not place (the emulator's control API not answering within five
  attempts): past this, the emulator and load generator, one process, are the limit;
- **CPU %** of each process over the window (user + system, from ``/proc``; 100 % = one core, the machine has
  two): this process (the emulator and the load generator), the instances (summed), HAProxy and redis-server; and
  the whole machine's (``/proc/stat``: every process and the kernel, loopback networking included).

The offered rate at which events/s stops growing is the saturation point; the process at ~100 % there (a single
asyncio process cannot use more than one core) is the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.testing.cluster import Cluster, PrivateRedis
from tests.cluster.calls import CRASH_SAFE, FLOWS, PLACING_AT_ONCE, place, prepare

SETTINGS = CRASH_SAFE | {"ACS_TIMEOUT_SECONDS": "5", "LOG_LEVEL": "ERROR"}
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    config: str
    offered_calls_per_s: float
    events_per_s: float
    answer_p50_ms: float
    cpu: dict[str, float] = field(default_factory=dict)
    unplaced: int = 0
    placed_per_s: float = 0.0


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
    found = {name: sum(_cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}
    found["machine"] = _machine_busy_seconds()
    return found


def _machine_busy_seconds() -> float:
    """CPU time the whole machine spent not idle (every core, every process, the kernel's network work too)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / _TICKS


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
    gate = asyncio.Semaphore(PLACING_AT_ONCE)
    for index in range(calls):
        delay = wall + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        placed.append(asyncio.create_task(place(cluster, first + index, gate=gate)))
    await asyncio.sleep(max(0.0, wall + seconds - time.monotonic()))
    after, elapsed = _sample(groups), time.monotonic() - wall
    window_end = window_start + elapsed
    outcomes = await asyncio.gather(*placed, return_exceptions=True)
    server_calls = [outcome for outcome in outcomes if isinstance(outcome, str)]
    accepted = 0
    for entries in timeline._by_call.values():
        for entry in entries:
            if entry.kind in ("callback", "incoming_call") and window_start <= entry.at < window_end:
                status = entry.detail.get("status")
                accepted += isinstance(status, int) and 200 <= status < 300
    answers = []
    rang = 0
    for server_call_id in server_calls:
        entries = timeline.for_call(server_call_id)
        incoming = next((e.at for e in entries if e.kind == "note" and e.name == "IncomingCall"), None)
        rang += incoming is not None and window_start <= incoming < window_end
        answer = next((e.at for e in entries if e.kind == "request" and e.name == "answer"), None)
        if incoming is not None and answer is not None:
            answers.append((answer - incoming) * 1000)
    answers.sort()
    p50 = answers[len(answers) // 2] if answers else float("nan")
    cpu = {name: 100 * (after[name] - before[name]) / elapsed for name in before}
    unplaced = len(outcomes) - len(server_calls)
    return Step(config, rate, accepted / elapsed, p50, cpu, unplaced=unplaced, placed_per_s=rang / elapsed)


_CONFIGS = {"memory": 1, "redis": 0}  # instances per backend (0: the --instances asked for)


async def _run_config(backend: str, rates: Sequence[float], seconds: float, instances: int) -> list[Step]:
    steps: list[Step] = []
    config = f"{backend} ×{instances}"
    first = 0
    async with _stack(backend, instances) as (cluster, redis):
        for rate in rates:
            done = await _step(cluster, redis, config, rate, seconds, first)
            steps.append(done)
            print(f"{config} {rate:g} calls/s: {done.placed_per_s:.0f} placed/s, {done.events_per_s:.0f} events/s")
            first += int(rate * seconds)
            await asyncio.sleep(8)  # the calls of this step end before the next step's window opens
    return steps


def _run(rates: Sequence[float], seconds: float, instances: int) -> list[Step]:
    """Each configuration in a process of its own, so each has a fresh emulator and load generator: run in one
    process, the second configuration's emulator paid for the first one's heap (about 13 % more CPU per event)."""
    steps: list[Step] = []
    with tempfile.TemporaryDirectory() as directory:
        for backend, count in _CONFIGS.items():
            output = Path(directory) / f"{backend}.json"
            command = [sys.executable, "-m", "benchmarks.scaleout", "--only", backend, "--json", str(output)]
            command += ["--rates", ",".join(f"{rate:g}" for rate in rates), "--seconds", f"{seconds:g}"]
            command += ["--instances", str(count or instances)]
            subprocess.run(command, check=True, stdout=sys.stderr)
            steps += [Step(**fields) for fields in json.loads(output.read_text())]
    return steps


def print_table(steps: Sequence[Step]) -> None:
    names = sorted({name for step in steps for name in step.cpu}, key=lambda n: list(steps[-1].cpu).index(n))
    header = f"{'config':<10} {'calls/s':>7} {'placed/s':>8} {'unplaced':>8} {'events/s':>9} {'answer p50 ms':>13}  "
    header += "  ".join(f"{name + ' CPU %':>18}" for name in names)
    print(header)
    for step in steps:
        cpus = "  ".join(f"{step.cpu[name]:>18.0f}" if name in step.cpu else f"{'-':>18}" for name in names)
        line = f"{step.config:<10} {step.offered_calls_per_s:>7.0f} {step.placed_per_s:>8.0f} {step.unplaced:>8}"
        line += f" {step.events_per_s:>9.0f}"
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
    steps = _run(rates, 10.0 if quick else 20.0, 3)
    print_table(steps)
    if json_path:
        _save(steps, json_path)
    return steps


def _save(steps: Sequence[Step], path: str) -> None:
    Path(path).write_text(json.dumps([asdict(step) for step in steps], indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--rates", type=lambda text: [float(x) for x in text.split(",")], default=[10, 20, 30, 40])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument(
        "--only", choices=sorted(_CONFIGS), help="run one configuration here (what each run's child does)"
    )
    parser.add_argument("--json", help="also write the steps to this file")
    args = parser.parse_args(argv)
    if args.only:
        steps = asyncio.run(_run_config(args.only, args.rates, args.seconds, args.instances))
    else:
        steps = _run(args.rates, args.seconds, args.instances)
        print_table(steps)
    if args.json:
        _save(steps, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
