"""Min / median / max of the headline figures over repeated runs (``python -m benchmarks --json DIR`` each).

for n in 1 2 3; do python -m benchmarks --json runs/$n; done
python -m benchmarks.summary runs/1 runs/2 runs/3
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import paths_bench, ramp_bench, wire
from benchmarks.stats import print_table


def _spread(values: Sequence[float], fmt: str) -> str:
    if not values:
        return "n/a"
    return "/".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def _figure(
    per_run: list[dict[str, paths_bench.Measure]], get: Callable[[dict[str, paths_bench.Measure]], float], fmt: str
) -> str:
    return _spread([get(by) for by in per_run], fmt)


_LOAD = f"@{paths_bench.CONCURRENCY}"
_COLUMNS: list[tuple[str, Callable[[dict[str, paths_bench.Measure]], float], str]] = [
    ("CW CPU µs", lambda by: by["callwright" + _LOAD].cpu_us, ",.0f"),
    ("bare CPU µs", lambda by: by["bare" + _LOAD].cpu_us, ",.0f"),
    ("CW req/s", lambda by: by["callwright" + _LOAD].rps, ",.0f"),
    ("bare req/s", lambda by: by["bare" + _LOAD].rps, ",.0f"),
    ("CW p99 ms @1", lambda by: by["callwright@1"].p99_ms, ".2f"),
    ("bare p99 ms @1", lambda by: by["bare@1"].p99_ms, ".2f"),
]


def _paths(runs: list[list[paths_bench.Measure]]) -> None:
    rows = []
    for label, path in wire.PATHS.items():
        per_run = [paths_bench.summarize(run)[path] for run in runs]
        ratios = [paths_bench.round_ratios(run, path) for run in runs]  # each run's own rounds: its median ratio
        rows.append(
            [
                label,
                _spread([statistics.median(rps) for rps, _ in ratios], ".2f"),
                _spread([statistics.median(cpu) for _, cpu in ratios], ".2f"),
                *(_figure(per_run, get, fmt) for _, get, fmt in _COLUMNS),
            ]
        )
    print_table(
        f"paths over {len(runs)} runs (min/median/max; a ratio is the median of one run's rounds)",
        ["path", "req/s ratio", "CPU ratio", *(name for name, _, _ in _COLUMNS)],
        rows,
    )


def _ramp(runs: list[list[ramp_bench.Step]]) -> None:
    rows = []
    for app in ("callwright", "bare"):
        saturations = [ramp_bench.saturation([s for s in run if s.app == app]) or 0.0 for run in runs]
        cpu = [statistics.median([s.app_cpu_ms_per_call for s in run if s.app == app]) for run in runs]
        rows.append([app, _spread(saturations, ".0f"), _spread(cpu, ".1f")])
    print_table(
        f"ramp over {len(runs)} runs (min/median/max)",
        ["app", "saturation calls/s (0 = none)", "app CPU ms/call (median step)"],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    directories = [Path(d) for d in (argv if argv is not None else sys.argv[1:])]
    if not directories:
        raise SystemExit(__doc__)

    def load(name: str) -> list[list[dict[str, Any]]]:
        return [json.loads((d / f"{name}.json").read_text()) for d in directories if (d / f"{name}.json").exists()]

    if paths := load("paths"):
        _paths([[paths_bench.Measure(**m) for m in run] for run in paths])
    if ramp := load("ramp"):
        _ramp([[ramp_bench.Step(**s) for s in run] for run in ramp])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
