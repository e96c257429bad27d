"""Units of the operating surface, each with the layer below it real or replaced: /metrics protection, the ACS
pipeline policy over the emulator, the store wrapper over a memory store, trace ids on log lines, and the
production refusals."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import httpx
import pytest
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ResourceNotFoundError
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from app.logging import configure_logging, flush_logs, get_logger
from app.observability.acs_policy import AcsActionPolicy, action_name
from app.observability.metrics import Metrics
from app.observability.store import InstrumentedStore
from app.state.errors import LockTimeout
from app.state.memory import MemoryStateStore
from app.web.app import create_app
from config.settings import Settings, SettingsError, load_settings
from simulator.server import run_simulator

KEY = base64.b64encode(b"a production key of the resource!").decode()
PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "acs_endpoint": "https://example.communication.azure.com",
    "acs_access_key": KEY,
    "acs_resource_id": "0d0d0d0d-0000-4000-8000-000000000000",
    "callback_base_url": "https://ivr.example.com",
    "eventgrid_secret": "s3cret",
    "flow_modules": ["flows.front_desk"],
    "allow_unauthenticated_callbacks": True,  # no JWKS to fetch in these tests
}


async def _get_metrics(settings: Settings, headers: dict[str, str] | None = None) -> httpx.Response:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ivr") as http:
        return await http.get("/metrics", headers=headers or {})


async def test_metrics_are_off_in_production_without_a_token() -> None:
    response = await _get_metrics(load_settings(**PRODUCTION))
    assert response.status_code == 404 and "CALLWRIGHT_METRICS_TOKEN" in response.text


async def test_metrics_in_production_need_the_bearer_token() -> None:
    settings = load_settings(**PRODUCTION, metrics_token="scrape-me")
    assert (await _get_metrics(settings)).status_code == 401
    assert (await _get_metrics(settings, {"Authorization": "Bearer wrong"})).status_code == 401
    scraped = await _get_metrics(settings, {"Authorization": "Bearer scrape-me"})
    assert scraped.status_code == 200 and "callwright_events_total" in scraped.text


async def test_the_acs_policy_counts_failed_actions_by_operation_and_status() -> None:
    metrics = Metrics()
    async with run_simulator() as emulator:  # the real wire below the pipeline: an unknown call is a 404
        client = CallAutomationClient(
            emulator.base_url,
            AzureKeyCredential(emulator.config.access_key),
            per_call_policies=[AcsActionPolicy(metrics, trace.get_tracer("test"))],
            retry_total=0,
        )
        async with client:
            with pytest.raises(ResourceNotFoundError):
                await client.get_call_connection("c-1").get_call_properties()
    action = "GET /calling/callConnections/{id}"
    labels = {"action": action, "status": "404"}
    assert metrics.registry.get_sample_value("callwright_acs_action_errors_total", labels) == 1
    assert metrics.registry.get_sample_value("callwright_acs_action_seconds_count", labels) == 1


def test_action_names_keep_the_operation_and_drop_the_ids() -> None:
    url = "https://x/calling/callConnections/c-9/participants/4%3A%2B15551230001?api-version=2025-05-15"
    assert action_name("get", url) == "GET /calling/callConnections/{id}/participants/{id}"
    assert action_name("POST", "https://x/calling/callConnections:answer") == "POST /calling/callConnections:answer"


async def test_the_store_wrapper_times_operations_and_counts_errors() -> None:
    metrics = Metrics()
    store = InstrumentedStore(MemoryStateStore(), metrics)
    held = await store.lock("call:1", lease_seconds=30, wait_seconds=1)
    with pytest.raises(LockTimeout):
        await store.lock("call:1", lease_seconds=30, wait_seconds=0.01)
    await store.release(held.lease)
    sample = metrics.registry.get_sample_value
    assert sample("callwright_store_operation_seconds_count", {"operation": "lock"}) == 2
    assert sample("callwright_store_errors_total", {"operation": "lock", "error": "LockTimeout"}) == 1
    assert sample("callwright_store_operation_seconds_count", {"operation": "release"}) == 1


def test_lines_logged_inside_a_span_carry_its_trace_id() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    tracer = TracerProvider().get_tracer("test")  # a provider of the test's own: the global one is left alone
    with tracer.start_as_current_span("work") as span:
        get_logger("callwright.test").info("inside")
    get_logger("callwright.test").info("outside")
    flush_logs()  # lines are written by the logging thread
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines()[-2:])
    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert "trace_id" not in outside


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"callback_base_url": "http://ivr.example.com"}, "CALLWRIGHT_CALLBACK_BASE_URL must be https://"),
        ({"acs_resource_id": "my-acs-resource"}, "CALLWRIGHT_ACS_RESOURCE_ID must be the Immutable Resource ID"),
    ],
)
def test_production_refuses_what_acs_would_not_accept(override: dict[str, Any], variable: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(**{**PRODUCTION, **override})
    assert variable in str(refused.value) and "\n" not in str(refused.value)


def test_production_runs_the_sample_flows_only_when_named(monkeypatch: pytest.MonkeyPatch) -> None:
    unnamed = {key: value for key, value in PRODUCTION.items() if key != "flow_modules"}
    with pytest.raises(SettingsError, match="CALLWRIGHT_FLOW_MODULES must name your flows"):
        load_settings(**unnamed)
    monkeypatch.setenv("CALLWRIGHT_FLOW_MODULES", "flows.support_line,flows.front_desk")
    assert load_settings(**unnamed).flow_modules == ["flows.support_line", "flows.front_desk"]
