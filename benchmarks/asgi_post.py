"""One POST straight into an ASGI app, no server and no socket: what the in-process benchmarks send events with.

Example::

    status = await post(app, "/Events", b"flow=front_desk", [(b"content-type", b"application/json")], body)
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp


async def post(app: ASGIApp, path: str, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """The response status of one request; ``headers`` are sent as they are (give ``content-length`` too)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "headers": headers,
    }  # fmt: skip
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status
