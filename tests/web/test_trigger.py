"""POST /api/calls: the outbound-call trigger refuses bad keys and bad bodies before touching ACS."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app import Router
from app.web.app import create_app
from config.settings import DEV_TRIGGER_API_KEY, Settings

AUTH = {"Authorization": f"Bearer {DEV_TRIGGER_API_KEY}"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(), flows=[Router(name="reminder")], common=[])
    # No lifespan: the SDK client is not open, so a valid request gets 503 instead of reaching ACS.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as http:
        yield http


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"X-Api-Key": "wrong"}, {"Authorization": DEV_TRIGGER_API_KEY}],
)
async def test_a_missing_or_wrong_key_is_refused(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post("/api/calls", json={"flow": "reminder", "to": "+15555550150"}, headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"flow": "reminder"}', "either `to`"),
        (b'{"flow": "reminder", "to": "+1", "connect": {"roomId": "r"}}', "either `to`"),
        (b'{"flow": "reminder", "connect": {"roomId": "r", "groupCallId": "g"}}', "exactly one"),
        (b'{"flow": "reminder", "to": "+15555550150", "surprise": 1}', "surprise"),
        (b"[]", "body"),
    ],
)
async def test_a_bad_body_gets_400_with_a_reason(client: httpx.AsyncClient, body: bytes, fragment: str) -> None:
    response = await client.post("/api/calls", content=body, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


async def test_an_unknown_flow_gets_404_listing_the_known_ones(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/calls", json={"flow": "nope", "to": "+15555550150"}, headers=AUTH)
    assert response.status_code == 404
    assert "reminder" in response.json()["error"]["message"]


async def test_an_oversized_body_gets_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/calls", json={"flow": "reminder", "to": "+15555550150", "context": "x" * 70_000}, headers=AUTH
    )
    assert response.status_code == 413


async def test_before_startup_a_valid_request_gets_503(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/calls", json={"flow": "reminder", "to": "+15555550150"}, headers=AUTH)
    assert response.status_code == 503


async def test_other_methods_get_405(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/calls", headers=AUTH)).status_code == 405


@pytest.fixture
async def started() -> AsyncIterator[httpx.AsyncClient]:
    """The trigger after startup: a valid body reaches the state store (nothing here reaches ACS)."""
    app = create_app(Settings(allow_unauthenticated_callbacks=True), flows=[Router(name="reminder")], common=[])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def _nested(depth: int) -> bytes:
    return b'{"flow": "reminder", "to": "+15555550150", "state": {"x": ' + b"[" * depth + b"]" * depth + b"}}"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (_nested(5_000), "nested too deeply"),
        (b'{"flow": "reminder", "to": "+15555550150", "state": {"x": NaN}}', "not valid JSON"),
        (b'{"flow": "reminder", "to": "+15555550150", "state": {"x": 1e999}}', "not valid JSON"),
        (b'{"flow": "reminder", "to": "+15555550150", "state": {"x": -Infinity}}', "not valid JSON"),
    ],
)
async def test_deep_or_non_finite_json_is_400_not_500(started: httpx.AsyncClient, body: bytes, fragment: str) -> None:
    response = await started.post("/api/calls", content=body, headers={**AUTH, "content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]["message"]


async def test_errors_share_the_services_one_json_shape(client: httpx.AsyncClient) -> None:
    refused = await client.post("/api/calls", json={"flow": "nope", "to": "+15555550150"}, headers=AUTH)
    events = await client.post("/Events", json=[], headers={"content-type": "text/plain"})
    for response in (refused, events):
        error = response.json()["error"]
        assert set(error) == {"code", "message"} and error["code"] and error["message"], response.text
