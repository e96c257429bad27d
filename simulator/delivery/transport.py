"""The outgoing HTTP client shared by callbacks and Event Grid: one aiohttp session per delivery service.

aiohttp rather than httpx here: with hundreds of concurrent calls calling back, httpx's connection pool costs
several milliseconds per request on this hardware, aiohttp a fraction of that.

It pools connections the way ACS's and Event Grid's senders are taken to (they are .NET services, whose pooled
connections idle out after 60 s by default): an app whose server closes idle connections sooner sees the same
connection resets here as in production. The environment is read once for proxies; trusting it per request would
cost aiohttp two thread-pool hops per delivery (netrc and proxy lookups).

Example::

    transport = Transport()
    await transport.start()
    reply = await transport.send("POST", url, {"content-type": "application/json"}, b"[]", within=10)
    reply.status          # None on a connection error or timeout, with reply.error saying which
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp
from multidict import CIMultiDict
from yarl import URL

MAX_CONNECTIONS = 256
IDLE_TIMEOUT = 60.0  # seconds a pooled connection may sit idle before reuse: .NET's PooledConnectionIdleTimeout
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
            # trust_env only with a proxy configured; SSL_CERT_FILE is read by the default SSL context either way.
            connector = aiohttp.TCPConnector(
                limit=MAX_CONNECTIONS,
                keepalive_timeout=IDLE_TIMEOUT,
                ssl=self._verify if self._verify is not True else True,
            )
            proxied = bool(urllib.request.getproxies())
            self._session = aiohttp.ClientSession(connector=connector, trust_env=proxied)
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
