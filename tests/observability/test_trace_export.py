"""Tracing switched on the standard way: a service process started with ``OTEL_TRACES_EXPORTER=otlp`` and
``OTEL_EXPORTER_OTLP_ENDPOINT`` exports its spans over OTLP/HTTP to a collector (here a receiver of the test's own on
loopback); without the variable it exports nothing. A fresh process each time, because OpenTelemetry's tracer
provider is process-wide."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.server import run_asgi

SERVICE = """
import asyncio, httpx
from app.web.app import create_app
from config.settings import load_settings

async def main() -> None:
    app = create_app(load_settings(environment="development", flow_modules=["flows.front_desk"],
                                   allow_unauthenticated_callbacks=True))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ivr") as http:
        response = await http.post("/Events", content=b"not json", headers={"content-type": "application/json"})
        assert response.status_code == 400, response.status_code

asyncio.run(main())
"""


@dataclass
class Collector:
    url: str
    spans: list[tuple[str, str]] = field(default_factory=list)  # (service.name, span name)


@pytest.fixture
async def collector() -> AsyncIterator[Collector]:
    received: list[tuple[str, str]] = []

    async def traces(request: Request) -> Response:
        export = ExportTraceServiceRequest.FromString(await request.body())
        for resource_spans in export.resource_spans:
            service = next(
                (a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"), ""
            )
            for scope in resource_spans.scope_spans:
                received.extend((service, span.name) for span in scope.spans)
        return Response(status_code=200)

    async with run_asgi(Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])) as served:
        yield Collector(served.base_url, received)


async def _run_service(env: dict[str, str]) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CALLWRIGHT_", "OTEL_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SERVICE,
        env={**base, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (out + err).decode()[-3000:]


@pytest.mark.parametrize(
    ("service_name", "expected"), [({"OTEL_SERVICE_NAME": "my-ivr"}, "my-ivr"), ({}, "callwright")]
)
async def test_otlp_export_follows_the_standard_variables(
    collector: Collector, service_name: dict[str, str], expected: str
) -> None:
    await _run_service({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, **service_name})
    assert (expected, "POST /Events") in collector.spans, collector.spans


async def test_without_the_variable_nothing_is_exported(collector: Collector) -> None:
    await _run_service({"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url})
    assert collector.spans == []
