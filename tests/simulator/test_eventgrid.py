"""Event Grid delivery of IncomingCall over real loopback HTTP: handshakes, headers, secrets, retries."""

from __future__ import annotations

import httpx
import pytest

from simulator.config import SubscriptionSpec
from simulator.delivery.sink import RecordingSink
from simulator.server import run_asgi
from tests.simulator.delivery_fixtures import delivery_harness

DATA = {
    "to": {"kind": "phoneNumber", "rawId": "4:+18005550100", "phoneNumber": {"value": "+18005550100"}},
    "from": {"kind": "phoneNumber", "rawId": "4:+15551230001", "phoneNumber": {"value": "+15551230001"}},
    "serverCallId": "sc-1",
    "callerDisplayName": "",
    "incomingCallContext": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.",
    "correlationId": "6a8f6f2c-0d8e-4c1e-9a57-0c8a1a2b3c4d",
}


def _spec(url: str, **kw: object) -> SubscriptionSpec:
    return SubscriptionSpec(url=url, **kw)  # type: ignore[arg-type]  # test helper forwards dataclass fields


async def test_eventgrid_handshake_then_notification_with_headers_and_secrets() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served:
        url = f"{served.base_url}/Events?secret=qs-secret"
        spec = _spec(url, name="callwright", headers={"x-callwright-secret": "hdr-secret"})
        async with delivery_harness(subscriptions=(spec,)) as h:
            h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
            await h.service.drain(5)
            state = h.service.subscriptions.get("callwright")
    handshake, note = sink.requests
    assert handshake.method == "POST" and handshake.query == "secret=qs-secret"
    assert handshake.headers["aeg-event-type"] == "SubscriptionValidation"
    validation = handshake.json()
    assert validation[0]["eventType"] == "Microsoft.EventGrid.SubscriptionValidationEvent"
    assert validation[0]["subject"] == "" and validation[0]["metadataVersion"] == "1"
    assert set(validation[0]["data"]) == {"validationCode", "validationUrl"}
    assert note.query == "secret=qs-secret" and note.headers["x-callwright-secret"] == "hdr-secret"
    assert note.headers["aeg-event-type"] == "Notification"
    assert note.headers["aeg-subscription-name"] == "CALLWRIGHT"
    assert note.headers["aeg-delivery-count"] == "0"
    assert note.headers["aeg-metadata-version"] == "1" and note.headers["aeg-data-version"] == "1.0"
    assert note.headers["content-type"] == "application/json; charset=utf-8"
    (event,) = note.json()
    assert note.headers["aeg-output-event-id"] == event["id"]
    assert event["eventType"] == "Microsoft.Communication.IncomingCall"
    assert event["subject"] == "/caller/4:+15551230001/recipient/4:+18005550100"
    assert event["topic"].startswith("/subscriptions/") and "/providers/Microsoft.Communication/" in event["topic"]
    assert event["dataVersion"] == "1.0" and event["metadataVersion"] == "1" and event["eventTime"].endswith("Z")
    assert event["data"] == DATA
    assert state is not None and state.status == "validated" and state.delivered == 1


@pytest.mark.parametrize(("status", "echo"), [(202, True), (200, False), (500, True)])
async def test_bad_validation_reply_blocks_delivery(status: int, echo: bool) -> None:
    sink = RecordingSink(validation_status=status, echo_validation_code=echo)
    async with run_asgi(sink) as served:
        spec = _spec(served.base_url, max_attempts=2)
        async with delivery_harness(subscriptions=(spec,)) as h:
            h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
            await h.service.drain(5)
            state = h.service.subscriptions.get("callwright")
            entries = h.entries("sc-1", "incoming_call")
    assert sink.notifications() == []
    assert len(sink.requests) == 2  # one handshake per attempt, no notification
    assert state is not None and state.status == "failed" and state.failed == 1
    assert [e.detail["validated"] for e in entries] == [False, False]


