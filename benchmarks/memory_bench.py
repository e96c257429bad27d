"""Memory per call, end to end: the front desk's process RSS with N calls held active, and what N ended calls leave.

App and emulator run in separate processes (the ``ramp`` stack). The emulator runs at ``--time-scale 10``: the
menu prompt (95 characters, 6.7 simulated s) and the 8 s initial-silence timeout of the front desk's recognize
take 147 real seconds, and the callers press nothing, so every call is connected with its menu recognize pending
while it is measured (each round checks that on the emulator). Then the emulator ends every call for everyone
(``DELETE /simulator/calls/{id}``), the app gets ``CallDisconnected``, and the run waits past the app's dedup
window, shortened to 5 s (``CALLWRIGHT_DEDUP_TTL_SECONDS``).

Three rounds: round 1 sizes the tables (dicts keep the capacity of their busiest moment, the allocator keeps its
arenas), as the memory store's unit test does; rounds 2 and 3 must leave nothing more behind.

- **active KB/call**: (RSS with round 1's N calls active − RSS settled before it) / N.
- **ended KB/call rN**: (RSS after round N's window − RSS after round N-1's window) / N.

RSS is VmRSS from ``/proc/PID/status``, taken as it is once the process has settled: the app offers no honest way
to run its garbage collector from outside, and pymalloc keeps freed arenas mapped, so RSS only rises to the peak:
later rounds reuse what earlier ones freed, and ended calls show as growth only beyond that peak. The callback
tokens' replay bindings (``app/auth/replay.py``) are kept for the token's lifetime, 5 minutes + the JWT leeway,
longer than a round; they are in the ended figures here. The ``in-process`` row measures the same flow with
tracemalloc, ended calls after every window has passed (:mod:`benchmarks.memory_inprocess`). The bare baseline
keeps a dict entry per call while it is up, nothing after.

    python -m benchmarks memory [--quick]
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from benchmarks import wire
from benchmarks.loadgen import loopback_only
from benchmarks.memory_inprocess import InProcess, measure_in_process
from benchmarks.processes import Server
from benchmarks.ramp_bench import stack
from benchmarks.stats import print_table

TIME_SCALE = 10.0
DEDUP_TTL_SECONDS = 5.0
SETTLE_SECONDS = 3.0
PLACE_RATE = 100.0  # new calls per second: well under the ramp's saturation, so every call is answered
WARM_UP_CALLS = 20
ROUNDS = 3  # the brief's two, and a third: does the RSS growth of round 2 stop, or go on?
ESTABLISH_SECONDS = 60.0


@dataclass(frozen=True)
class Run:
    app: str
    calls: int
    rss_start_kb: int
    rss_active_kb: tuple[int, ...]  # with each round's calls active
    rss_ended_kb: tuple[int, ...]  # after each round's window
    active_checked: tuple[int, ...]  # calls connected with the menu recognize pending, per round

    @property
    def active_kb_per_call(self) -> float:
        """Round 1's, from the settled start. Later rounds start from the peak RSS of the one before (freed memory
        stays mapped), so their growth says how much of it was reused, not what a call holds."""
        return (self.rss_active_kb[0] - self.rss_start_kb) / self.calls

    def ended_kb_per_call(self, round_: int = 2) -> float:
        """(RSS after round ``round_``'s window − after the round before's) / N."""
        return (self.rss_ended_kb[round_ - 1] - self.rss_ended_kb[round_ - 2]) / self.calls


def rss_kb(server: Server) -> int:
    """VmRSS of the server's process, in KB."""
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc status")


async def _place(http: httpx.AsyncClient, base: str, count: int, first: int) -> list[str]:
    """``count`` callers dial the front desk, PLACE_RATE a second; the server call ids of those placed."""

    async def place(index: int) -> str | None:
        body = {"from": f"+1555{first + index:07d}", "to": wire.FRONT_DESK}
        reply = await http.post(f"{base}/simulator/calls", json=body)
        return str(reply.json()["serverCallId"]) if reply.status_code == 201 else None

    tasks = []
    for index in range(count):
        tasks.append(asyncio.create_task(place(index)))
        await asyncio.sleep(1 / PLACE_RATE)
    return [call for call in await asyncio.gather(*tasks) if call]


async def _active(http: httpx.AsyncClient, base: str, calls: list[str]) -> int:
    """How many of ``calls`` are established with a recognize asked for and no recognize outcome yet."""
    semaphore = asyncio.Semaphore(16)

    async def check(call: str) -> bool:
        async with semaphore:
            data = (await http.get(f"{base}/simulator/calls/{call}")).json()
        entries = [(entry["kind"], entry["name"]) for entry in data.get("timeline", [])]
        asked = ("request", "recognize") in entries
        outcomes = ("RecognizeFailed", "RecognizeCompleted", "CallDisconnected")
        ended = any(kind == "callback" and name.endswith(outcomes) for kind, name in entries)
        return data.get("state") == "established" and asked and not ended

    return sum(await asyncio.gather(*(check(call) for call in calls)))


