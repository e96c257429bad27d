"""``python -m benchmarks [--quick]``: every benchmark, one table each."""

from __future__ import annotations

import argparse
import asyncio

from benchmarks import framework_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    events = 1000 if args.quick else 5000
    framework_bench.print_table(asyncio.run(framework_bench.run(events)), events)
    from benchmarks import simulator_bench

    return simulator_bench.main(["--quick"] if args.quick else [])


if __name__ == "__main__":
    raise SystemExit(main())
