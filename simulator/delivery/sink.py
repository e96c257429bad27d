"""A recording webhook receiver: answers Event Grid handshakes and records every request it gets.

For tests of anything that receives the emulator's deliveries, and for benchmarks (it is a bare ASGI app, so it
is cheap per request). Serve it with :func:`simulator.server.run_asgi`.

Example::

    sink = RecordingSink()
    sink.respond_with(500)                      # the next notification fails once
    async with run_asgi(sink) as served:
        ...                                     # point a callback URL or a subscription at served.base_url
        await sink.wait_for(lambda reqs: len(sink.notifications()) >= 2)
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the sink saw it; header names are lower-case."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def is_handshake(self) -> bool:
        return self.method == "OPTIONS" or self.headers.get("aeg-event-type") == "SubscriptionValidation"


class RecordingSink:
    """Records requests; answers them from a script of statuses (default 200)."""

    def __init__(
        self,
        *,
        validation_status: int = 200,
        echo_validation_code: bool = True,
        allow_origin: str | None = "eventgrid.azure.net",
    ) -> None:
        self.requests: list[ReceivedRequest] = []
        self.validation_status = validation_status
        self.echo_validation_code = echo_validation_code
        self.allow_origin = allow_origin
        self.default_status = 200
        self._script: deque[int] = deque()
        self._changed = asyncio.Event()

    def respond_with(self, *statuses: int) -> None:
        """Answer the next non-handshake requests with these statuses, then with ``default_status``."""
        self._script.extend(statuses)

    def notifications(self) -> list[ReceivedRequest]:
        """Everything except handshakes (callbacks and Event Grid notifications)."""
        return [request for request in self.requests if not request.is_handshake]

    async def wait_for(self, condition: Callable[[list[ReceivedRequest]], bool], within: float = 5.0) -> None:
        """Wait until ``condition(self.requests)`` holds; raises TimeoutError after ``within`` seconds."""
        async with asyncio.timeout(within):
            while not condition(self.requests):
                self._changed.clear()
                await self._changed.wait()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if scope["type"] != "http":
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
        request = ReceivedRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope["query_string"].decode("latin-1"),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=bytes(body),
        )
        self.requests.append(request)
        self._changed.set()
        status, headers, payload = self._answer(request)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _answer(self, request: ReceivedRequest) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if request.method == "OPTIONS":
            if self.allow_origin is None:
                return 405, [], b""
            return 200, [(b"webhook-allowed-origin", self.allow_origin.encode()), (b"allow", b"POST")], b""
        if request.headers.get("aeg-event-type") == "SubscriptionValidation":
            code = request.json()[0]["data"]["validationCode"] if self.echo_validation_code else "not-the-code"
            payload = json.dumps({"validationResponse": code}).encode()
            return self.validation_status, [(b"content-type", b"application/json")], payload
        status = self._script.popleft() if self._script else self.default_status
        return status, [], b""
