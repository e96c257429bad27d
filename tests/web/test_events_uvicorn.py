"""/Events over a real uvicorn server on a loopback port: what an HTTP client really gets back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from tests.web.conftest import SECRET, RecordingSink, callback_headers, cloud_event, eventgrid_headers, fixture
from tests.web.keys import Signer
from tests.web.serving import serving


@pytest.fixture
async def base_url(build_app: Callable[..., Starlette]) -> AsyncIterator[str]:
    config = uvicorn.Config(build_app(), host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off")
    async with serving(config) as port:
        yield f"http://127.0.0.1:{port}"


async def test_over_loopback(base_url: str, signer: Signer, sink: RecordingSink) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        ok = await http.post("/Events?flow=menu", json=[cloud_event("e-1")], headers=callback_headers(signer.mint()))
        validation = await http.post(
            f"/Events?secret={SECRET}",
            json=fixture("eventgrid_subscription_validation.json"),
            headers=eventgrid_headers("SubscriptionValidation"),
        )
        unauthenticated = await http.post("/Events", json=[cloud_event("e-2")], headers={"authorization": "Bearer x"})
        huge_header = await http.post("/Events", json=[cloud_event("e-3")], headers=callback_headers("A" * 20_000))
        options = await http.options("/Events", headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
        get = await http.get("/Events")
    assert ok.status_code == 200
    assert validation.status_code == 200
    assert "validationResponse" in validation.json()
    assert unauthenticated.status_code == 401
    assert huge_header.status_code == 401
    assert options.headers["webhook-allowed-origin"] == "eventgrid.azure.net"
    assert get.status_code == 405
    assert sink.ids == ["e-1"]
    assert sink.events[0][1] == "menu"


async def test_chunked_oversize_over_loopback(base_url: str, signer: Signer, sink: RecordingSink) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"["
        for _ in range(64):
            yield json.dumps(cloud_event("e-x")).encode() + b","
        yield b"{}]"

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post("/Events", content=chunks(), headers=callback_headers(signer.mint()))
        deep = await http.post("/Events", content=b"[" * 2000 + b"]" * 2000, headers=callback_headers(signer.mint()))
    assert response.status_code == 413
    assert deep.status_code == 400  # 2000 levels: json's recursion limit, answered as a 400
    assert sink.events == []