async def _wait_established(http: httpx.AsyncClient, base: str, count: int) -> None:
    deadline = time.monotonic() + ESTABLISH_SECONDS
    while time.monotonic() < deadline:
        states = Counter(call["state"] for call in (await http.get(f"{base}/simulator/calls")).json()["calls"])
        if states.get("established", 0) >= count:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"fewer than {count} calls established within {ESTABLISH_SECONDS:.0f} s: {dict(states)}")


async def _end(http: httpx.AsyncClient, base: str, calls: list[str]) -> None:
    semaphore = asyncio.Semaphore(16)

    async def end(call: str) -> None:
        async with semaphore:
            await http.request("DELETE", f"{base}/simulator/calls/{call}", json={"reason": "benchmark"})

    await asyncio.gather(*(end(call) for call in calls))


async def _measure(app: str, calls: int) -> Run:
    app_env = {"CALLWRIGHT_DEDUP_TTL_SECONDS": str(DEDUP_TTL_SECONDS), "CALLWRIGHT_LOG_LEVEL": "WARNING"}
    with stack(app, emulator_options=["--time-scale", str(TIME_SCALE)], app_env=app_env) as (emulator, served):
        base = loopback_only(emulator.base_url)
        async with httpx.AsyncClient(timeout=30.0, limits=httpx.Limits(max_connections=32)) as http:

            async def one_round(first: int) -> tuple[int, int, int]:
                placed = await _place(http, base, calls, first)
                await _wait_established(http, base, len(placed))
                await asyncio.sleep(SETTLE_SECONDS)
                active = rss_kb(served)
                checked = await _active(http, base, placed)
                await _end(http, base, placed)
                await asyncio.sleep(DEDUP_TTL_SECONDS + SETTLE_SECONDS)
                return active, rss_kb(served), checked

            warm = await _place(http, base, WARM_UP_CALLS, 9_000_000)  # keys fetched, pools open, code paths run
            await _wait_established(http, base, len(warm))
            await _end(http, base, warm)
            await asyncio.sleep(DEDUP_TTL_SECONDS + SETTLE_SECONDS)
            start = rss_kb(served)
            rounds = [await one_round(index * calls) for index in range(ROUNDS)]
    active, ended, checked = (tuple(figures) for figures in zip(*rounds, strict=True))
    return Run(app, calls, start, active, ended, checked)


def run_benchmark(quick: bool = False, json_path: str | None = None) -> tuple[list[Run], InProcess]:
    calls = 100 if quick else 500
    runs = [asyncio.run(_measure("callwright", calls)), asyncio.run(_measure("bare", calls))]
    inprocess = measure_in_process(calls)
    callwright, bare = runs
    rows = [
        [
            r.app,
            str(r.calls),
            "/".join(map(str, r.active_checked)),
            f"{r.rss_start_kb / 1024:.1f}",
            f"{max(r.rss_active_kb + r.rss_ended_kb) / 1024:.1f}",
            f"{r.active_kb_per_call:.1f}",
            f"{r.ended_kb_per_call(2):.2f}",
            f"{r.ended_kb_per_call(3):.2f}",
        ]
        for r in runs
    ]
    rows.append(
        [
            "callwright in-process",
            str(inprocess.calls),
            f"{inprocess.active}/{inprocess.calls}",
            "-",
            "-",
            f"{inprocess.active_kb_per_call:.1f}",
            f"{inprocess.ended_kb_per_call:.2f}",
            "-",
        ]
    )
    ratio = callwright.active_kb_per_call / bare.active_kb_per_call if bare.active_kb_per_call > 0 else float("nan")
    notes = [
        f"RSS rows: VmRSS of the app process, emulator at --time-scale {TIME_SCALE:g}, dedup window "
        f"{DEDUP_TTL_SECONDS:g} s. active = (RSS with round 1's N calls active − settled start) / N; ended rN = "
        "(RSS after round N's window − after round N-1's) / N, token bindings (kept 6 min) included.",
        "in-process row: tracemalloc of the same flow through the real dispatcher and endpoint (FakeAcs), every "
        "window (dedup, token bindings) passed before the ended figure.",
        f"active KB/call, callwright / bare: {ratio:.1f}x; bare keeps one dict entry per call and nothing once it "
        "ended: its ended figures are the allocator's own growth per round, the floor RSS can resolve here",
        "Goal: <= 20 KB per active call, <= 0.2 KB per ended call once the dedup window has passed.",
    ]
    print_table(
        f"Memory per call, front desk held at its menu, {calls} calls per round",
        ["app", "calls", "active ✓", "RSS start MB", "RSS peak MB", "active KB/call", "ended KB/call r2", "r3"],
        rows,
        notes,
    )
    if json_path:
        figures = [asdict(r) for r in runs] + [asdict(inprocess)]
        Path(json_path).write_text(json.dumps(figures))
    return runs, inprocess
