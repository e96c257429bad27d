"""Routes of the dev phone: the page, its static modules, the live stream and what the page needs to know.

Example::

    routes = ui_routes(config, feed)      # mounted by simulator.app.create_simulator before the catch-all
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from simulator.config import SimulatorConfig
from simulator.ui.feed import LiveFeed

STATIC = Path(__file__).parent / "static"
# Everything the page loads comes from the emulator itself; prompt audio may come from wherever the app points it.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; media-src *; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_NO_CACHE = {"cache-control": "no-cache", "content-security-policy": _POLICY}


def ui_routes(config: SimulatorConfig, feed: LiveFeed) -> list[BaseRoute]:
    """``/``, ``/phone``, ``/ui/*``, ``GET /simulator/stream`` and ``GET /simulator/phone``."""
    page = (STATIC / "index.html").read_bytes()

    async def index(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=_NO_CACHE)

    async def stream(request: Request) -> Response:
        headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
        return StreamingResponse(feed.frames(), media_type="text/event-stream", headers=headers)

    async def phone(request: Request) -> Response:
        return JSONResponse(
            {"ownedNumbers": list(config.owned_numbers), "timeScale": config.time_scale, "endpoint": config.base_url}
        )

    return [
        Route("/", index, methods=["GET"]),
        Route("/phone", index, methods=["GET"]),
        Route("/simulator/stream", stream, methods=["GET"]),
        Route("/simulator/phone", phone, methods=["GET"]),
        Mount("/ui", app=StaticFiles(directory=STATIC), name="ui"),
    ]