async def test_failed_handshake_is_retried_before_the_next_attempt() -> None:
    sink = RecordingSink(validation_status=404)  # the app is not up yet
    async with run_asgi(sink) as served, delivery_harness(time_scale=0.02) as h:
        h.service.subscriptions.add(_spec(served.base_url))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await sink.wait_for(lambda r: len(r) == 1)
        sink.validation_status = 200  # the app came up
        await h.service.drain(5)
    assert [r.is_handshake for r in sink.requests] == [True, True, False]
    assert sink.requests[2].headers["aeg-delivery-count"] == "1"


async def test_cloudevents_options_handshake_and_single_event_body() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.subscriptions.add(_spec(f"{served.base_url}/Events", schema="cloudevents", name="ce-sub"))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await h.service.drain(5)
    options, note = sink.requests
    assert options.method == "OPTIONS" and options.headers["webhook-request-origin"] == "eventgrid.azure.net"
    assert note.headers["content-type"] == "application/cloudevents+json; charset=utf-8"
    assert note.headers["aeg-subscription-name"] == "CE-SUB" and "aeg-data-version" not in note.headers
    event = note.json()
    assert isinstance(event, dict)
    assert event["type"] == "Microsoft.Communication.IncomingCall" and event["specversion"] == "1.0"
    assert event["source"].startswith("/subscriptions/") and event["subject"].startswith("/caller/4:+1555")


@pytest.mark.parametrize("origin", [None, "someone-else.example"])
async def test_cloudevents_without_consent_gets_nothing(origin: str | None) -> None:
    sink = RecordingSink(allow_origin=origin)
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.subscriptions.add(_spec(served.base_url, schema="cloudevents", max_attempts=1))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await h.service.drain(5)
    assert [r.method for r in sink.requests] == ["OPTIONS"]


async def test_retry_after_500_carries_delivery_count() -> None:
    sink = RecordingSink()
    sink.respond_with(500)
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.subscriptions.add(_spec(served.base_url))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await h.service.drain(5)
        entries = [e for e in h.entries("sc-1", "incoming_call") if e.name.endswith("IncomingCall")]
    first, second = sink.notifications()
    assert (first.headers["aeg-delivery-count"], second.headers["aeg-delivery-count"]) == ("0", "1")
    assert first.json()[0]["id"] == second.json()[0]["id"]
    assert [(e.detail["status"], e.detail["attempt"], e.detail["subscription"]) for e in entries] == [
        (500, 1, "callwright"),
        (200, 2, "callwright"),
    ]


@pytest.mark.parametrize("status", [400, 401, 403, 413])
async def test_final_statuses_are_not_retried(status: int) -> None:
    sink = RecordingSink()
    sink.respond_with(status)
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.subscriptions.add(_spec(served.base_url))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await h.service.drain(5)
        state = h.service.subscriptions.get("callwright")
    assert len(sink.notifications()) == 1
    assert state is not None and state.failed == 1 and state.last_status == status


async def test_max_attempts_bounds_retries() -> None:
    sink = RecordingSink()
    sink.default_status = 503
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.subscriptions.add(_spec(served.base_url, max_attempts=3))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await h.service.drain(10)
    assert [r.headers["aeg-delivery-count"] for r in sink.notifications()] == ["0", "1", "2"]


async def test_every_subscription_gets_the_same_event() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.subscriptions.add(_spec(f"{served.base_url}/a", name="one"))
        h.service.subscriptions.add(_spec(f"{served.base_url}/b", name="two"))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await h.service.drain(5)
    notes = {r.path: r for r in sink.notifications()}
    assert set(notes) == {"/a", "/b"}
    assert notes["/a"].json()[0]["id"] == notes["/b"].json()[0]["id"]
    assert notes["/b"].headers["aeg-subscription-name"] == "TWO"


