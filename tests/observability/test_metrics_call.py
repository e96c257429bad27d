"""``/metrics`` after a real call: events by type and outcome, ACS actions by operation and status, store latency,
active calls, and authentication refusals, read in Prometheus text format from the running service."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.testing.harness import Phone

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.front_desk"]


async def _scrape(phone: Phone) -> Samples:
    async with httpx.AsyncClient(timeout=10.0) as http:
        response = await http.get(f"{phone.app_url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_one_call_shows_up_in_the_metrics(phone: Phone) -> None:
    before = await _scrape(phone)
    call = await phone.dial(phone.settings.flows.front_desk_number)
    await call.expect_answered()
    await call.expect_prompt(contains="press 1")
    await call.hang_up()
    await call.expect_event("CallDisconnected")
    after = await _scrape(phone)

    assert _delta(before, after, "callwright_events_total", type="IncomingCall", outcome="handled") == 1
    assert _delta(before, after, "callwright_events_total", type="CallConnected", outcome="handled") == 1
    assert _delta(before, after, "callwright_event_handling_seconds_count", type="CallConnected") == 1
    answer = "POST /calling/callConnections:answer"
    assert _delta(before, after, "callwright_acs_action_seconds_count", action=answer, status="200") == 1
    recognize = "POST /calling/callConnections/{id}:recognize"
    assert _delta(before, after, "callwright_acs_action_seconds_count", action=recognize, status="202") == 1
    assert _delta(before, after, "callwright_store_operation_seconds_count", operation="commit") >= 2
    assert _delta(before, after, "callwright_active_calls") == 0  # connected, then disconnected


async def test_authentication_refusals_are_counted_by_reason(phone: Phone) -> None:
    before = await _scrape(phone)
    async with httpx.AsyncClient(timeout=10.0) as http:
        refused = await http.post(f"{phone.app_url}/Events", json=[], headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    after = await _scrape(phone)
    labels = {"channel": "callback", "reason": "malformed token"}
    assert _delta(before, after, "callwright_auth_rejections_total", **labels) == 1
    assert _delta(before, after, "callwright_requests_rejected_total", channel="callback", status="401") == 1
