"""/livez and /readyz."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette

from app.web.health import ReadinessCheck, health_routes


def client_for(checks: dict[str, ReadinessCheck] | None, timeout: float = 2.0) -> httpx.AsyncClient:
    app = Starlette(routes=health_routes(checks, timeout=timeout))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def up() -> bool:
    return True


async def down() -> bool:
    return False


async def broken() -> bool:
    raise ConnectionError("redis down")


async def hangs() -> bool:
    await asyncio.Event().wait()
    return True


async def test_livez_always_ok() -> None:
    async with client_for({"state": down}) as http:
        response = await http.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_ok_when_all_pass() -> None:
    async with client_for({"state": up, "jwks": lambda: True}) as http:
        response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"state": "ok", "jwks": "ok"}}


async def test_readyz_names_failing_checks() -> None:
    async with client_for({"state": up, "jwks": down, "redis": broken, "slow": hangs}, timeout=0.05) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["jwks", "redis", "slow"]
    assert body["checks"]["state"] == "ok"


async def test_checks_are_read_at_request_time() -> None:
    checks: dict[str, ReadinessCheck] = {}
    async with client_for(checks) as http:
        assert (await http.get("/readyz")).status_code == 200
        checks["state"] = down
        assert (await http.get("/readyz")).status_code == 503


async def test_readyz_with_the_memory_store() -> None:
    from app.state.memory import MemoryStateStore

    store = MemoryStateStore()
    async with client_for({"state": store.ping}) as http:
        assert (await http.get("/readyz")).status_code == 200
        await store.aclose()
        assert (await http.get("/readyz")).status_code == 503
