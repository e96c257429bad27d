"""Half-sent requests are cut, idle keep-alive connections are not, and stalled clients cannot starve the server:
a real uvicorn over loopback sockets, with the protocol ``callwright serve`` uses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from app.web.deadlines import DeadlineH11Protocol, DeadlineHttpToolsProtocol, deadline_protocol
from tests.web.serving import serving

DEADLINE = 0.5
CAP = 40


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"bytes": len(await request.body())})


async def echo_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


@pytest.fixture(params=[DeadlineHttpToolsProtocol, DeadlineH11Protocol], ids=["httptools", "h11"])
async def port(request: pytest.FixtureRequest) -> AsyncIterator[int]:
    app = Starlette(routes=[Route("/echo", echo, methods=["GET", "POST"]), WebSocketRoute("/ws", echo_socket)])
    protocol = deadline_protocol(
        header_timeout=DEADLINE, body_timeout=DEADLINE, max_connections=CAP, base=request.param
    )
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, http=protocol, timeout_keep_alive=5, log_config=None, lifespan="off"
    )
    async with serving(config) as port:
        yield port


async def closed_after(reader: asyncio.StreamReader, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent before closing."""
    started = time.monotonic()
    async with asyncio.timeout(limit):
        received = await reader.read()
    return time.monotonic() - started, received


async def test_half_sent_headers_are_cut_at_the_deadline(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /echo HTTP/1.1\r\nHost: t\r\n")  # and never the blank line
    elapsed, received = await closed_after(reader, 10 * DEADLINE)
    assert received.startswith(b"HTTP/1.1 408")
    assert elapsed < 4 * DEADLINE
    writer.close()


async def test_half_sent_body_is_cut_at_the_deadline(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
    elapsed, _ = await closed_after(reader, 10 * DEADLINE)
    assert elapsed < 4 * DEADLINE
    writer.close()


async def test_an_idle_keep_alive_connection_outlives_the_deadline(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(2):
        writer.write(b"GET /echo HTTP/1.1\r\nHost: t\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), 5)
        assert status.startswith(b"HTTP/1.1 200")
        await asyncio.wait_for(reader.readuntil(b'{"bytes":0}'), 5)
        await asyncio.sleep(3 * DEADLINE)  # idle between requests: longer than any request deadline
    writer.close()


async def test_stalled_clients_are_shed_and_a_real_client_gets_through(port: int) -> None:
    stalled = []
    for _ in range(3 * CAP):  # three times the cap, each sending half a request
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Le")
        stalled.append((reader, writer))
    await asyncio.sleep(3 * DEADLINE)
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.post(f"http://127.0.0.1:{port}/echo", content=b"hello")
    assert response.json() == {"bytes": 5}
    answers = []
    for reader, writer in stalled:  # every stalled connection was closed by the server: refused or timed out
        try:
            answers.append(await asyncio.wait_for(reader.read(), 2))
        except ConnectionResetError:
            answers.append(b"")
        writer.close()
    assert all(
        answer in (b"", b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
        for answer in answers
    )
    assert answers.count(b"") >= CAP  # those past the cap were refused at once


async def test_a_websocket_outlives_the_request_deadlines(port: int) -> None:
    """A live media stream lasts as long as the call: the upgrade ends the request and its deadlines."""
    async with aiohttp.ClientSession() as http, http.ws_connect(f"ws://127.0.0.1:{port}/ws") as ws:
        for word in ("before", "after"):
            await ws.send_str(word)
            assert (await ws.receive(timeout=5)).data == word
            await asyncio.sleep(3 * DEADLINE)  # longer than the header and the body deadlines
