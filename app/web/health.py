"""Liveness and readiness endpoints: ``/livez`` always 200, ``/readyz`` 200 only when every check passes.

Example::

    routes = health_routes({"state": store.ping, "jwks": jwks_ready})
    app = Starlette(routes=[*routes, Route("/Events", endpoint)])
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ReadinessCheck = Callable[[], Awaitable[bool] | bool]

_CHECK_TIMEOUT_SECONDS = 2.0


def health_routes(
    checks: Mapping[str, ReadinessCheck] | None = None, *, timeout: float = _CHECK_TIMEOUT_SECONDS
) -> list[Route]:
    """``/livez`` and ``/readyz`` routes. ``checks`` is read on every request, so it may be filled later.

    A check passes when it returns True within ``timeout`` seconds; False, an exception or a timeout fails it.
    ``/readyz`` answers 200 ``{"status": "ok", "checks": {...}}`` or 503 with ``"failed": [names]``.

    Example::

        async def store_up() -> bool:
            return await store.ping()

        routes = health_routes({"state": store_up})
    """
    named: Mapping[str, ReadinessCheck] = checks if checks is not None else {}
    log = structlog.get_logger("callwright.health")

    async def livez(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        names = list(named)
        results = await asyncio.gather(*(_run(named[name], timeout) for name in names))
        report = {name: ("ok" if passed else "failed") for name, passed in zip(names, results, strict=True)}
        failed = [name for name, passed in zip(names, results, strict=True) if not passed]
        if failed:
            log.warning("readiness_failed", failed=failed)
            return JSONResponse({"status": "unavailable", "checks": report, "failed": failed}, status_code=503)
        return JSONResponse({"status": "ok", "checks": report})

    return [Route("/livez", livez, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]


async def _run(check: ReadinessCheck, limit: float) -> bool:
    try:
        async with asyncio.timeout(limit):
            result = check()
            if inspect.isawaitable(result):
                result = await result
    except Exception:  # a check that breaks means "not ready", never a 500
        return False
    return result is True
