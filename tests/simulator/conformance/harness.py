"""The conformance harness: the emulator, a receiver keeping whole CloudEvents, and SDK clients as the live tests
build them (a caller client with ``source``, a target client with ``source``, or no source for the PSTN test)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from azure.communication.callautomation import CommunicationUserIdentifier
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.config import SubscriptionSpec
from simulator.server import RunningSimulator, run_asgi, run_simulator
from simulator.world.identity import resource_identity
from tests.simulator.audio import AUDIO_ROUTE

TIME_SCALE = 0.02  # 1 simulated second = 20 ms
WAIT = 10.0  # real seconds any awaited event may take (the machine is shared)


@dataclass
class Capture:
    """What the app side received, in arrival order: whole callback CloudEvents and IncomingCall data."""

    events: list[dict[str, Any]] = field(default_factory=list)
    incoming: list[dict[str, Any]] = field(default_factory=list)
    stream_messages: list[str] = field(default_factory=list)  # what arrived on the media/transcription sockets
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def app(self) -> Starlette:
        async def callbacks(request: Request) -> Response:
            payload = json.loads(await request.body())
            async with self.changed:
                self.events.extend(payload if isinstance(payload, list) else [payload])
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

        async def stream(websocket: WebSocket) -> None:  # the live tests' WebSocket server: accept and read
            await websocket.accept()
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    self.stream_messages.append(await websocket.receive_text())

        routes = [
            AUDIO_ROUTE,
            Route("/eventgrid", eventgrid, methods=["POST"]),
            WebSocketRoute("/media", stream),
            WebSocketRoute("/transcription", stream),
        ]
        return Starlette(routes=[*routes, Route("/{path:path}", callbacks, methods=["POST"])])

    def of(self, connection_id: str, short_type: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["data"].get("callConnectionId") == connection_id
            and (short_type is None or e["type"].endswith("." + short_type))
        ]

    async def until(self, predicate: Callable[[], Any]) -> Any:
        async with self.changed:
            return await asyncio.wait_for(self.changed.wait_for(predicate), WAIT)

    async def event(self, connection_id: str, short_type: str) -> dict[str, Any]:
        await self.until(lambda: self.of(connection_id, short_type))
        return self.of(connection_id, short_type)[0]


@dataclass
class Live:
    """One scenario run: the emulator, the capture, and identities named by role."""

    sim: RunningSimulator
    capture: Capture
    base_url: str
    api_version: str
    roles: dict[str, str] = field(default_factory=dict)
    connections: dict[str, str] = field(default_factory=dict)  # fact connection name → callConnectionId

    def stream_url(self, path: str) -> str:
        """A WebSocket URL of the capture server (``/media``, ``/transcription``), as the live tests' transportUrl."""
        return self.base_url.replace("http://", "ws://", 1) + path

    def callback(self, unique: str | None = None) -> str:
        """``/events?q=<uniqueId>`` for the caller side, ``/events`` for the answering side (as the live tests)."""
        return f"{self.base_url}/events" + (f"?q={unique}" if unique else "")

    def audio(self, name: str) -> str:
        return f"{self.base_url}/audio/{name}"

    def user(self, role: str, suffix: str = "") -> CommunicationUserIdentifier:
        """A new ACS user of the resource; ``-noanswer`` makes one that rings and never answers."""
        raw = f"8:acs:{self.sim.config.resource_id}_{uuid.uuid4()}{suffix}"
        self.roles[role] = raw
        return CommunicationUserIdentifier(raw)

    def client(self, source: CommunicationUserIdentifier | None = None) -> CallAutomationClient:
        return CallAutomationClient(
            self.sim.base_url,
            AzureKeyCredential(self.sim.config.access_key),
            source=source,
            api_version=self.api_version,
        )

    async def sleep(self, simulated_seconds: float) -> None:
        await asyncio.sleep(simulated_seconds * TIME_SCALE)


@asynccontextmanager
async def live(api_version: str, *, realism: bool, seed: int = 0) -> AsyncIterator[Live]:
    capture = Capture()
    async with run_asgi(capture.app()) as served:
        subscription = SubscriptionSpec(url=f"{served.base_url}/eventgrid", name="conformance")
        async with run_simulator(
            time_scale=TIME_SCALE, subscriptions=(subscription,), realism=realism, realism_seed=seed
        ) as sim:
            run = Live(sim, capture, served.base_url, api_version)
            run.roles["app"] = resource_identity(sim.config.resource_id).raw_id
            yield run
