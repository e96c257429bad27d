"""A real WebSocket receiver for the emulator's transcription and media streams (what an app's ``/media`` sees)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.server import run_asgi
from tests.simulator.conftest import WAIT


@dataclass
class StreamReceiver:
    """Accepts every connection (or refuses with ``refuse``), records headers and messages per connection."""

    refuse: bool = False
    headers: list[dict[str, str]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    sockets: list[WebSocket] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    url: str = ""

    def app(self) -> Starlette:
        async def endpoint(websocket: WebSocket) -> None:
            async with self.changed:
                self.headers.append(dict(websocket.headers))
                self.changed.notify_all()
            if self.refuse:
                await websocket.close(code=1008)
                return
            await websocket.accept()
            self.sockets.append(websocket)
            try:
                while True:
                    message = json.loads(await websocket.receive_text())
                    async with self.changed:
                        self.messages.append(message)
                        self.changed.notify_all()
            except WebSocketDisconnect:
                return

        return Starlette(routes=[WebSocketRoute("/media", endpoint)])

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("kind") == kind]

    async def until(self, predicate: Callable[[], Any], timeout: float = WAIT) -> Any:  # noqa: ASYNC109 - poll deadline
        async with self.changed:
            return await asyncio.wait_for(self.changed.wait_for(predicate), timeout)

    async def send(self, message: dict[str, Any]) -> None:
        await self.sockets[-1].send_text(json.dumps(message))

    async def close_all(self) -> None:
        for socket in self.sockets:
            with contextlib.suppress(RuntimeError):
                await socket.close()


@contextlib.asynccontextmanager
async def stream_receiver(*, refuse: bool = False) -> AsyncIterator[StreamReceiver]:
    receiver = StreamReceiver(refuse=refuse)
    async with run_asgi(receiver.app()) as served:
        receiver.url = f"ws://127.0.0.1:{served.port}/media"
        yield receiver
