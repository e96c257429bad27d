"""``python -m benchmarks [NAME ...] [--quick] [--json DIR]``: run benchmarks by name, one table (or two) each.

With no name, the default set runs: ``paths`` (the headline), ``ramp`` and ``stages``. ``--list`` names them all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.registry import BENCHMARKS, DEFAULT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: {' '.join(DEFAULT)})")
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--json", metavar="DIR", help="also write each benchmark's raw figures to DIR/<name>.json")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args()
    if args.list:
        for name, benchmark in BENCHMARKS.items():
            print(f"{name:10} {benchmark.summary}")
        return 0
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    if args.json:
        Path(args.json).mkdir(parents=True, exist_ok=True)  # before the runs: a missing folder must not cost one
    for name in args.names or DEFAULT:
        BENCHMARKS[name].run(args.quick, f"{args.json}/{name}.json" if args.json else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
