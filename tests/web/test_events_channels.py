"""Each /Events channel carries only its own events: the Event Grid secret cannot drive a live call, and a
callback token cannot post Event Grid events. Refusals are 403 (not retried by either sender) and logged."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from tests.web.conftest import SECRET, RecordingSink, callback_headers, cloud_event, eventgrid_headers, fixture
from tests.web.keys import Signer

INCOMING = fixture("eventgrid_incoming_call_pstn.json")
CALL = "2c006980-8ef1-46c2-84fa-357fefac0893"


def recognized(event_id: str = "e-rc") -> dict[str, Any]:
    return cloud_event(
        event_id,
        "RecognizeCompleted",
        recognitionType="dtmf",
        dtmfResult={"tones": ["one"]},
        operationContext="front_desk.menu:1",
        resultInformation={"code": 200, "subCode": 8531, "message": "ok"},
    )


def eventgrid_schema(event_type: str, **data: Any) -> dict[str, Any]:
    return {
        "id": "eg-1",
        "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
        "subject": "call/x",
        "eventType": event_type,
        "eventTime": "2025-06-13T19:10:11Z",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": data,
    }


async def test_the_eventgrid_secret_cannot_post_a_call_automation_callback(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    with capture_logs() as logs:
        response = await client.post(
            f"/Events?secret={SECRET}&flow=front_desk", json=[recognized()], headers=eventgrid_headers()
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_channel"
    assert sink.events == []
    assert [line["status"] for line in logs if line["event"] == "events_rejected"] == [403]


async def test_the_eventgrid_secret_cannot_post_a_callback_in_eventgrid_schema_either(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    body = [eventgrid_schema("Microsoft.Communication.CallConnected", callConnectionId=CALL)]
    response = await client.post(f"/Events?secret={SECRET}", json=body, headers=eventgrid_headers())
    assert response.status_code == 403
    assert sink.events == []


async def test_a_callback_token_cannot_post_an_eventgrid_incoming_call(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    with capture_logs() as logs:
        response = await client.post("/Events", json=INCOMING, headers=callback_headers(signer.mint()))
    assert response.status_code == 403
    assert sink.events == []
    assert any(line["event"] == "events_rejected" for line in logs)


@pytest.mark.parametrize(
    "body",
    [
        fixture("cloudevent_incoming_call_voip.json"),
        [cloud_event("e-ce", "CallEnded")],
        [eventgrid_schema("Microsoft.Communication.PlayCompleted", callConnectionId=CALL)],
        [{**cloud_event("e-src"), "source": "calling/callConnections/another-call"}],
        [cloud_event("e-nocall", "SomeFutureEvent", callConnectionId=None)],
    ],
    ids=["incoming-call-as-cloudevent", "reporting-event", "eventgrid-schema", "source-names-another-call", "no-call"],
)
async def test_a_callback_token_carries_only_call_automation_cloudevents(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink, body: list[dict[str, Any]]
) -> None:
    response = await client.post("/Events", json=body, headers=callback_headers(signer.mint()))
    assert response.status_code == 403, response.text
    assert sink.events == []


async def test_each_channel_still_carries_its_own_events(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    ended = [eventgrid_schema("Microsoft.Communication.CallEnded", serverCallId="s-1")]
    future = [eventgrid_schema("Microsoft.Communication.SomethingNew", serverCallId="s-1")]
    responses = [
        await client.post(f"/Events?secret={SECRET}", json=INCOMING, headers=eventgrid_headers()),
        await client.post(f"/Events?secret={SECRET}", json=ended, headers=eventgrid_headers()),
        await client.post(f"/Events?secret={SECRET}", json=future, headers=eventgrid_headers()),
        await client.post("/Events", json=[recognized()], headers=callback_headers(signer.mint())),
        await client.post(
            "/Events", json=[cloud_event("e-new", "SomeFutureEvent")], headers=callback_headers(signer.mint())
        ),
    ]
    assert [response.status_code for response in responses] == [200] * 5
    assert [event.event_name for event, _ in sink.events] == [
        "IncomingCall",
        "CallEnded",
        "SomethingNew",
        "RecognizeCompleted",
        "SomeFutureEvent",
    ]