async def test_subscription_routes() -> None:
    async with delivery_harness() as h, httpx.AsyncClient(base_url=h.base_url) as client:
        created = await client.post(
            "/simulator/subscriptions",
            json={
                "url": "http://127.0.0.1:9/Events?secret=x",
                "schema": "cloudevents",
                "name": "app-1",
                "headers": {"x-secret": "y"},
            },
        )
        assert created.status_code == 201
        assert created.json()["status"] == "pending" and "secret=x" not in created.json()["url"]
        listed = (await client.get("/simulator/subscriptions")).json()["value"]
        assert [(s["name"], s["schema"], s["headers"]) for s in listed] == [("app-1", "cloudevents", ["x-secret"])]
        assert (await client.delete("/simulator/subscriptions/APP-1")).status_code == 204
        assert (await client.delete("/simulator/subscriptions/app-1")).status_code == 404
        assert h.service.subscriptions.list() == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "ftp://x/y"},
        {"url": "http://x/y", "schema": "xml"},
        {"url": "http://x/y", "name": "a b"},
        {"url": "http://x/y", "headers": {"aeg-event-type": "x"}},
        {"url": "http://x/y", "headers": {"x": 1}},
        {"url": "http://x/y", "maxDeliveryAttempts": 31},
        {"url": "http://x/y", "extra": True},
    ],
)
async def test_subscription_routes_reject_bad_input(body: dict[str, object]) -> None:
    async with delivery_harness() as h, httpx.AsyncClient(base_url=h.base_url) as client:
        response = await client.post("/simulator/subscriptions", json=body)
        assert response.status_code == 422, response.text
        assert h.service.subscriptions.list() == []


async def test_manual_validation_url_validates() -> None:
    sink = RecordingSink(echo_validation_code=False)
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.subscriptions.add(_spec(served.base_url, max_attempts=1))
        h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
        await h.service.drain(5)
        validation_url = sink.requests[0].json()[0]["data"]["validationUrl"]
        async with httpx.AsyncClient() as client:
            assert (await client.get(validation_url.replace("code=", "code=wrong"))).status_code == 422
            assert (await client.get(validation_url)).status_code == 200
        state = h.service.subscriptions.get("callwright")
        assert state is not None and state.status == "validated"
        h.service.publisher.incoming_call(DATA, server_call_id="sc-2")
        await h.service.drain(5)
    assert len(sink.notifications()) == 1


async def test_emulator_call_reaches_subscription_end_to_end() -> None:
    pytest.importorskip("simulator.app", reason="the emulator's REST surface (simulator/app.py) is not built yet")
    from simulator.server import run_simulator

    sink = RecordingSink()
    async with run_asgi(sink) as served:
        spec = _spec(f"{served.base_url}/Events?secret=qs", headers={"x-callwright-secret": "h"})
        async with run_simulator(time_scale=0.01, subscriptions=(spec,)) as sim, httpx.AsyncClient() as client:
            response = await client.post(
                f"{sim.base_url}/simulator/calls", json={"from": "+15551230001", "to": "+18005550100"}
            )
            assert response.status_code in (200, 201, 202), response.text
            await sink.wait_for(lambda r: len(sink.notifications()) >= 1)
    (note,) = sink.notifications()
    (event,) = note.json()
    assert event["eventType"] == "Microsoft.Communication.IncomingCall"
    assert event["data"]["to"]["rawId"] == "4:+18005550100" and event["data"]["incomingCallContext"]
    assert note.query == "secret=qs" and note.headers["x-callwright-secret"] == "h"


async def test_refused_handshakes_count_as_failed_attempts() -> None:
    sink = RecordingSink(validation_status=403)
    async with run_asgi(sink) as served:
        async with delivery_harness(subscriptions=(_spec(served.base_url, max_attempts=2),)) as h:
            h.service.publisher.incoming_call(DATA, server_call_id="sc-1")
            await h.service.drain(5)
            state = h.service.subscriptions.get("callwright")
    assert state is not None
    listed = state.to_json()
    assert (listed["attempts"], listed["delivered"], listed["failed"]) == (2, 0, 1)  # 2 attempts, 1 event lost
