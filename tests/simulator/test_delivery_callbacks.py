"""Mid-call callbacks over real loopback HTTP: envelope, signature, per-call order, retries, timeline."""

from __future__ import annotations

import re

import httpx
import jwt
import pytest

from simulator.config import DEV_RESOURCE_ID
from simulator.delivery.sink import RecordingSink
from simulator.server import run_asgi
from tests.simulator.delivery_fixtures import delivery_harness

TIME_ACS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,7}\+00:00$")  # trailing zeros dropped, as in captures


async def test_envelope_body_and_headers() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.publisher.callback(
            f"{served.base_url}/Events?token=abc",
            "CallConnected",
            {"operationContext": "hello"},
            call_connection_id="cc-1",
            server_call_id="sc-1",
        )
        await sink.wait_for(lambda r: len(r) == 1)
    request = sink.requests[0]
    assert request.method == "POST" and request.path == "/Events" and request.query == "token=abc"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"].startswith("Bearer ")
    assert "emulator" in request.headers["user-agent"].lower()
    body = request.json()
    assert isinstance(body, list) and len(body) == 1
    event = body[0]
    assert set(event) == {"id", "source", "type", "data", "time", "specversion", "datacontenttype", "subject"}
    assert event["source"] == event["subject"] == "calling/callConnections/cc-1"
    assert event["type"] == "Microsoft.Communication.CallConnected"
    assert TIME_ACS.match(event["time"])
    assert event["specversion"] == "1.0" and event["datacontenttype"] == "application/json"
    data = event["data"]
    assert data["callConnectionId"] == "cc-1" and data["serverCallId"] == "sc-1"
    assert re.match(r"^[0-9a-f-]{36}$", data["correlationId"])
    assert data["operationContext"] == "hello"
    assert data["publicEventType"] == "Microsoft.Communication.CallConnected"
    assert data["version"] == "2026-03-12"  # no version from the world: the SDK 1.6.0 default
    assert data["resultInformation"] == {"code": 200, "subCode": 0, "message": ""}


async def test_world_supplied_fields_win_and_recording_source() -> None:
    sink = RecordingSink()
    failure = {"code": 400, "subCode": 8535, "message": "Action failed, file format is invalid."}
    async with run_asgi(sink) as served, delivery_harness() as h:
        publish = h.service.publisher.callback
        publish(
            served.base_url,
            "PlayFailed",
            {"resultInformation": failure, "correlationId": "corr-1"},
            call_connection_id="cc-1",
            server_call_id="sc-1",
        )
        publish(
            served.base_url,
            "Microsoft.Communication.RecordingStateChanged",
            {"recordingId": "rec-9", "state": "active"},
            call_connection_id="cc-1",
            server_call_id="sc-1",
        )
        await sink.wait_for(lambda r: len(r) == 2)
    play, recording = (r.json()[0] for r in sink.requests)
    assert play["data"]["resultInformation"] == failure and play["data"]["correlationId"] == "corr-1"
    assert recording["type"] == "Microsoft.Communication.RecordingStateChanged"
    assert recording["source"] == "calling/recordings/sc-1/rec-9/RecordingStateChanged"


async def test_bearer_token_validates_against_jwks() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.publisher.callback(served.base_url, "CallConnected", {}, call_connection_id="c", server_call_id="s")
        await sink.wait_for(lambda r: len(r) == 1)
        async with httpx.AsyncClient() as client:
            jwks = jwt.PyJWKSet.from_dict((await client.get(f"{h.base_url}/calling/keys")).json())
    token = sink.requests[0].headers["authorization"].split()[1]
    key = next(k for k in jwks.keys if k.key_id == jwt.get_unverified_header(token)["kid"])
    claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=h.base_url, audience=DEV_RESOURCE_ID)
    assert claims["exp"] - claims["iat"] == 300


async def test_each_callback_gets_a_fresh_token() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        for _ in range(2):
            h.service.publisher.callback(served.base_url, "PlayStarted", {}, call_connection_id="c", server_call_id="s")
        await sink.wait_for(lambda r: len(r) == 2)
    tokens = [r.headers["authorization"] for r in sink.requests]
    assert tokens[0] != tokens[1]


