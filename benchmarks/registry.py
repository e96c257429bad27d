"""The named benchmarks ``python -m benchmarks`` knows. Add one by adding an entry: a summary and a runner.

A module's ``run_benchmark`` takes ``quick`` (a smaller run) and an optional path to write its raw figures to as
JSON, and prints its tables. Modules are imported only when run, so listing costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Benchmark:
    summary: str
    module: str

    def run(self, quick: bool, json_path: str | None) -> Any:
        runner: Callable[[bool, str | None], Any] = importlib.import_module(self.module).run_benchmark
        return runner(quick, json_path)


BENCHMARKS: dict[str, Benchmark] = {
    "paths": Benchmark(
        "Callwright vs bare Starlette per event, over TCP, real SDK call to a stub ACS", "benchmarks.paths_bench"
    ),
    "ramp": Benchmark(
        "front desk end to end with the emulator: new calls/s against answer p99", "benchmarks.ramp_bench"
    ),
    "stages": Benchmark(
        "in-process stage breakdown of one event (no HTTP, no SDK round trip)", "benchmarks.framework_bench"
    ),
    "sdk": Benchmark("CPU per SDK action: the SDK's default pipeline against the lean one", "benchmarks.sdk_bench"),
    "media": Benchmark(
        "live media: N concurrent 1x audio streams, emulator process → /media → handler (jitter, lag, CPU per side)",
        "benchmarks.media_bench",
    ),
    "emulator": Benchmark(
        "the emulator's capacity: callbacks/s, REST operations/s, concurrent calls", "benchmarks.simulator_bench"
    ),
    "scaleout": Benchmark(
        "throughput at saturation: 3 instances on Redis against 1 on the memory store, CPU per process",
        "benchmarks.scaleout",
    ),
    "devphone": Benchmark(
        "50 busy calls: the emulator with pages streaming, SSE batching, the page's key-press latency",
        "benchmarks.devphone_bench",
    ),
    "memory": Benchmark(
        "memory per call: the front desk's RSS with N calls active, and what N ended calls leave behind",
        "benchmarks.memory_bench",
    ),
}
DEFAULT = ("paths", "ramp", "stages")
