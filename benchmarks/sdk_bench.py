"""CPU per SDK action, one change at a time: from the SDK's default client to the one ``build_client`` makes.

Each variant sends the same ``transfer_call_to_participant`` to a stub ACS in another process, one at a time,
and reports this process's CPU per call (the stub's own work is not counted). A raw aiohttp POST of a similar
body is the floor: what the HTTP exchange alone costs. Variants are interleaved over rounds; the table shows the
median round.

    python -m benchmarks sdk [--quick]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import timeit
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from azure.communication.callautomation import PhoneNumberIdentifier
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.transport import AioHttpTransport

from app.actions.client import build_client, lean_policies
from benchmarks import wire
from benchmarks.processes import free_port, serve
from benchmarks.stats import print_table
from config.settings import Settings

ROUNDS = 3


def _variants(endpoint: str, settings: Settings) -> dict[str, Callable[[], CallAutomationClient]]:
    key = AzureKeyCredential(wire.ACCESS_KEY)

    def timeouts(**options: Any) -> AioHttpTransport:
        return AioHttpTransport(connection_timeout=10, read_timeout=10, **options)

    return {
        "SDK default client": lambda: CallAutomationClient(endpoint, key),
        "+ timeouts, logging_enable=False (before)": lambda: CallAutomationClient(
            endpoint, key, transport=timeouts(), logging_enable=False
        ),
        "+ environment read once (no per-request netrc/proxy hops)": lambda: CallAutomationClient(
            endpoint, key, transport=timeouts(use_env_settings=False), logging_enable=False
        ),
        "+ unused policies removed (= build_client)": lambda: CallAutomationClient(
            endpoint, key, transport=timeouts(use_env_settings=False), policies=lean_policies(endpoint, key)
        ),
        "build_client(settings)": lambda: build_client(settings),
    }


async def _per_call_cpu(action: Callable[[int], Awaitable[object]], calls: int) -> float:
    for index in range(50):
        await action(index)
    started = time.process_time()
    for index in range(calls):
        await action(index)
    return (time.process_time() - started) / calls * 1e6


async def _measure(endpoint: str, calls: int) -> dict[str, list[float]]:
    settings = Settings(acs_endpoint=endpoint, acs_access_key=wire.ACCESS_KEY)
    target = PhoneNumberIdentifier(wire.AGENT)
    headers = {"User-To-User": "front-desk;encoding=ascii", "X-MS-Custom-Queue": "front-desk"}
    results: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for name, make in _variants(endpoint, settings).items():
            async with make() as client:

                async def transfer(index: int, client: CallAutomationClient = client) -> object:
                    connection = client.get_call_connection(f"call-{index % 50}")
                    return await connection.transfer_call_to_participant(
                        target, sip_headers=headers, operation_context="fd-transfer"
                    )

                results.setdefault(name, []).append(await _per_call_cpu(transfer, calls))
        async with aiohttp.ClientSession() as session:
            body = json.dumps({"targetParticipant": {"rawId": f"4:{wire.AGENT}"}, "operationContext": "x"}).encode()

            async def raw(index: int, body: bytes = body) -> object:
                url = f"{endpoint}/calling/callConnections/call-{index % 50}:transferToParticipant?api-version=x"
                async with session.post(url, data=body, headers={"content-type": "application/json"}) as reply:
                    return await reply.read()

            results.setdefault("raw aiohttp POST (floor)", []).append(await _per_call_cpu(raw, calls))
    return results


def run_benchmark(quick: bool = False, json_path: str | None = None) -> dict[str, list[float]]:
    calls = 300 if quick else 1500
    port = free_port()
    stub = ["-m", "benchmarks.stub_acs", "--port", str(port), "--jwks", json.dumps({"keys": []})]
    with serve("stub ACS", stub, port, ready_path="/calling/keys"):
        results = asyncio.run(_measure(f"http://127.0.0.1:{port}", calls))
    client = CallAutomationClient("http://127.0.0.1:1", AzureKeyCredential(wire.ACCESS_KEY))
    per_connection = timeit.timeit(lambda: client.get_call_connection("call-1"), number=20000) / 20000 * 1e6
    baseline = statistics.median(results["SDK default client"])
    rows = [
        [name, *(f"{f(v):,.0f}" for f in (statistics.median, min, max)), f"{statistics.median(v) / baseline:.2f}x"]
        for name, v in results.items()
    ]
    print_table(
        f"CPU per transfer_call_to_participant, µs ({calls} calls x {ROUNDS} rounds, stub ACS in another process)",
        ["client", "median", "min", "max", "vs default"],
        rows,
        notes=[f"get_call_connection(): {per_connection:.1f} µs (shares the client's pipeline; not worth caching)"],
    )
    if json_path:
        Path(json_path).write_text(json.dumps({"per_call_cpu_us": results, "get_call_connection_us": per_connection}))
    return results
