"""Lock hand-over by message: a released lock wakes its next waiter at once, instead of at the waiter's next poll.

Each store (one per process) tags its lock tokens with a random ``tag`` and subscribes, on one connection of its
own, to the channel ``<prefix>wake:<tag>``. The scripts that free a lock (release, commit, a waiter leaving) PUBLISH
the token at the head of the lock's queue on that token's channel (:mod:`app.state.redis_scripts`), and the
listener here sets the waiter's :class:`asyncio.Event`. Only contended locks publish, one message per hand-over, to
the one process that waits.

A message can be lost (the listener reconnecting, a head that died), so waiters keep polling as a fallback: fast
until the subscription is confirmed, slowly once it is (:class:`Pacing`). Whenever the subscription is confirmed
(first, or again after a reconnection) or lost, every waiter is woken to poll at once, since a release may have
gone unheard.

Example::

    wakes = LockWakes(client, prefix="callwright:")
    token = wakes.new_token()
    with wakes.expecting(token) as woken:      # before the lock's first attempt, so no wake is missed
        await wakes.wait(woken, pause=0.5)     # True when woken, False when the pause ran out
    await wakes.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from app.logging import get_logger

# Between reconnection attempts of the listener while Redis is unreachable.
_RECONNECT_SECONDS = 0.5
# A wake channel this long without a message is pinged (the pong is a message).
_QUIET_SECONDS = 15.0


@dataclass(frozen=True)
class Pacing:
    """How often a waiter polls, (first pause, longest pause) in seconds, doubling in between: ``heard`` while
    wakes are heard (the subscription is confirmed), ``deaf`` before that and while it is down. While heard, a poll
    finds only what no wake announces: a holder that died (its lease ran out) or a wake that was lost. Keep the
    longest pause under the waiter TTL (2 s): a waiter silent for longer loses its place in the queue.

    Example::

        Pacing(heard=(0.05, 0.25), deaf=(0.002, 0.025))
    """

    heard: tuple[float, float] = (0.05, 0.25)
    deaf: tuple[float, float] = (0.002, 0.025)


class LockWakes:
    """The wake channel of one store: tokens, the waiters' events and the listener that sets them."""

    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._client = client
        self.tag = secrets.token_hex(6)
        self.channel_prefix = f"{prefix}wake:"
        self.channel = f"{self.channel_prefix}{self.tag}"
        self.heard = False
        self._waiting: dict[str, asyncio.Event] = {}
        self._listener: asyncio.Task[None] | None = None
        self._closing = False
        self._log = get_logger("callwright.state")

    def new_token(self) -> str:
        """A lock token that names this process's channel (the scripts read the tag before the first '.')."""
        return f"{self.tag}.{secrets.token_hex(9)}"

    @contextlib.contextmanager
    def expecting(self, token: str) -> Iterator[asyncio.Event]:
        """The event a wake of ``token`` sets, for the life of the block: enter it before the lock's first attempt,
        so no wake is missed. The listener starts with the first waiter of the process."""
        signal = self._waiting[token] = asyncio.Event()
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen(), name="callwright-lock-wakes")
        try:
            yield signal
        finally:
            del self._waiting[token]

    async def wait(self, signal: asyncio.Event, *, pause: float) -> bool:
        """Wait up to ``pause`` seconds for a wake; True when woken (the event is cleared for the next wait)."""
        if not signal.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await signal.wait()
        woken = signal.is_set()
        signal.clear()
        return woken

    async def _listen(self) -> None:
        while not self._closing:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    await self._read(pubsub)
            except (RedisError, OSError) as error:
                if self._closing:  # redis-py reports a read cancelled by aclose() as a lost connection
                    break
                self._log.warning("lock_wakes_lost", error=type(error).__name__)
            self._deafened()
            await asyncio.sleep(_RECONNECT_SECONDS)

    async def _read(self, pubsub: PubSub) -> None:
        """Set the events of the tokens woken; a quiet line is pinged, and a line silent past two pings (a peer
        gone without closing the connection) is given up, so the subscription is made again."""
        silent = 0
        while not self._closing:  # redis-py can turn a cancelled read into an empty one
            message = await pubsub.get_message(timeout=_QUIET_SECONDS)
            if message is None:
                silent += 1
                if silent > 2:
                    raise RedisConnectionError("no reply to the wake channel's pings")
                await pubsub.ping()
                continue
            silent = 0
            if message["type"] == "message":
                signal = self._waiting.get(message["data"])
                if signal is not None:
                    signal.set()
            elif message["type"] == "subscribe":  # first, or again after redis-py reconnected on its own
                self.heard = True
                self._wake_all()  # a release before this was not heard

    def _deafened(self) -> None:
        self.heard = False
        self._wake_all()  # a release may go unheard until the subscription is back: poll at the fast pace

    def _wake_all(self) -> None:
        for signal in self._waiting.values():
            signal.set()

    async def aclose(self) -> None:
        self._closing = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self.heard = False
