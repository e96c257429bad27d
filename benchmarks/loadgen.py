"""Closed-loop HTTP load from its own process: ``concurrency`` keep-alive connections send prepared requests.

Loopback only, bounded in count and in time. Prints one JSON object: per-request latencies (ms), elapsed
seconds and the status counts.

    python -m benchmarks.loadgen --base http://127.0.0.1:8000 --requests reqs.pickle --concurrency 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import sys
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import aiohttp

from benchmarks.wire import Request

TIME_LIMIT_SECONDS = 120.0


def loopback_only(base: str) -> str:
    """Refuse any target but 127.0.0.1: a load generator must never point at someone else's service."""
    if urlsplit(base).hostname != "127.0.0.1":
        raise SystemExit(f"loadgen targets 127.0.0.1 only, not {base!r}")
    return base.rstrip("/")


async def run(base: str, requests: list[Request], concurrency: int, warmup: int) -> dict[str, object]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=60)
    async with aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",)) as session:

        async def worker(indices: Iterator[int]) -> None:
            for index in indices:  # shared by the workers: each takes the next request
                request = requests[index]
                started = time.perf_counter()
                try:
                    async with session.post(base + request.target, headers=request.headers, data=request.body) as reply:
                        await reply.read()
                        status = str(reply.status)
                except aiohttp.ClientError as error:
                    status = type(error).__name__
                if index >= warmup:
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[status] += 1

        warm = iter(range(warmup))
        await asyncio.gather(*(worker(warm) for _ in range(concurrency)))
        measured = iter(range(warmup, len(requests)))
        started = time.perf_counter()
        async with asyncio.timeout(TIME_LIMIT_SECONDS):
            await asyncio.gather(*(worker(measured) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"latencies_ms": latencies, "elapsed_s": elapsed, "statuses": dict(statuses)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--requests", required=True, help="a pickle of benchmarks.wire.Request")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args(argv)
    base = loopback_only(args.base)
    with open(args.requests, "rb") as handle:
        requests: list[Request] = pickle.load(handle)
    result = asyncio.run(run(base, requests, args.concurrency, args.warmup))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
