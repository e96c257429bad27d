"""/Events with the real dispatcher: a redelivery while the event is being processed gets 503 + Retry-After."""

from __future__ import annotations

import asyncio

import httpx

from app import Router
from app.testing.fakes import make_app, make_settings
from tests.web.conftest import cloud_event


async def test_a_redelivery_during_processing_is_told_to_retry_then_is_a_duplicate() -> None:
    router = Router(name="slow")
    inside, release = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    @router.call_connected()
    async def slow() -> None:
        runs.append("run")
        inside.set()
        await release.wait()

    app, _ = make_app(make_settings(), router)
    body = [cloud_event("evt-1")]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as http:
        first = asyncio.create_task(http.post("/Events", json=body))
        await asyncio.wait_for(inside.wait(), 5)
        again = await http.post("/Events", json=body)
        assert again.status_code == 503
        assert int(again.headers["retry-after"]) >= 1
        release.set()
        assert (await first).status_code == 200
        assert (await http.post("/Events", json=body)).status_code == 200  # done: a duplicate, not run again
    assert runs == ["run"]
