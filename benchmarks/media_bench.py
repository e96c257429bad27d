"""Live media at scale: the emulator streams 20 ms audio frames to N concurrent calls at 1x real time, and the
service's ``/media`` endpoint hands each call's stream to a ``@router.media_stream()`` handler.

Everything runs in one process over real loopback WebSockets (the emulator and the service as in call scripts,
each a uvicorn server, on one background event loop), so CPU figures cover both sides. The baseline is one call
in the same run. Prints a table; never asserts; bounded in time.

    python -m benchmarks media [--quick]
    python -m benchmarks.media_bench [--calls 100] [--seconds 10] [--quick]

Columns:
- frames/s: frames the handlers received per second (expected: 50 x calls);
- arrival jitter p50/p99: how far the gap between two frames of one call strays from 20 ms, as the handler sees it;
- lag p99: from the frame's scheduled time (its ``timestamp``, the emulator's 20 ms grid) to the handler being done
  with it: the emulator falling behind, the socket, the queue and the handler together;
- handler p99: the handler's own work per frame (an RMS level of the PCM, a realistic small cost);
- dropped: frames the bounded queue dropped because a handler fell behind;
- CPU/stream: process CPU time (both sides) per call, as a percentage of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from app import Router
from app.actions.streaming import MediaStreaming
from app.media import MediaStream
from app.testing.stack import CallwrightStack
from simulator.client import SimulatorClient

NUMBER = "+18005550104"
FRAME_SECONDS = 0.02


@dataclass
class StreamStats:
    arrivals: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    work: list[float] = field(default_factory=list)
    dropped: int = 0


@dataclass
class Collector:
    streams: dict[str, StreamStats] = field(default_factory=dict)
    recording: bool = False


def build_router(collector: Collector) -> Router:
    router = Router(name="media_bench")

    @router.incoming_call(to=NUMBER)
    async def answer(call: object) -> None:
        await call.answer(media=MediaStreaming())  # type: ignore[attr-defined]  # CallActions

    @router.media_stream()
    async def measure(stream: MediaStream) -> None:
        stats = collector.streams.setdefault(stream.call_connection_id or str(id(stream)), StreamStats())
        async for frame in stream:
            received = time.perf_counter()
            samples = array("h", frame.pcm)
            _ = math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))  # the handler's work
            done = time.perf_counter()
            if collector.recording:
                stats.arrivals.append(received)
                stats.work.append(done - received)
                if frame.timestamp is not None:
                    stats.lags.append(datetime.now(UTC).timestamp() - frame.timestamp.timestamp())
        stats.dropped = stream.dropped

    return router


@dataclass
class Result:
    calls: int
    seconds: float
    frames: int
    jitter_p50: float
    jitter_p99: float
    lag_p99: float
    work_p99: float
    dropped: int
    cpu_per_stream: float


def _p(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(stack: CallwrightStack, calls: int, seconds: float) -> Result:
    collector = Collector()
    env = await stack.environment(time_scale=1.0, flows=[build_router(collector)], overrides={"log_level": "WARNING"})
    async with httpx.AsyncClient(timeout=180.0) as http:  # a reset under 100 live streams takes a while
        emulator = SimulatorClient(env.emulator_url, http=http)
        await emulator.reset()
        await asyncio.gather(*(emulator.place_call(f"+1555{2000000 + i:07d}", NUMBER) for i in range(calls)))
        deadline = time.monotonic() + 30
        # The handlers run on the stack's own loop (another thread): poll rather than share an asyncio.Event.
        while len(collector.streams) < calls and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # let every stream settle into its pace
        cpu0, wall0 = time.process_time(), time.perf_counter()
        collector.recording = True
        await asyncio.sleep(seconds)
        collector.recording = False
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        await emulator.reset()  # ends every call: the sockets close, the handlers return
        await asyncio.sleep(0.5)
    jitters: list[float] = []
    for stats in collector.streams.values():
        jitters += [abs((b - a) - FRAME_SECONDS) for a, b in zip(stats.arrivals, stats.arrivals[1:], strict=False)]
    every = list(collector.streams.values())
    return Result(
        calls=len(every),
        seconds=wall,
        frames=sum(len(s.arrivals) for s in every),
        jitter_p50=_p(jitters, 0.5),
        jitter_p99=_p(jitters, 0.99),
        lag_p99=_p([x for s in every for x in s.lags], 0.99),
        work_p99=_p([x for s in every for x in s.work], 0.99),
        dropped=sum(s.dropped for s in every),
        cpu_per_stream=100 * cpu / wall / max(1, len(every)),
    )


def print_table(results: list[Result]) -> None:
    print("\nLive media: emulator → /media → @router.media_stream() handler, 1x real time, one process, 2 cores")
    header = (
        f"{'calls':>6} {'frames/s':>9} {'expected':>9} {'jitter p50':>11} {'jitter p99':>11} "
        f"{'lag p99':>9} {'handler p99':>12} {'dropped':>8} {'CPU/stream':>11}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.calls:>6} {r.frames / r.seconds:>9.0f} {r.calls / FRAME_SECONDS:>9.0f} "
            f"{r.jitter_p50 * 1000:>9.2f}ms {r.jitter_p99 * 1000:>9.2f}ms {r.lag_p99 * 1000:>7.1f}ms "
            f"{r.work_p99 * 1000:>10.3f}ms {r.dropped:>8} {r.cpu_per_stream:>10.2f}%"
        )
    if len(results) > 1 and results[0].lag_p99 > 0:
        base, top = results[0], results[-1]
        print(f"lag p99 ratio {top.calls} calls / {base.calls} call: {top.lag_p99 / base.lag_p99:.1f}x")


def run_benchmark(quick: bool, json_path: str | None) -> list[Result]:
    """``python -m benchmarks media``: 1 call (the baseline) then 100 (20 with ``quick``)."""
    calls, seconds = (20, 3.0) if quick else (100, 10.0)
    stack = CallwrightStack()
    try:
        results = [asyncio.run(run(stack, 1, seconds)), asyncio.run(run(stack, calls, seconds))]
    finally:
        stack.close()
    print_table(results)
    if json_path:
        import dataclasses
        import json
        import pathlib

        pathlib.Path(json_path).write_text(json.dumps([dataclasses.asdict(r) for r in results], indent=2))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="20 calls for 3 s")
    args = parser.parse_args(argv)
    calls, seconds = (20, 3.0) if args.quick else (args.calls, args.seconds)
    stack = CallwrightStack()
    try:
        results = [asyncio.run(run(stack, 1, seconds)), asyncio.run(run(stack, calls, seconds))]
    finally:
        stack.close()
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
