"""/Events bad inputs (docs/security.md): each gets its status, never a 500, and nothing is dispatched."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Message

from tests.web.conftest import SECRET, RecordingSink, callback_headers, cloud_event, eventgrid_headers
from tests.web.keys import Signer

CALLBACK_LIMIT = 4096  # from the settings fixture
EVENTGRID_LIMIT = 8192


async def post_callback(
    client: httpx.AsyncClient, signer: Signer, content: bytes, content_type: str = "application/json"
) -> httpx.Response:
    return await client.post(
        "/Events", content=content, headers=callback_headers(signer.mint(), **{"content-type": content_type})
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed_json"),
        (b'[{"id": "e-1", "type": ', "malformed_json"),  # truncated
        ('[{"id": "\u00e9"}]'.encode()[:-4], "invalid_utf8"),  # cut inside a two-byte character
        (b'[{"id": "\xc3"}]', "invalid_utf8"),  # truncated UTF-8 sequence
        (b"\xff\xfe[]", "invalid_utf8"),
        (b"", "empty_body"),
        (b"   ", "empty_body"),
        (b'"just a string"', "not_an_event_batch"),
        (b"42", "not_an_event_batch"),
        (b"null", "not_an_event_batch"),
        (b"[NaN]", "malformed_json"),
        (b"[1, 2, 3]", "invalid_events"),
        (b"[{}]", "invalid_events"),
        (b'[{"type": "Microsoft.Communication.CallConnected"}]', "invalid_events"),
        (json.dumps([{**cloud_event("e-1"), "data": [1]}]).encode(), "invalid_events"),
    ],
)
async def test_malformed_bodies_are_400(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink, body: bytes, code: str
) -> None:
    response = await post_callback(client, signer, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert sink.events == []


@pytest.mark.parametrize(
    "body", [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"[" * 10_000]
)
async def test_10000_levels_of_nesting_is_400(
    build_app: Callable[..., Starlette], settings: Any, signer: Signer, sink: RecordingSink, body: bytes
) -> None:
    roomy = settings.model_copy(update={"max_callback_body_bytes": 1_000_000})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(roomy)), base_url="http://t") as http:
        response = await post_callback(http, signer, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"too_deep", "malformed_json"}
    assert sink.events == []


async def test_deep_but_parseable_data_is_not_a_500(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    event = cloud_event("e-deep")
    event["data"]["extra"] = json.loads("[" * 900 + "]" * 900)
    response = await post_callback(client, signer, json.dumps([event]).encode())
    assert response.status_code == 200  # 900 levels is legal JSON: extra fields are kept, not a failure
    assert sink.ids == ["e-deep"]


async def test_known_event_with_wrong_field_types_is_400(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    event = cloud_event("e-bad", "RecognizeCompleted", recognitionType="dtmf", dtmfResult={"tones": 5})
    response = await post_callback(client, signer, json.dumps([event]).encode())
    assert response.status_code == 400
    assert "e-bad" in response.json()["error"]["message"]
    assert sink.events == []


async def test_100k_element_array_is_400(
    build_app: Callable[..., Starlette], settings: Any, signer: Signer, sink: RecordingSink
) -> None:
    roomy = settings.model_copy(update={"max_callback_body_bytes": 1_000_000})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(roomy)), base_url="http://t") as http:
        response = await post_callback(http, signer, b"[" + b",".join([b"{}"] * 100_000) + b"]")
    assert response.status_code == 400
    assert sink.events == []


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=utf-16",
        "",
        "application/jsonp",
    ],
)
async def test_wrong_content_type_is_415(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink, content_type: str
) -> None:
    response = await post_callback(client, signer, json.dumps([cloud_event("e-1")]).encode(), content_type)
    assert response.status_code == 415
    assert sink.events == []


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON; charset=UTF-8",
        "application/cloudevents+json; charset=utf-8",
        "application/cloudevents-batch+json",
    ],
)
async def test_accepted_content_types(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink, content_type: str
) -> None:
    response = await post_callback(client, signer, json.dumps([cloud_event("e-1")]).encode(), content_type)
    assert response.status_code == 200
    assert sink.ids == ["e-1"]


async def test_missing_content_type_is_415(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    headers = {"authorization": f"Bearer {signer.mint()}"}
    response = await client.post("/Events", content=b"[]", headers=headers)
    assert response.status_code == 415
    assert sink.events == []


async def test_oversized_callback_with_content_length_is_413(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    big = json.dumps([cloud_event("e-1", padding="x" * CALLBACK_LIMIT)]).encode()
    response = await post_callback(client, signer, big)
    assert response.status_code == 413
    assert sink.events == []


async def test_eventgrid_limit_is_separate(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    # 6 KB: over the callback limit, under the Event Grid one.
    event = {
        "id": "g-1",
        "eventType": "Microsoft.Communication.CallStarted",
        "subject": "s",
        "data": {"serverCallId": "x", "padding": "y" * 6000},
        "eventTime": "2025-01-01T00:00:00Z",
        "dataVersion": "1.0",
        "metadataVersion": "1",
    }
    response = await client.post(f"/Events?secret={SECRET}", json=[event], headers=eventgrid_headers())
    assert response.status_code == 200
    event["data"]["padding"] = "y" * EVENTGRID_LIMIT  # type: ignore[index]
    response = await client.post(f"/Events?secret={SECRET}", json=[event], headers=eventgrid_headers())
    assert response.status_code == 413
    assert len(sink.events) == 1


async def test_bad_content_length_is_400(
    build_app: Callable[..., Starlette], signer: Signer, sink: RecordingSink
) -> None:
    messages: list[Message] = [{"type": "http.request", "body": b"[]", "more_body": False}]
    status = await drive(build_app(), messages, [(b"content-length", b"abc")], signer)
    assert status == 400
    assert sink.events == []


async def test_chunked_oversized_body_is_413(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'[{"id": "e-1", "padding": "'
        for _ in range(20):
            yield b"x" * 1024
        yield b'"}]'

    response = await client.post("/Events", content=chunks(), headers=callback_headers(signer.mint()))
    assert response.status_code == 413
    assert sink.events == []


async def drive(
    app: Starlette, messages: Iterable[Message], extra_headers: list[tuple[bytes, bytes]], signer: Signer
) -> int:
    """Run the ASGI app directly: it lets a test count how much of the body the endpoint consumed."""
    inbox = iter(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return next(inbox)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/Events",
        "raw_path": b"/Events",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"t"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {signer.mint()}".encode()),
            *extra_headers,
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    return int(start["status"])


async def test_endless_chunked_body_stops_at_the_limit(
    build_app: Callable[..., Starlette], signer: Signer, sink: RecordingSink
) -> None:
    consumed = 0

    def endless() -> Iterator[Message]:
        nonlocal consumed
        while True:
            consumed += 1
            yield {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    messages = endless()
    app = build_app()
    status = await drive(app, messages, [], signer)
    assert status == 413
    assert consumed <= CALLBACK_LIMIT // 1000 + 2  # stopped reading right after the limit
    assert sink.events == []


async def test_declared_oversize_is_refused_without_reading(
    build_app: Callable[..., Starlette], signer: Signer, sink: RecordingSink
) -> None:
    def never() -> Iterator[Message]:
        raise AssertionError("the body must not be read")
        yield

    status = await drive(build_app(), never(), [(b"content-length", b"10000000")], signer)
    assert status == 413


async def test_a_body_in_several_messages_is_read_whole(
    build_app: Callable[..., Starlette], signer: Signer, sink: RecordingSink
) -> None:
    body = json.dumps([cloud_event("e-pieces", "CallConnected", padding="p" * 500)]).encode()
    pieces = [body[:7], b"", body[7:300], body[300:]]
    messages: list[Message] = [
        {"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
        for index, piece in enumerate(pieces)
    ]
    assert await drive(build_app(), messages, [], signer) == 200
    assert sink.ids == ["e-pieces"]
    assert sink.events[0][0].raw["padding"] == "p" * 500


async def test_client_disconnect_mid_body_is_not_a_500(
    build_app: Callable[..., Starlette], signer: Signer, sink: RecordingSink
) -> None:
    messages: list[Message] = [{"type": "http.request", "body": b"[", "more_body": True}, {"type": "http.disconnect"}]
    status = await drive(build_app(), messages, [], signer)
    assert status == 400
    assert sink.events == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD"])
async def test_other_methods_are_405(client: httpx.AsyncClient, sink: RecordingSink, method: str) -> None:
    response = await client.request(method, "/Events")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    assert sink.events == []


async def test_endpoint_itself_answers_405_without_route_filter(settings: Any, sink: RecordingSink) -> None:
    from starlette.routing import Route

    from app.web.events_endpoint import EventsEndpoint

    app = Starlette(routes=[Route("/Events", EventsEndpoint(settings, callbacks=None, eventgrid=None, sink=sink))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get("/Events")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("flow", ["a b", "x" * 101, "../etc", "<script>"])
async def test_bad_flow_parameter_is_400(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink, flow: str
) -> None:
    response = await client.post(
        "/Events", params={"flow": flow}, json=[cloud_event("e-1")], headers=callback_headers(signer.mint())
    )
    assert response.status_code == 400
    assert sink.events == []
