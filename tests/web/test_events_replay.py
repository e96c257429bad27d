"""A callback token is good for the one body it first came with: replayed with another call's body, it is 401."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
from starlette.applications import Starlette

from app.state.errors import StoreUnavailable
from app.web.events_endpoint import EventsEndpoint
from tests.web.conftest import RecordingSink, callback_headers, cloud_event
from tests.web.keys import Signer


def for_call(event_id: str, call_id: str) -> bytes:
    event = cloud_event(event_id, "RecognizeCompleted", recognitionType="dtmf", dtmfResult={"tones": ["one"]})
    event["source"] = f"calling/callConnections/{call_id}"
    event["data"]["callConnectionId"] = call_id
    return json.dumps([event]).encode()


async def test_a_token_replayed_with_another_calls_body_is_refused(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    headers = callback_headers(signer.mint())
    first = await client.post("/Events", content=for_call("e-1", "call-a"), headers=headers)
    replayed = await client.post("/Events", content=for_call("e-2", "call-b"), headers=headers)
    assert first.status_code == 200
    assert replayed.status_code == 401
    assert [event.call_connection_id for event, _ in sink.events] == ["call-a"]


async def test_the_same_token_with_the_same_body_is_a_redelivery(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    headers = callback_headers(signer.mint())
    body = for_call("e-1", "call-a")
    responses = [await client.post("/Events", content=body, headers=headers) for _ in range(2)]
    assert [response.status_code for response in responses] == [200, 200]  # de-duplication is the sink's job
    assert sink.ids == ["e-1", "e-1"]


async def test_each_event_with_its_own_token_is_accepted(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    for number, call in enumerate(["call-a", "call-b"]):
        response = await client.post(
            "/Events", content=for_call(f"e-{number}", call), headers=callback_headers(signer.mint())
        )
        assert response.status_code == 200
    assert [event.call_connection_id for event, _ in sink.events] == ["call-a", "call-b"]


class UnreachableBindings:
    """Shared bindings whose Redis does not answer."""

    async def bind(self, token: bytes, body: bytes, ttl_seconds: float) -> bool:
        raise StoreUnavailable("Redis unavailable: ConnectionError")


async def test_unreachable_shared_bindings_answer_503_and_nothing_runs(
    build_app: Callable[..., Starlette], signer: Signer, sink: RecordingSink
) -> None:
    app = build_app()
    endpoint = app.routes[0].app  # type: ignore[attr-defined]
    assert isinstance(endpoint, EventsEndpoint)
    endpoint.token_bindings = UnreachableBindings()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://callwright.test") as client:
        response = await client.post(
            "/Events", content=for_call("e-1", "call-a"), headers=callback_headers(signer.mint())
        )
    assert response.status_code == 503 and response.headers["retry-after"] == "1"  # the sender tries again
    assert sink.events == []
