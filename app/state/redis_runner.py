"""Lua scripts on Redis in one request each, on connections of the runner's own, with as few layers as possible.

Every event costs two or three scripts (claim and lock, commit, the callback token's binding), so their client-side
cost is on every event's path. redis-py's general path (``Script`` → ``evalsha`` → ``execute_command``) adds, per
command, a pool acquire and release under an ``asyncio.Lock`` with a readability probe of the socket, an
``asyncio.wait_for`` around the send, event dispatch and metric hooks: about as much CPU as the request itself.
Here a script is ``EVALSHA`` written on an idle connection and its reply read back, under one ``asyncio.timeout``;
on ``NOSCRIPT`` (a restarted or flushed server) the same connection sends ``EVAL`` with the source, which also
caches the script again.

Failures behave as with redis-py's retry: a connection error or a timeout is retried twice more after 40 and 80 ms
on a fresh connection, then raised (``redis.exceptions.ConnectionError`` / ``TimeoutError``). A failed connection
is closed, and so is every idle one (after a failure they are likely dead too: a restarted server closed them all),
so a retry never lands on a stale socket. A cancelled or failed request closes its connection: a reply left unread
can never be read by the next request.

Example::

    runner = ScriptRunner.from_url("redis://127.0.0.1:6379/0", password=None, timeout=2.0)
    hello = runner.script("return ARGV[1]")
    assert await runner.run(hello, keys=[], args=["hi"]) == "hi"
    await runner.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

_RETRIES = 2


@dataclass(frozen=True)
class Script:
    """A Lua script and its SHA1 (what ``EVALSHA`` names it by)."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())


class ScriptRunner:
    """Runs :class:`Script` s on Redis; see the module docstring for the request path and the retries."""

    def __init__(self, pool: ConnectionPool, *, timeout: float) -> None:
        self._pool = pool  # a connection factory only (it parses the URL: redis://, rediss://, unix://)
        self._timeout = timeout
        self._backoff = ExponentialBackoff(cap=0.2, base=0.02)
        self._idle: list[AbstractConnection] = []
        self._open: set[AbstractConnection] = set()

    @classmethod
    def from_url(cls, url: str, *, password: str | None = None, timeout: float = 2.0) -> ScriptRunner:
        """A runner on ``url``; each attempt (connecting included) gives up after ``timeout`` seconds."""
        pool = ConnectionPool.from_url(
            url,
            password=password,
            decode_responses=True,
            socket_timeout=None,  # the runner's own timeout covers the send and the reply together
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # the runner retries whole requests, on a fresh connection
        )
        return cls(pool, timeout=timeout)

    def script(self, source: str) -> Script:
        return Script(source)

    async def run(self, script: Script, *, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        """The script's reply. Raises ``redis.exceptions.RedisError`` (or ``OSError``) when Redis cannot answer."""
        failures = 0
        while True:
            try:
                return await self._attempt(script, keys, args)
            except (RedisConnectionError, RedisTimeoutError):
                failures += 1
                await self._close_idle()
                if failures > _RETRIES:
                    raise
                await asyncio.sleep(self._backoff.compute(failures))

    async def _attempt(self, script: Script, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        connection = self._idle.pop() if self._idle else self._new()
        try:
            async with asyncio.timeout(self._timeout):
                if not connection.is_connected:
                    await connection.connect()  # type: ignore[no-untyped-call]
                try:
                    reply = await self._request(connection, "EVALSHA", script.sha, keys, args)
                except NoScriptError:
                    reply = await self._request(connection, "EVAL", script.source, keys, args)
        except TimeoutError as error:
            await self._close(connection)
            raise RedisTimeoutError(f"no reply from Redis within {self._timeout:g} s") from error
        except BaseException:
            await self._close(connection)
            raise
        self._idle.append(connection)
        return reply

    @staticmethod
    async def _request(
        connection: AbstractConnection, command: str, script: str, keys: Sequence[str], args: Sequence[str | int]
    ) -> Any:
        packed = connection.pack_command(command, script, len(keys), *keys, *args)
        await connection.send_packed_command(packed, check_health=False)
        return await connection.read_response()

    def _new(self) -> AbstractConnection:
        connection: AbstractConnection = self._pool.make_connection()  # type: ignore[no-untyped-call]
        self._open.add(connection)
        return connection

    async def _close(self, connection: AbstractConnection) -> None:
        self._open.discard(connection)
        with contextlib.suppress(Exception):
            await connection.disconnect(nowait=True)

    async def _close_idle(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._close(connection)

    async def aclose(self) -> None:
        """Close every connection (idle or not); the runner opens new ones if it is used again."""
        self._idle = []
        for connection in list(self._open):
            await self._close(connection)
