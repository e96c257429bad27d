"""Emulator capacity on this machine: callbacks/s, REST operations/s and concurrent simulated calls.

Everything runs in one process over real loopback HTTP: the emulator (in-process uvicorn), a recording callback
sink, and the real async SDK. Prints a table; never asserts; bounded in time.

    python -m benchmarks.simulator_bench [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.delivery import DeliveryService
from simulator.delivery.sink import RecordingSink
from simulator.server import bind_socket, run_asgi, serve_on_socket
from simulator.timeline import Timeline

BUDGET_SECONDS = 50.0


@dataclass
class Row:
    name: str
    value: float | None
    unit: str
    note: str = ""


async def bench_callbacks(calls: int, per_call: int) -> Row:
    """Callbacks delivered per second: ``calls`` connections x ``per_call`` events, ordered per call."""
    sink = RecordingSink()
    sock = bind_socket()
    config = SimulatorConfig(port=sock.getsockname()[1])
    service = DeliveryService(config, Clock(), Timeline(max_entries_per_call=per_call + 10))
    app = Starlette(routes=service.public_routes())
    await service.start()
    try:
        async with run_asgi(sink) as served, serve_on_socket(app, sock):
            url = f"{served.base_url}/Events"
            started = time.perf_counter()
            for i in range(per_call):
                for c in range(calls):
                    service.publisher.callback(
                        url,
                        "ContinuousDtmfRecognitionToneReceived",
                        {"sequenceId": i},
                        call_connection_id=f"cc-{c}",
                        server_call_id=f"sc-{c}",
                    )
            await sink.wait_for(lambda r: len(r) >= calls * per_call, within=BUDGET_SECONDS / 2)
            elapsed = time.perf_counter() - started
    finally:
        await service.stop()
    total = calls * per_call
    return Row("callbacks delivered", total / elapsed, "/s", f"{total} callbacks, {calls} calls, signed JWT each")


async def bench_rest(quick: bool) -> list[Row]:
    """REST operations/s and concurrent calls with the real async SDK (needs simulator.app)."""
    try:
        from azure.communication.callautomation import PhoneNumberIdentifier
        from azure.communication.callautomation.aio import CallAutomationClient
        from azure.core.credentials import AzureKeyCredential

        from simulator.server import run_simulator
    except ImportError as exc:  # pragma: no cover - depends on the REST surface being present
        return [Row("REST operations", None, "/s", f"skipped: {exc}")]

    sink = RecordingSink()
    target_calls = 200 if quick else 1000
    rows: list[Row] = []
    try:
        async with run_asgi(sink) as served, run_simulator(time_scale=1.0) as sim:
            client = CallAutomationClient(sim.base_url, AzureKeyCredential(sim.config.access_key), retry_total=0)
            async with client:
                callback = f"{served.base_url}/Events"
                source = sim.config.owned_numbers[0]

                async def create(i: int) -> str:
                    result = await client.create_call(
                        # Ends in 1: never one of the emulator's in-band failure numbers (…0486 busy, …0500, …0603).
                        PhoneNumberIdentifier(f"+1555{i:06d}1"),
                        callback,
                        source_caller_id_number=PhoneNumberIdentifier(source),
                    )
                    return str(result.call_connection_id)

                started = time.perf_counter()
                ids = await _bounded([functools.partial(create, i) for i in range(target_calls)], 100)
                created = time.perf_counter() - started
                live = [cid for cid in ids if isinstance(cid, str)]
                rows.append(
                    Row("concurrent calls created", len(live), "calls", f"{target_calls} attempted in {created:.1f} s")
                )
                ops = [client.get_call_connection(cid).get_call_properties for cid in live] * 3
                started = time.perf_counter()
                results = await _bounded(ops, 64)
                elapsed = time.perf_counter() - started
                ok = sum(1 for r in results if not isinstance(r, BaseException))
                rows.append(
                    Row(
                        "REST get_call_properties",
                        ok / elapsed if elapsed else None,
                        "/s",
                        f"{ok}/{len(ops)} ok, 64 in flight",
                    )
                )
                hangups = [functools.partial(client.get_call_connection(cid).hang_up, True) for cid in live]
                started = time.perf_counter()
                results = await _bounded(hangups, 64)
                elapsed = time.perf_counter() - started
                ok = sum(1 for r in results if not isinstance(r, BaseException))
                rows.append(Row("REST hang_up(terminate)", ok / elapsed if elapsed else None, "/s", f"{ok} ok"))
        rows.append(Row("callbacks received by sink", len(sink.requests), "requests", "during the REST run"))
    except Exception as exc:  # report, never crash the table
        rows.append(Row("REST benchmark", None, "", f"failed: {type(exc).__name__}: {exc}"[:120]))
    return rows


async def _bounded(factories: Sequence[Callable[[], Awaitable[object]]], limit: int) -> list[object]:
    gate = asyncio.Semaphore(limit)

    async def run(factory: Callable[[], Awaitable[object]]) -> object:
        async with gate:
            try:
                return await factory()
            except Exception as exc:
                return exc

    return await asyncio.gather(*(run(f) for f in factories))


def _print(rows: list[Row]) -> None:
    print(f"{'measure':<30} {'value':>12} {'unit':<9} note")
    print("-" * 100)
    for row in rows:
        value = "n/a" if row.value is None else f"{row.value:,.0f}"
        print(f"{row.name:<30} {value:>12} {row.unit:<9} {row.note}")


async def _run(quick: bool) -> list[Row]:
    rows = [await bench_callbacks(calls=50 if quick else 200, per_call=10 if quick else 20)]
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(BUDGET_SECONDS):
            rows += await bench_rest(quick)
    return rows


def run_benchmark(quick: bool = False, json_path: str | None = None) -> list[Row]:
    rows = asyncio.run(_run(quick))
    print("\nEmulator capacity (one process, real loopback HTTP, real async SDK)")
    _print(rows)
    if json_path:
        Path(json_path).write_text(json.dumps([dataclasses.asdict(row) for row in rows]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller run (a few seconds)")
    args = parser.parse_args(argv)
    _print(asyncio.run(_run(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
