"""Keep-alive: a server must not close an idle connection that its sender still counts as reusable.

If it does, the sender's next request on that connection races the close and is reset; neither azure-core nor
aiohttp retries a POST that failed that way, so a callback or an action is lost. Both servers, the service (with
the production options) and the emulator, are checked on the wire.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from app.web.server import server_options
from simulator.delivery.transport import IDLE_TIMEOUT as EMULATOR_SENDER_IDLE
from simulator.server import KEEP_ALIVE_SECONDS as EMULATOR_KEEP_ALIVE
from simulator.server import bind_socket, serve_on_socket
from tests.web.conftest import RecordingSink, callback_headers, cloud_event
from tests.web.keys import Signer
from tests.web.serving import serving

UVICORN_DEFAULT_KEEP_ALIVE = 5.0  # seconds: what both servers used before, below every sender's idle timeout


def _wire_options() -> dict[str, Any]:
    """The production options that shape the connection (the rest concern loading the app and logging)."""
    options = server_options()
    return {key: options[key] for key in ("http", "timeout_keep_alive")}


@asynccontextmanager
async def _served_with_production_options(app: Starlette) -> AsyncIterator[int]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off", **_wire_options())
    async with serving(config) as port:
        yield port


async def _post_twice_on_one_connection(
    port: int, headers: Callable[[], dict[str, str]], bodies: list[bytes]
) -> list[str]:
    """Two POSTs on one raw connection, idle past uvicorn's default keep-alive in between; each reply's status
    line, or what happened instead. A raw socket, because a pooling client would hide a closed connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    outcomes = []
    try:
        for index, body in enumerate(bodies):
            if index:
                await asyncio.sleep(UVICORN_DEFAULT_KEEP_ALIVE + 0.7)
            head = "".join(f"{name}: {value}\r\n" for name, value in headers().items())
            writer.write(
                f"POST /Events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {len(body)}\r\n{head}\r\n".encode()
            )
            writer.write(body)
            try:
                await writer.drain()
                status = (await reader.readline()).decode().strip() or "connection closed by the server"
                response_headers = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in response_headers.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                await reader.readexactly(length)
            except (ConnectionError, asyncio.IncompleteReadError) as error:
                status = f"connection failed: {type(error).__name__}"
            outcomes.append(status)
    finally:
        writer.close()
    return outcomes


async def test_idle_connections_outlive_uvicorns_default_keep_alive(
    build_app: Callable[..., Starlette], signer: Signer, sink: RecordingSink
) -> None:
    """Before: both servers closed idle connections after 5 s, and the second POST below was reset."""
    bodies = [json.dumps([cloud_event(f"keep-alive-{n}")]).encode() for n in range(2)]

    def headers() -> dict[str, str]:
        return {**callback_headers(signer.mint()), "content-type": "application/json"}

    async def accept(_: object) -> Response:
        return Response(status_code=202, media_type="application/json", content=b"{}")

    emulator_like = Starlette(routes=[Route("/Events", accept, methods=["POST"])])
    async with (
        _served_with_production_options(build_app()) as service_port,
        serve_on_socket(emulator_like, bind_socket()) as emulator,
    ):
        service, sdk = await asyncio.gather(
            _post_twice_on_one_connection(service_port, headers, bodies),
            _post_twice_on_one_connection(emulator.port, dict, [b"{}", b"{}"]),
        )
    assert service == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"], "the service reset a callback connection"
    assert sink.ids == ["keep-alive-0", "keep-alive-1"]
    assert sdk == ["HTTP/1.1 202 Accepted", "HTTP/1.1 202 Accepted"], "the emulator reset an SDK connection"


async def test_each_server_outlasts_the_idle_timeout_of_those_who_send_to_it() -> None:
    async with aiohttp.ClientSession() as session:  # how azure-core's AioHttpTransport builds its pool
        sdk_idle = session.connector._keepalive_timeout  # type: ignore[union-attr]
    assert sdk_idle == 15.0
    assert EMULATOR_KEEP_ALIVE > sdk_idle, "the emulator would close the SDK's pooled connections under it"
    assert server_options()["timeout_keep_alive"] > max(sdk_idle, EMULATOR_SENDER_IDLE), "the service would race them"
