"""Shared fixtures: the emulator served on a loopback port, a real callback/Event Grid receiver, SDK clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from azure.communication.callautomation.aio import CallAutomationClient as AsyncCallAutomationClient
from azure.core.credentials import AzureKeyCredential
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.client import SimulatorClient
from simulator.config import SubscriptionSpec
from simulator.server import RunningSimulator, run_asgi, run_simulator
from simulator.world.world import World
from tests.simulator.audio import AUDIO_ROUTE

TIME_SCALE = 0.02  # 1 simulated second = 20 ms
WAIT = 5.0  # real seconds any awaited condition may take


@dataclass(frozen=True)
class Event:
    type: str  # short name, e.g. "CallConnected"
    data: dict[str, Any]
    url_path: str

    @property
    def connection_id(self) -> str:
        return str(self.data.get("callConnectionId", ""))


@dataclass
class Receiver:
    """What the emulator delivered: mid-call callbacks (any path but /eventgrid) and IncomingCall events."""

    events: list[Event] = field(default_factory=list)
    incoming: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def app(self) -> Starlette:
        async def callbacks(request: Request) -> Response:
            payload = json.loads(await request.body())
            items = payload if isinstance(payload, list) else [payload]
            async with self.changed:
                for item in items:
                    short = item["type"].rsplit(".", 1)[-1]
                    self.events.append(Event(short, item["data"], request.url.path))
                self.changed.notify_all()
            return Response(status_code=200)

        async def eventgrid(request: Request) -> Response:
            items = json.loads(await request.body())
            async with self.changed:
                for item in items:
                    if item["eventType"] == "Microsoft.EventGrid.SubscriptionValidationEvent":
                        return JSONResponse({"validationResponse": item["data"]["validationCode"]})
                    self.incoming.append(item["data"])
                self.changed.notify_all()
            return Response(status_code=200)

        return Starlette(
            routes=[
                AUDIO_ROUTE,
                Route("/eventgrid", eventgrid, methods=["POST"]),
                Route("/{path:path}", callbacks, methods=["POST"]),
            ]
        )

    def of(self, connection_id: str | None, *types: str) -> list[Event]:
        return [e for e in self.events if e.connection_id == connection_id and (not types or e.type in types)]

    def types(self, connection_id: str | None) -> list[str]:
        return [e.type for e in self.of(connection_id)]

    async def until(self, predicate: Callable[[], Any], timeout: float = WAIT) -> Any:  # noqa: ASYNC109 - poll deadline
        async with self.changed:
            return await asyncio.wait_for(self.changed.wait_for(predicate), timeout)

    async def event(self, connection_id: str | None, event_type: str, timeout: float = WAIT) -> Event:  # noqa: ASYNC109
        await self.until(lambda: self.of(connection_id, event_type), timeout)
        return self.of(connection_id, event_type)[0]

    async def incoming_call(self, predicate: Callable[[dict[str, Any]], bool] = lambda d: True) -> dict[str, Any]:
        await self.until(lambda: [d for d in self.incoming if predicate(d)])
        return next(d for d in self.incoming if predicate(d))


@dataclass
class Env:
    sim: RunningSimulator
    receiver: Receiver
    callback_url: str
    control: SimulatorClient
    client: AsyncCallAutomationClient

    @property
    def world(self) -> World:
        world: World = self.sim.app.state.world  # type: ignore[attr-defined]  # Starlette state is untyped
        return world

    @property
    def key(self) -> str:
        return self.sim.config.access_key

    @property
    def app_id(self) -> str:
        """The resource's own identity: in the roster of every call the app placed without a source."""
        return self.world.app_identity.raw_id

    def audio(self, name: str) -> str:
        """A loopback prompt URL (``a.wav`` plays; ``page.html`` is not audio; other names are 404)."""
        return f"{self.callback_url.removesuffix('/events')}/audio/{name}"


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    receiver = Receiver()
    async with run_asgi(receiver.app()) as served:
        subscription = SubscriptionSpec(url=f"{served.base_url}/eventgrid", name="tests")
        async with run_simulator(time_scale=TIME_SCALE, subscriptions=(subscription,)) as sim:
            client = AsyncCallAutomationClient(sim.base_url, AzureKeyCredential(sim.config.access_key))
            async with SimulatorClient(sim.base_url) as control, client:
                yield Env(sim, receiver, f"{served.base_url}/events", control, client)


@pytest.fixture
async def http(env: Env) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the emulator under test (control API, stream, page)."""
    async with httpx.AsyncClient(base_url=env.sim.base_url, timeout=10.0) as client:
        yield client
