"""Live media at scale: the emulator streams 20 ms audio frames to N concurrent calls at 1x real time, and the
service's ``/media`` endpoint hands each call's stream to a ``@router.media_stream()`` handler.

As in production, the emulator (``python -m simulator``) and the service (``callwright serve`` with the flow
:mod:`benchmarks.media_flow`) run in separate processes and talk over real loopback WebSockets; this process only
places the calls and reads the figures. Each side's CPU is its own process's user + system time from ``/proc``
over the measured window. The handlers' per-frame figures come back as one JSON file per stream, written when
the stream ends (see :mod:`benchmarks.media_flow`), and are cut to the same window (``time.monotonic()`` is the
machine-wide monotonic clock). The baseline is one call, in the same run against the same two processes.
Prints a table; never asserts; bounded in time.

    python -m benchmarks media [--quick]
    python -m benchmarks.media_bench [--calls 100] [--seconds 10] [--quick] [--json out.json]

Columns:
- frames/s: frames the handlers received per second, against the 50 per call expected;
- jitter p50/p99: how far the gap between two frames of one call strays from 20 ms, as the handler sees it;
- lag p99: from the frame's scheduled time (its ``timestamp``, the emulator's 20 ms grid) to the handler being done
  with it: the emulator falling behind, the socket, the queue and the handler together;
- handler p99: the handler's own work per frame (an RMS level of the PCM, a realistic small cost);
- dropped: frames the bounded queue dropped in the window because a handler fell behind;
- emulator / service CPU: each process's CPU per stream as a percentage of one core, and per frame sent/received.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks import wire
from benchmarks.loadgen import loopback_only
from benchmarks.media_flow import ENV_DIR, NUMBER
from benchmarks.processes import Server, free_port, serve
from benchmarks.stats import percentile
from simulator.client import SimulatorClient

FRAME_SECONDS = 0.02
OPEN_SECONDS = 30.0  # every stream must be open by then
SETTLE_SECONDS = 1.0  # after the last stream opened, before the window starts
TARGET_HANDLER_P99 = 0.020


@dataclass
class Result:
    calls: int
    opened: int
    seconds: float
    frames: int
    jitter_p50: float
    jitter_p99: float
    lag_p99: float
    work_p99: float
    dropped: int
    emulator_cpu: float  # CPU seconds over the window
    service_cpu: float

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds

    def cpu_per_stream(self, cpu: float) -> float:
        """Percent of one core per stream."""
        return 100 * cpu / self.seconds / max(1, self.opened)

    def cpu_per_frame(self, cpu: float) -> float:
        """Milliseconds of CPU per frame the handlers received."""
        return 1000 * cpu / max(1, self.frames)


@contextlib.contextmanager
def stack(stats_dir: Path) -> Iterator[tuple[Server, Server]]:
    """The emulator subscribed to the service, and the service running :mod:`benchmarks.media_flow`."""
    emulator_port, app_port = free_port(), free_port()
    acs = f"http://127.0.0.1:{emulator_port}"
    emulator_cmd = wire.emulator_command(emulator_port, app_port, "--quiet")
    service_cmd = wire.callwright_command(app_port)
    env = {
        # JSON at INFO, as in production: nothing per frame may be logged at INFO
        **wire.callwright_env(acs, app_port, flows="benchmarks.media_flow"),
        ENV_DIR: str(stats_dir),
    }
    with (
        serve("emulator", emulator_cmd, emulator_port, ready_path="/calling/keys") as emulator,
        serve("service", service_cmd, app_port, env=env, ready_path="/livez") as service,
    ):
        yield emulator, service


def _count(folder: Path, suffix: str) -> int:
    return sum(1 for _ in folder.glob(f"*{suffix}"))


async def _wait_files(folder: Path, suffix: str, count: int, seconds: float) -> int:
    """Files appear from another process: poll the directory (off the loop)."""
    deadline = time.monotonic() + seconds
    while (found := await asyncio.to_thread(_count, folder, suffix)) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    return found


def _clear(folder: Path) -> None:
    for stale in folder.iterdir():
        stale.unlink()


def _read_streams(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in folder.glob("*.json")]


async def run(emulator: Server, service: Server, folder: Path, calls: int, seconds: float) -> Result:
    """Place ``calls`` calls, measure ``seconds`` once all streams run, end the calls and read the figures."""
    await asyncio.to_thread(_clear, folder)
    async with httpx.AsyncClient(timeout=180.0) as http:  # a reset under 100 live streams takes a while
        sim = SimulatorClient(loopback_only(emulator.base_url), http=http)
        await sim.reset()
        await asyncio.gather(*(sim.place_call(f"+1555{2000000 + i:07d}", NUMBER) for i in range(calls)))
        opened = await _wait_files(folder, ".open", calls, OPEN_SECONDS)
        await asyncio.sleep(SETTLE_SECONDS)
        emulator0, service0, start = emulator.cpu_seconds(), service.cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        emulator1, service1, end = emulator.cpu_seconds(), service.cpu_seconds(), time.monotonic()
        await sim.reset()  # ends every call: the sockets close, the handlers write their figures
    await _wait_files(folder, ".json", opened, 30.0)
    streams = await asyncio.to_thread(_read_streams, folder)
    return summarise(streams, calls, opened, start, end, emulator1 - emulator0, service1 - service0)


def summarise(
    streams: list[dict[str, Any]],
    calls: int,
    opened: int,
    start: float,
    end: float,
    emulator_cpu: float,
    service_cpu: float,
) -> Result:
    """The figures of the frames that arrived in ``[start, end]`` (monotonic seconds)."""
    jitters: list[float] = []
    lags: list[float] = []
    work: list[float] = []
    frames = dropped = 0
    for stream in streams:
        window = [f for f in stream["frames"] if start <= f[0] <= end]
        frames += len(window)
        if window:
            dropped += window[-1][3] - window[0][3]
        arrivals = [f[0] for f in window]
        jitters += [abs((b - a) - FRAME_SECONDS) for a, b in zip(arrivals, arrivals[1:], strict=False)]
        lags += [f[1] for f in window if not math.isnan(f[1])]
        work += [f[2] for f in window]
    return Result(
        calls=calls,
        opened=opened,
        seconds=end - start,
        frames=frames,
        jitter_p50=percentile(jitters, 0.50),
        jitter_p99=percentile(jitters, 0.99),
        lag_p99=percentile(lags, 0.99),
        work_p99=percentile(work, 0.99),
        dropped=dropped,
        emulator_cpu=emulator_cpu,
        service_cpu=service_cpu,
    )


def print_table(results: list[Result]) -> None:
    print("\nLive media: emulator process → /media → @router.media_stream() handler in the service process, 1x")
    header = (
        f"{'calls':>5} {'open':>4} {'frames/s':>8} {'expected':>8} {'jitter p50':>10} {'jitter p99':>10} "
        f"{'lag p99':>9} {'handler p99':>11} {'dropped':>7} {'emulator CPU/stream':>19} {'service CPU/stream':>18}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        emulator = f"{r.cpu_per_stream(r.emulator_cpu):.2f}% {r.cpu_per_frame(r.emulator_cpu):.3f}ms/f"
        service = f"{r.cpu_per_stream(r.service_cpu):.2f}% {r.cpu_per_frame(r.service_cpu):.3f}ms/f"
        print(
            f"{r.calls:>5} {r.opened:>4} {r.frames_per_second:>8.0f} {r.opened / FRAME_SECONDS:>8.0f} "
            f"{r.jitter_p50 * 1000:>8.2f}ms {r.jitter_p99 * 1000:>8.2f}ms {r.lag_p99 * 1000:>7.1f}ms "
            f"{r.work_p99 * 1000:>9.3f}ms {r.dropped:>7} {emulator:>19} {service:>18}"
        )
    top = results[-1]
    verdict = (
        "met"
        if top.opened == top.calls
        and top.frames_per_second >= 0.98 * top.calls / FRAME_SECONDS
        and top.dropped == 0
        and top.work_p99 < TARGET_HANDLER_P99
        else "not met"
    )
    print(
        f"Target ({top.calls} streams at 1x, no falling behind, handler p99 < {TARGET_HANDLER_P99 * 1000:.0f} ms): "
        f"{verdict}. CPU/stream is % of one core; ms/f is CPU per frame received."
    )


def measure(calls: int, seconds: float) -> list[Result]:
    """One call (the baseline), then ``calls``, against the same emulator and service processes."""
    folder = Path(tempfile.mkdtemp(prefix="callwright-media-"))
    try:
        with stack(folder) as (emulator, service):
            return [
                asyncio.run(run(emulator, service, folder, 1, seconds)),
                asyncio.run(run(emulator, service, folder, calls, seconds)),
            ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_benchmark(quick: bool, json_path: str | None) -> list[Result]:
    """``python -m benchmarks media``: 1 call (the baseline) then 100 (20 with ``quick``)."""
    calls, seconds = (20, 3.0) if quick else (100, 10.0)
    results = measure(calls, seconds)
    print_table(results)
    if json_path:
        Path(json_path).write_text(json.dumps([asdict(r) for r in results], indent=2))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="20 calls for 3 s")
    parser.add_argument("--json", default=None, help="also write the raw figures here")
    args = parser.parse_args(argv)
    calls, seconds = (20, 3.0) if args.quick else (args.calls, args.seconds)
    results = measure(calls, seconds)
    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
