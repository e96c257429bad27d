"""End to end: the front desk under a rising rate of new calls, app and emulator in separate processes.

The emulator places calls at a fixed rate per step (open loop: new callers do not wait for earlier ones); each
caller presses 1 at the menu and is transferred to the agent. Answer latency is the emulator's own clock from
publishing the IncomingCall to receiving the app's answer. The saturation point is the highest rate whose answer
p99 stays under 250 ms with every call answered. The bare baseline runs the same ramp against its own emulator.

    python -m benchmarks ramp [--quick]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import wire
from benchmarks.loadgen import loopback_only
from benchmarks.processes import Server, free_port, serve
from benchmarks.stats import percentile, print_table

P99_LIMIT_MS = 250.0
SAMPLE = 150  # calls per step whose timeline is read back


@dataclass(frozen=True)
class Step:
    app: str
    rate: float
    placed: int
    answered: int
    p50_ms: float
    p99_ms: float
    app_cpu_ms_per_call: float
    emulator_cpu_ms_per_call: float


@contextlib.contextmanager
def stack(
    app: str, *, emulator_options: Sequence[str] = (), app_env: Mapping[str, str] | None = None
) -> Iterator[tuple[Server, Server]]:
    """An emulator subscribed to the app, and the app (Callwright's front desk, or the bare baseline).

    ``emulator_options`` are more ``python -m simulator`` options (``--time-scale 10``); ``app_env`` more
    environment for the app (``CALLWRIGHT_DEDUP_TTL_SECONDS``).
    """
    emulator_port, app_port = free_port(), free_port()
    acs = f"http://127.0.0.1:{emulator_port}"
    emulator_cmd = wire.emulator_command(emulator_port, app_port, *emulator_options)
    if app == "callwright":
        command = wire.callwright_command(app_port)
        env = wire.callwright_env(acs, app_port, flows="flows.front_desk")
        ready = "/livez"
    else:
        command = ["-m", "benchmarks.serve_bare", "--port", str(app_port)]
        env = {
            "CALLWRIGHT_BENCH_ACS": acs,
            "CALLWRIGHT_BENCH_ISSUER": acs,
            "CALLWRIGHT_BENCH_CALLBACK": f"http://127.0.0.1:{app_port}/Events",
        }
        ready = "/Events"
    env.update(app_env or {})
    with (
        serve("emulator", emulator_cmd, emulator_port, ready_path="/calling/keys") as emulator,
        serve(app, command, app_port, env=env, ready_path=ready) as served,
    ):
        yield emulator, served


async def _place_calls(http: aiohttp.ClientSession, base: str, rate: float, seconds: float, first: int) -> list[str]:
    """Open loop: one new call every 1/rate s, whatever happened to the earlier ones; their server call ids."""
    behaviour = {"answerAfter": 0.5, "dtmf": [{"after": 0.5, "tones": "1"}]}

    async def place(index: int) -> str | None:
        body = {"from": f"+1555{first + index:07d}", "to": wire.FRONT_DESK, "behaviour": behaviour}
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with http.post(f"{base}/simulator/calls", json=body) as reply:
                if reply.status == 201:
                    return str((await reply.json())["serverCallId"])
        return None

    tasks = []
    started = time.perf_counter()
    for index in range(int(rate * seconds)):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(place(index)))
    return [call for call in await asyncio.gather(*tasks) if call]


async def _answer_latencies(http: aiohttp.ClientSession, base: str, calls: list[str]) -> tuple[list[float], int]:
    """Answer latencies (ms) of a sample of ``calls``, from the emulator's timeline; and how many were answered."""
    step = max(1, len(calls) // SAMPLE)
    sample = calls[::step]
    latencies = []
    for call in sample:
        async with http.get(f"{base}/simulator/calls/{call}") as reply:
            timeline: list[dict[str, Any]] = (await reply.json()).get("timeline", [])
        published = next((e["at"] for e in timeline if e["name"] == "IncomingCall"), None)
        answered = next((e["at"] for e in timeline if e["name"] == "answered by the app"), None)
        if published is not None and answered is not None:
            latencies.append((answered - published) * 1000)
    answered_share = len(latencies) / len(sample) if sample else 0.0
    return latencies, round(answered_share * len(calls))


async def _ramp(app: str, rates: list[float], seconds: float) -> list[Step]:
    steps: list[Step] = []
    with stack(app) as (emulator, served):
        base = loopback_only(emulator.base_url)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            await _place_calls(http, base, 5, 2, 9_000_000)  # warm-up: keys fetched, pools open
            await asyncio.sleep(2)
            placed_so_far = 0
            for rate in rates:
                app_cpu, emulator_cpu = served.cpu_seconds(), emulator.cpu_seconds()
                calls = await _place_calls(http, base, rate, seconds, placed_so_far)
                placed_so_far += int(rate * seconds)
                await asyncio.sleep(3.0)  # let this step's answers, menus and transfers finish
                app_used, emulator_used = served.cpu_seconds() - app_cpu, emulator.cpu_seconds() - emulator_cpu
                latencies, answered = await _answer_latencies(http, base, calls)
                placed = int(rate * seconds)
                steps.append(
                    Step(
                        app=app,
                        rate=rate,
                        placed=placed,
                        answered=answered,
                        p50_ms=percentile(latencies, 0.50),
                        p99_ms=percentile(latencies, 0.99),
                        app_cpu_ms_per_call=app_used / placed * 1000,
                        emulator_cpu_ms_per_call=emulator_used / placed * 1000,
                    )
                )
                if answered < 0.9 * placed or percentile(latencies, 0.99) > 4 * P99_LIMIT_MS:
                    break  # saturated well past the limit: higher rates only queue more
                await asyncio.sleep(2.0)
    return steps


def saturation(steps: list[Step]) -> float | None:
    """The highest rate at which every call was answered with answer p99 under the limit."""
    good = [s.rate for s in steps if s.answered >= s.placed and s.p99_ms <= P99_LIMIT_MS]
    return max(good) if good else None


def run_benchmark(quick: bool = False, json_path: str | None = None) -> list[Step]:
    rates = [25.0, 50.0, 100.0] if quick else [25.0, 50.0, 75.0, 100.0, 150.0, 200.0]
    seconds = 3.0 if quick else 6.0
    steps = asyncio.run(_ramp("callwright", rates, seconds)) + asyncio.run(_ramp("bare", rates, seconds))
    rows = [
        [
            s.app,
            f"{s.rate:.0f}",
            f"{s.answered}/{s.placed}",
            f"{s.p50_ms:.0f}",
            f"{s.p99_ms:.0f}",
            f"{s.app_cpu_ms_per_call:.1f}",
            f"{s.emulator_cpu_ms_per_call:.1f}",
        ]
        for s in steps
    ]
    notes = [
        f"{app}: saturation (answer p99 <= {P99_LIMIT_MS:.0f} ms, all answered) at "
        + (f"{rate:.0f} new calls/s" if (rate := saturation([s for s in steps if s.app == app])) else "none reached")
        for app in ("callwright", "bare")
    ]
    notes.append("Goal: >= 150 new calls/s on one instance before answer p99 passes 250 ms, <= 8 ms app CPU per call.")
    print_table(
        f"End to end, front desk (answer, menu, press 1, transfer), {seconds:.0f} s per step",
        ["app", "calls/s", "answered", "answer p50 ms", "answer p99 ms", "app CPU ms/call", "emulator CPU ms/call"],
        rows,
        notes,
    )
    if json_path:
        Path(json_path).write_text(json.dumps([asdict(s) for s in steps]))
    return steps