async def test_per_call_order_is_kept_while_calls_interleave() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        for i in range(20):
            for call in ("a", "b", "c"):
                h.service.publisher.callback(
                    served.base_url,
                    "ContinuousDtmfRecognitionToneReceived",
                    {"sequenceId": i},
                    call_connection_id=call,
                    server_call_id=f"s-{call}",
                )
        await h.service.drain(10)
    assert len(sink.requests) == 60
    for call in ("a", "b", "c"):
        seen = [
            e["data"]["sequenceId"] for r in sink.requests for e in r.json() if e["data"]["callConnectionId"] == call
        ]
        assert seen == list(range(20))


async def test_failed_post_is_retried_with_same_event_and_holds_later_callbacks() -> None:
    sink = RecordingSink()
    sink.respond_with(500, 503)
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.publisher.callback(served.base_url, "PlayStarted", {}, call_connection_id="c", server_call_id="s")
        h.service.publisher.callback(served.base_url, "PlayCompleted", {}, call_connection_id="c", server_call_id="s")
        await h.service.drain(10)
    events = [r.json()[0] for r in sink.requests]
    assert [e["type"].rsplit(".", 1)[1] for e in events] == ["PlayStarted"] * 3 + ["PlayCompleted"]
    assert len({e["id"] for e in events[:3]}) == 1
    attempts = [(e.detail["status"], e.detail["attempt"]) for e in h.entries("s", "callback")]
    assert attempts == [(500, 1), (503, 2), (200, 3), (200, 1)]


@pytest.mark.parametrize("status", [400, 401, 403, 413])
async def test_final_statuses_are_not_retried(status: int) -> None:
    sink = RecordingSink()
    sink.respond_with(status)
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.publisher.callback(served.base_url, "PlayStarted", {}, call_connection_id="c", server_call_id="s")
        h.service.publisher.callback(served.base_url, "PlayCompleted", {}, call_connection_id="c", server_call_id="s")
        await h.service.drain(10)
    assert [r.json()[0]["type"] for r in sink.requests] == [
        "Microsoft.Communication.PlayStarted",
        "Microsoft.Communication.PlayCompleted",
    ]


async def test_unreachable_app_gives_up_after_four_attempts() -> None:
    async with run_asgi(RecordingSink()) as served:
        dead_url = f"{served.base_url}/Events"
    async with delivery_harness() as h:
        h.service.publisher.callback(dead_url, "CallConnected", {}, call_connection_id="c", server_call_id="s")
        await h.service.drain(10)
        entries = h.entries("s", "callback")
    assert [e.detail["attempt"] for e in entries] == [1, 2, 3, 4]
    assert all(e.detail["status"] is None and e.detail["error"] for e in entries)


async def test_timeline_records_attempts_without_query_secrets() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.timeline.link("cc-1", "sc-1")
        h.service.publisher.callback(
            f"{served.base_url}/Events?secret=s3cret",
            "CallConnected",
            {},
            call_connection_id="cc-1",
            server_call_id="sc-1",
        )
        await h.service.drain(5)
        (entry,) = h.entries("sc-1")
    assert (entry.kind, entry.actor, entry.name) == ("callback", "acs", "Microsoft.Communication.CallConnected")
    assert entry.call_connection_id == "cc-1" and entry.detail["status"] == 200 and entry.detail["attempt"] == 1
    assert entry.detail["event"]["id"] == sink.requests[0].json()[0]["id"]
    assert "s3cret" not in entry.detail["url"]


async def test_drain_does_not_wait_for_retries_due_after_the_timeout() -> None:
    sink = RecordingSink()
    sink.respond_with(500)
    async with run_asgi(sink) as served, delivery_harness(time_scale=10) as h:  # first retry in 10 s real
        h.service.publisher.callback(served.base_url, "PlayStarted", {}, call_connection_id="c", server_call_id="s")
        await h.service.drain(2)
        assert len(sink.requests) == 1
        assert h.service.tracker.active == 1


async def test_callback_url_is_delivered_byte_for_byte() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        url = f"{served.base_url}/Events?sig=a%2Fb%3Fc&x=%7E"
        h.service.publisher.callback(url, "CallConnected", {}, call_connection_id="cc-1", server_call_id="sc-1")
        await sink.wait_for(lambda r: len(r) == 1)
    (request,) = sink.requests
    assert request.query == "sig=a%2Fb%3Fc&x=%7E"  # not re-encoded to sig=a/b?c or x=~
