"""The WebSockets the emulator opens to apps, as ACS does for transcription and media streaming.

Each connection carries ``Authorization: Bearer <JWT>`` (the callback signing key, 24-hour lifetime),
``x-ms-call-connection-id`` and ``x-ms-call-correlation-id``. One aiohttp session per emulator, made on first use.

Example::

    connector = StreamConnector(token=delivery.websocket_token)
    socket = await connector.open(url, call_connection_id=conn.id, correlation_id=call.correlation_id)
    if socket is not None:
        await socket.send({"kind": "TranscriptionMetadata", ...})
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

_log = logging.getLogger("simulator.streaming")
CONNECT_TIMEOUT = 10.0
_MAX_MESSAGE_BYTES = 1024 * 1024


class StreamSocket:
    """One open WebSocket. ``send`` never raises: a failed send marks the socket closed."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self.closed_by_us = False
        self._lock = asyncio.Lock()

    @property
    def closed(self) -> bool:
        return self._ws.closed

    async def send(self, message: dict[str, Any]) -> bool:
        """Send one JSON text message; False when the socket is gone."""
        return await self.send_text(json.dumps(message, separators=(",", ":")))

    async def send_text(self, text: str) -> bool:
        """Send a message already encoded as JSON text (the audio frames); False when the socket is gone."""
        if self._ws.closed:
            return False
        try:
            async with self._lock:
                await self._ws.send_str(text)
        except (ConnectionError, aiohttp.ClientError, RuntimeError):
            return False
        return True

    async def receive(self, on_message: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Read until the socket closes, handing each JSON object to ``on_message`` (malformed ones are skipped)."""
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            try:
                data = json.loads(message.data)
            except ValueError:
                _log.info("stream message is not JSON; ignored")
                continue
            if isinstance(data, dict):
                await on_message(data)

    async def close(self) -> None:
        self.closed_by_us = True
        if not self._ws.closed:
            await self._ws.close()


class StreamConnector:
    """Opens stream sockets; ``close`` ends them all (emulator shutdown or reset)."""

    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    async def open(self, url: str, *, call_connection_id: str, correlation_id: str) -> StreamSocket | None:
        """Connect to ``url``; None when the app refuses, is unreachable or does not answer in time."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(trust_env=False)
        headers = {
            "Authorization": f"Bearer {self._token()}",
            "x-ms-call-connection-id": call_connection_id,
            "x-ms-call-correlation-id": correlation_id,
            "User-Agent": "Callwright-ACS-Emulator/0.1 (media)",
        }
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                ws = await self._session.ws_connect(
                    url,
                    headers=headers,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
                    max_msg_size=_MAX_MESSAGE_BYTES,
                    autoping=True,
                )
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
            _log.info("stream connection to the app failed: %s", type(error).__name__)
            return None
        return StreamSocket(ws)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
