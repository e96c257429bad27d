"""Where an event's time goes inside the framework, stage by stage: authenticate (RS256 JWT), read, parse, route,
dispatch, and run a handler that prepares an action. In-process and one at a time: no uvicorn, no TCP, and the
action stops where the SDK call would begin, so this is the breakdown, not what users pay (``python -m benchmarks
paths`` is that).

Run: ``python -m benchmarks stages [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from app import CallActions, OperationContext, Router
from app.actions import build_client
from app.dispatch import Outcome
from app.events import RecognizeCompleted, parse_events
from app.logging import configure_logging
from app.session import CallSession
from app.web.app import create_app
from benchmarks import asgi_post
from config.settings import Settings

T = TypeVar("T")
ISSUER = "https://bench.callwright.invalid"
AUDIENCE = "5f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5"
CALLS = 100


class BenchMenu(OperationContext, prefix="bench-menu"):
    attempt: int = 1


class _NullStream(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


class _OfflineActions(CallActions):
    """Packs, logs and prepares each action as usual, then drops the SDK call instead of sending it to ACS."""

    async def _run(self, action: str, operation: Awaitable[T], **fields: Any) -> T:
        if isinstance(operation, Coroutine):
            operation.close()
        return None  # type: ignore[return-value]  # results are unused by the benchmark handler


def _router() -> Router:
    router = Router(name="bench")

    @router.recognize_completed(context=BenchMenu, when=lambda event: event.digits == "1")
    async def choose(call: CallActions, ctx: BenchMenu, state: dict[str, Any]) -> None:
        state["presses"] = state.get("presses", 0) + 1
        await call.play("You pressed one.", context=BenchMenu(attempt=ctx.attempt + 1))

    return router


def _event(call_index: int) -> dict[str, Any]:
    call_id = f"00000000-0000-0000-0000-{call_index:012d}"
    return {
        "id": str(uuid.uuid4()),
        "source": f"calling/callConnections/{call_id}",
        "type": "Microsoft.Communication.RecognizeCompleted",
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "time": "2026-11-24T10:00:00.0000000+00:00",
        "data": {
            "callConnectionId": call_id,
            "serverCallId": f"server-{call_index}",
            "correlationId": str(uuid.uuid4()),
            "operationContext": "bench-menu:1",
            "recognitionType": "dtmf",
            "dtmfResult": {"tones": ["one"]},
            "resultInformation": {"code": 200, "subCode": 8531, "message": "Action completed, max digits received"},
            "version": "2025-05-15",
            "publicEventType": "Microsoft.Communication.RecognizeCompleted",
        },
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1] * 1000,
        "mean": statistics.fmean(ordered) * 1000,
    }


async def _time_each(count: int, step: Callable[[int], Awaitable[None]]) -> list[float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        await step(index)
        samples.append(time.perf_counter() - started)
    return samples


async def run(events: int) -> list[tuple[str, dict[str, float]]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="bench", alg="RS256", use="sig")
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200, json={"keys": [jwk]})))
    settings = Settings(jwt_issuer=ISSUER, jwks_url="https://bench.callwright.invalid/keys", acs_resource_id=AUDIENCE)

    client = build_client(settings)  # builds requests; _OfflineActions never sends them

    def offline(session: CallSession) -> CallActions:
        return _OfflineActions(client, settings, session)

    app = create_app(settings, flows=[_router()], common=[], actions=offline, http=http)
    null = _NullStream()  # logging still runs at INFO and renders JSON, as in production; lines are dropped
    configure_logging("json", "INFO", stream=null)
    warm_up = min(500, events)
    bodies = [json.dumps([_event(i % CALLS)]).encode() for i in range(events + warm_up)]
    # One token per event, as ACS mints them: a token that comes back with another body is refused as a replay.
    tokens = [
        jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300, "iat": int(time.time()), "jti": str(i)},
            key,
            algorithm="RS256",
            headers={"kid": "bench"},
        )
        for i in range(events + warm_up)
    ]
    statuses: list[int] = []

    async def post(index: int) -> None:
        body = bodies[index]
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", b"Bearer " + tokens[index % len(tokens)].encode()),
        ]
        statuses.append(await asgi_post.post(app, "/Events", b"flow=bench", headers, body))

    validator_results: list[tuple[str, dict[str, float]]] = []
    async with app.router.lifespan_context(app):
        configure_logging("json", "INFO", stream=null)  # the lifespan may not reconfigure, but be sure
        await _time_each(warm_up, lambda index: post(events + index))  # warm-up: events of its own
        statuses.clear()
        full = await _time_each(events, post)
        if set(statuses) != {200}:
            raise SystemExit(f"unexpected statuses: {sorted(set(statuses))}")
        parsed = [parse_events(json.loads(b))[0] for b in bodies]
        fresh = [e.model_copy(update={"id": str(uuid.uuid4())}) for e in parsed]

        async def parse_only(index: int) -> None:
            parse_events(json.loads(bodies[index]))

        async def dispatch_only(index: int) -> None:
            outcome = await app.dispatch(fresh[index])
            if outcome is not Outcome.HANDLED:
                raise SystemExit(f"the benchmark handler did not run cleanly: {outcome}")

        validator = app.state.validator

        async def auth_only(index: int) -> None:
            await validator.validate("Bearer " + tokens[index % len(tokens)])

        validator_results = [
            ("JWT validation (RS256, cached JWKS)", _percentiles(await _time_each(events, auth_only))),
            ("JSON decode + typed parse", _percentiles(await _time_each(events, parse_only))),
            ("dispatch: dedup, lock, state, route, handler", _percentiles(await _time_each(events, dispatch_only))),
        ]
        assert all(isinstance(event, RecognizeCompleted) for event in parsed)
    await client.close()
    if app.state.store.stats.documents > CALLS:
        raise SystemExit("state grew beyond the benchmark's calls")
    return [("full /Events request (all of the above)", _percentiles(full)), *validator_results]


def print_table(rows: list[tuple[str, dict[str, float]]], events: int) -> None:
    print(f"\nStage breakdown per event ({events} events, in-process ASGI, no HTTP server, no SDK call; milliseconds)")
    header = f"{'stage':48} {'mean':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
    print(header)
    print("-" * len(header))
    for name, stats in rows:
        cells = " ".join(f"{stats[column]:7.3f}" for column in ("mean", "p50", "p95", "p99", "max"))
        print(f"{name:48} {cells}")
    print("The SDK call and the HTTP server are left out here; the 'paths' table has them.")


def run_benchmark(quick: bool = False, json_path: str | None = None) -> list[tuple[str, dict[str, float]]]:
    events = 1000 if quick else 5000
    rows = asyncio.run(run(events))
    print_table(rows, events)
    if json_path:
        Path(json_path).write_text(json.dumps(rows))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args(argv)
    rows = asyncio.run(run(args.events))
    print_table(rows, args.events)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
