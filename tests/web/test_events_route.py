"""How a request reaches ``/Events`` in the assembled app: straight to the endpoint while the app adds nothing around
its routes, through the app's own middleware, exception handlers and router as soon as it does."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.routing import Router
from app.web.app import CallwrightApp, create_app
from config.settings import Settings

CALL = "c-route-1"
PARTICIPANTS = {
    "id": "e-route-1",
    "source": f"calling/callConnections/{CALL}",
    "type": "Microsoft.Communication.ParticipantsUpdated",
    "specversion": "1.0",
    "data": {"callConnectionId": CALL, "serverCallId": "s-route-1", "participants": [], "sequenceNumber": 1},
}


def _app() -> CallwrightApp:
    settings = Settings(allow_unauthenticated_callbacks=True, eventgrid_secret="s")  # no JWKS to fetch here
    return create_app(settings, flows=[Router(name="route_test")], common=[])


async def _post(app: ASGIApp, path: str = "/Events") -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ivr") as http:
        body = json.dumps([PARTICIPANTS])
        return await http.post(path, content=body, headers={"content-type": "application/json"})


class _Seen:
    """A pure ASGI middleware that writes down each path it passes on."""

    def __init__(self, app: ASGIApp, seen: list[str]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(scope["path"])
        await self.app(scope, receive, send)


def _spy_on_the_stack(app: CallwrightApp) -> list[str]:
    """The paths that went through Starlette's middleware stack and router."""
    entered: list[str] = []
    build = app.build_middleware_stack

    def build_and_spy() -> ASGIApp:
        inner = build()

        async def spy(scope: Scope, receive: Receive, send: Send) -> None:
            entered.append(scope.get("path", ""))
            await inner(scope, receive, send)

        return spy

    app.build_middleware_stack = build_and_spy  # type: ignore[method-assign]
    return entered


async def test_events_go_straight_to_the_endpoint_when_the_app_adds_nothing_around_it() -> None:
    app = _app()
    entered = _spy_on_the_stack(app)
    assert (await _post(app)).status_code == 200
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ivr") as http:
        assert (await http.get("/livez")).status_code == 200
        assert (await http.get("/Events")).status_code == 405  # not a method the endpoint serves: the router says so
    assert entered == ["/livez", "/Events"]


async def test_middleware_added_to_the_app_sees_every_event_delivery() -> None:
    app = _app()
    seen: list[str] = []
    app.add_middleware(_Seen, seen=seen)
    assert (await _post(app)).status_code == 200
    assert seen == ["/Events"]


async def test_an_exception_handler_added_to_the_app_keeps_events_on_the_router() -> None:
    app = _app()
    entered = _spy_on_the_stack(app)

    async def teapot(request: Request, error: Exception) -> Response:
        return PlainTextResponse("teapot", status_code=418)

    handler: Callable[[Request, Any], Awaitable[Response]] = teapot
    app.add_exception_handler(KeyError, handler)
    assert (await _post(app)).status_code == 200
    assert entered == ["/Events"]
