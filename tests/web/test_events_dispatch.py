"""/Events dispatch: batches in order, one failure does not stop the rest, status semantics, the flow parameter."""

from __future__ import annotations

import json

import httpx

from tests.web.conftest import SECRET, RecordingSink, callback_headers, cloud_event, eventgrid_headers, fixture
from tests.web.keys import Signer


async def test_batch_dispatched_in_order_despite_one_failure(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    sink.fail_ids = {"e-2"}
    batch = [cloud_event(f"e-{index}") for index in range(1, 6)]
    response = await client.post("/Events", json=batch, headers=callback_headers(signer.mint()))
    assert response.status_code == 200
    assert response.content == b""  # the senders read only the status
    assert sink.ids == ["e-1", "e-2", "e-3", "e-4", "e-5"]


async def test_failing_incoming_call_still_200(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    incoming = fixture("eventgrid_incoming_call_pstn.json")
    sink.fail_ids = {incoming[0]["id"]}
    response = await client.post(f"/Events?secret={SECRET}", json=incoming, headers=eventgrid_headers())
    assert response.status_code == 200  # a 5xx would make Event Grid retry a ringing call's stale context
    assert len(sink.events) == 1


async def test_unknown_event_type_is_200_and_dispatched(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    event = cloud_event("e-new", "SomethingInvented", novel={"x": 1})
    response = await client.post("/Events", json=[event], headers=callback_headers(signer.mint()))
    assert response.status_code == 200
    assert [type(event).__name__ for event, _ in sink.events] == ["UnknownEvent"]


async def test_single_object_body_is_accepted(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    response = await client.post(
        "/Events",
        content=json.dumps(cloud_event("e-1")),
        headers=callback_headers(signer.mint(), **{"content-type": "application/cloudevents+json"}),
    )
    assert response.status_code == 200
    assert sink.ids == ["e-1"]


async def test_real_callback_fixture(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    batch = fixture("callbacks_play.json")
    response = await client.post("/Events", json=batch, headers=callback_headers(signer.mint()))
    assert response.status_code == 200
    assert sink.ids == [event["id"] for event in batch]


async def test_sink_unavailable_is_503(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    sink.unavailable_ids = {"e-2"}
    batch = [cloud_event("e-1"), cloud_event("e-2"), cloud_event("e-3")]
    response = await client.post("/Events", json=batch, headers=callback_headers(signer.mint()))
    assert response.status_code == 503
    assert "retry-after" in response.headers
    assert sink.ids == ["e-1", "e-2"]  # stop: the sender redelivers the batch, dedup skips e-1


async def test_flow_parameter_reaches_the_sink(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    response = await client.post(
        "/Events?flow=support_line", json=[cloud_event("e-1")], headers=callback_headers(signer.mint())
    )
    assert response.status_code == 200
    assert sink.events[0][1] == "support_line"
    await client.post("/Events", json=[cloud_event("e-2")], headers=callback_headers(signer.mint()))
    assert sink.events[1][1] is None


async def test_dispatch_log_lines_carry_ids(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    from structlog.contextvars import merge_contextvars
    from structlog.testing import capture_logs

    sink.fail_ids = {"e-1"}
    with capture_logs(processors=[merge_contextvars]) as logs:
        await client.post("/Events", json=[cloud_event("e-1")], headers=callback_headers(signer.mint()))
    failed = [entry for entry in logs if entry["event"] == "event_dispatch_failed"]
    assert len(failed) == 1
    assert failed[0]["event_id"] == "e-1"
    assert failed[0]["event_type"] == "Microsoft.Communication.CallConnected"
    assert failed[0]["call_connection_id"] == "2c006980-8ef1-46c2-84fa-357fefac0893"
    assert failed[0]["channel"] == "callback"
