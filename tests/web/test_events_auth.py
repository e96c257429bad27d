"""/Events authentication: channel choice by header, 401/403/503 paths, and no parsing or dispatch before it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest
from starlette.applications import Starlette

from tests.web.conftest import SECRET, RecordingSink, callback_headers, cloud_event, eventgrid_headers, fixture
from tests.web.keys import AUDIENCE, FakeJwks, Signer, unsigned_token

INCOMING = fixture("eventgrid_incoming_call_pstn.json")


async def test_valid_callback_is_dispatched(client: httpx.AsyncClient, signer: Signer, sink: RecordingSink) -> None:
    response = await client.post("/Events", json=[cloud_event("e-1")], headers=callback_headers(signer.mint()))
    assert response.status_code == 200
    assert sink.ids == ["e-1"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer garbage",
        "Basic abc",
        "Bearer " + "x" * 20_000,
        "Bearer " + unsigned_token({"alg": "none", "kid": "key-1"}, {"aud": AUDIENCE}),
    ],
)
async def test_unauthenticated_callback_is_401_and_never_parsed(
    client: httpx.AsyncClient, sink: RecordingSink, jwks: FakeJwks, authorization: str | None
) -> None:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    # A malformed body proves the parser did not run: it would have answered 400.
    response = await client.post("/Events", content=b"{not json", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert sink.events == []
    assert jwks.fetches == 0  # rejected from the header alone


async def test_expired_and_wrong_audience_tokens_are_401(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    for token in (signer.mint(exp=int(time.time()) - 3600), signer.mint(aud="other-resource")):
        response = await client.post("/Events", json=[cloud_event("e-1")], headers=callback_headers(token))
        assert response.status_code == 401
    assert sink.events == []


async def test_forged_signature_is_401(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    forger = Signer(kid="key-1")
    response = await client.post("/Events", json=[cloud_event("e-1")], headers=callback_headers(forger.mint()))
    assert response.status_code == 401
    assert sink.events == []


async def test_keys_unavailable_is_503_with_retry_after(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink, jwks: FakeJwks
) -> None:
    jwks.down = True
    response = await client.post("/Events", json=[cloud_event("e-1")], headers=callback_headers(signer.mint()))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert sink.events == []


async def test_eventgrid_secret_in_query(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    response = await client.post(f"/Events?secret={SECRET}", json=INCOMING, headers=eventgrid_headers())
    assert response.status_code == 200
    assert [event.type for event, _ in sink.events] == ["Microsoft.Communication.IncomingCall"]


async def test_eventgrid_secret_in_header(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    response = await client.post("/Events", json=INCOMING, headers=eventgrid_headers(**{"x-callwright-secret": SECRET}))
    assert response.status_code == 200
    assert len(sink.events) == 1


@pytest.mark.parametrize("query", ["", "?secret=wrong", "?secret=", f"?other={SECRET}"])
async def test_eventgrid_without_secret_is_401(client: httpx.AsyncClient, sink: RecordingSink, query: str) -> None:
    response = await client.post(f"/Events{query}", content=b"garbage", headers=eventgrid_headers())
    assert response.status_code == 401
    assert sink.events == []


async def test_eventgrid_is_never_tried_as_a_callback(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    # A valid callback token does not help an Event Grid-shaped request: the channel comes from the headers.
    headers = eventgrid_headers(authorization=f"Bearer {signer.mint()}")
    response = await client.post("/Events", json=INCOMING, headers=headers)
    assert response.status_code == 401
    assert sink.events == []


async def test_eventgrid_unknown_subscription_is_401(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    headers = eventgrid_headers(**{"aeg-subscription-name": "SOMEONE-ELSE"})
    response = await client.post(f"/Events?secret={SECRET}", json=INCOMING, headers=headers)
    assert response.status_code == 401
    assert sink.events == []


async def test_allow_unauthenticated_skips_the_checks(
    build_app: Callable[..., Starlette], settings: object, sink: RecordingSink
) -> None:
    from config.settings import Settings

    assert isinstance(settings, Settings)
    relaxed = settings.model_copy(
        update={"allow_unauthenticated_callbacks": True, "allow_unauthenticated_eventgrid": True}
    )
    transport = httpx.ASGITransport(app=build_app(relaxed))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        first = await http.post("/Events", json=[cloud_event("e-1")], headers={"content-type": "application/json"})
        second = await http.post("/Events", json=INCOMING, headers=eventgrid_headers())
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(sink.events) == 2


async def test_missing_authenticators_fail_closed(settings: object, sink: RecordingSink) -> None:
    from starlette.routing import Route

    from app.web.events_endpoint import EventsEndpoint
    from config.settings import Settings

    assert isinstance(settings, Settings)
    app = Starlette(routes=[Route("/Events", EventsEndpoint(settings, callbacks=None, eventgrid=None, sink=sink))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        first = await http.post("/Events", json=[cloud_event("e-1")], headers={"content-type": "application/json"})
        second = await http.post(f"/Events?secret={SECRET}", json=INCOMING, headers=eventgrid_headers())
    assert (first.status_code, second.status_code) == (401, 401)
    assert sink.events == []


def test_auth_warnings(settings: object) -> None:
    from app.web.events_endpoint import auth_warnings
    from config.settings import Settings

    assert isinstance(settings, Settings)
    assert auth_warnings(settings) == []
    relaxed = settings.model_copy(update={"allow_unauthenticated_callbacks": True})
    assert len(auth_warnings(relaxed)) == 1
    both = relaxed.model_copy(update={"allow_unauthenticated_eventgrid": True})
    assert len(auth_warnings(both)) == 2
    assert all("NOT authenticated" in warning for warning in auth_warnings(both))


async def test_logs_never_carry_secrets(client: httpx.AsyncClient, signer: Signer) -> None:
    from structlog.contextvars import merge_contextvars
    from structlog.testing import capture_logs

    token = signer.mint()
    # No redaction processor here: this checks the endpoint never logs secrets in the first place.
    with capture_logs(processors=[merge_contextvars]) as logs:
        await client.post(f"/Events?secret={SECRET}", json=INCOMING, headers=eventgrid_headers())
        await client.post("/Events?secret=wrong-one", json=INCOMING, headers=eventgrid_headers())
        await client.post("/Events", json=[cloud_event("e-1")], headers=callback_headers(token))
    text = json.dumps(logs, default=str)
    context = INCOMING[0]["data"]["incomingCallContext"]
    for secret in (SECRET, "wrong-one", token, context):
        assert secret not in text
    assert any(entry["event"] == "events_rejected" and entry["status"] == 401 for entry in logs)
    assert any(entry.get("event_id") == "e-1" for entry in logs)
