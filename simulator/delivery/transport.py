"""The outgoing HTTP client shared by callbacks and Event Grid: one aiohttp session per delivery service.

aiohttp rather than httpx here: with hundreds of concurrent calls calling back, httpx's connection pool costs
several milliseconds per request on this hardware, aiohttp a fraction of that.

Example::

    transport = Transport()
    await transport.start()
    reply = await transport.send("POST", url, {"content-type": "application/json"}, b"[]", within=10)
    reply.status          # None on a connection error or timeout, with reply.error saying which
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp
from multidict import CIMultiDict
from yarl import URL

MAX_CONNECTIONS = 256
_MAX_REPLY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """What came back: status (None if nothing did), an error label, headers and (the start of) the body."""

    status: int | None
    error: str | None = None
    headers: CIMultiDict[str] = field(default_factory=CIMultiDict)
    body: bytes = b""


class Transport:
    """Starts and stops with the delivery service; ``send`` waits for ``start`` if called before it."""

    def __init__(self, verify: bool | ssl.SSLContext = True) -> None:
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None
        self._started = asyncio.Event()

    async def start(self) -> None:
        if self._session is None:
            # trust_env: honour proxies from the environment; SSL_CERT_FILE is read by the default SSL context.
            connector = aiohttp.TCPConnector(
                limit=MAX_CONNECTIONS, ssl=self._verify if self._verify is not True else True
            )
            self._session = aiohttp.ClientSession(connector=connector, trust_env=True)
        self._started.set()

    async def stop(self) -> None:
        self._started.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, *, within: float
    ) -> Reply:
        await self._started.wait()
        session = self._session
        if session is None:
            return Reply(None, "delivery stopped")
        try:
            async with session.request(
                method,
                URL(url, encoded=True),  # byte for byte: the app may sign or compare its callback URL
                headers=dict(headers),
                data=body,
                timeout=aiohttp.ClientTimeout(total=within),
                allow_redirects=False,
            ) as response:
                payload = await response.content.read(_MAX_REPLY_BYTES)
                return Reply(response.status, None, CIMultiDict(response.headers), payload)
        except TimeoutError:
            return Reply(None, "timeout")
        except (aiohttp.ClientError, ValueError) as exc:
            return Reply(None, type(exc).__name__)
