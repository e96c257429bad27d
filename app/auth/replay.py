"""Replay protection for callback tokens: a token is good for the one body it first came with.

What ACS's callback token binds (docs/security.md): its issuer, its audience (the ACS resource) and a 5-minute
expiry. ACS documents no claim naming the call, the event or the body, and says it mints "a new token for every
event". So a token cannot be tied to a call from its claims; instead, each token is bound to the digest of the
first body it authenticated, for the token's lifetime. The same token with the same body (a redelivery) is let
through (event de-duplication then makes it a no-op); the same token with any other body is refused (401).

:class:`TokenBindings` is the interface; :class:`MemoryTokenBindings` keeps the bindings in the process. With the
Redis store, :func:`bindings_for` gives :class:`~app.auth.redis_replay.RedisTokenBindings` instead, shared by every
instance (one ``SET key digest NX PX ttl``, then compare on a miss), so a replay to another instance is refused too.

Example::

    bindings = MemoryTokenBindings()
    await bindings.bind(token.fingerprint, hashlib.sha256(body).digest(), ttl_seconds=360)   # True
    await bindings.bind(token.fingerprint, hashlib.sha256(other).digest(), ttl_seconds=360)  # False: replay
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class TokenBindings(Protocol):
    """Where token → body bindings live; see the module docstring."""

    async def bind(self, token: bytes, body: bytes, ttl_seconds: float) -> bool:
        """Bind ``token`` to ``body`` for ``ttl_seconds``. True when the token is new, or already bound to ``body``."""
        ...


def bindings_for(store: object) -> TokenBindings:
    """Bindings every instance shares when ``store`` is the Redis store (same server and prefix); else in-process.

    Example::

        endpoint = EventsEndpoint(settings, ..., token_bindings=bindings_for(state_store))
    """
    from app.state.redis_store import RedisStateStore  # the memory store's deployments never reach Redis

    if isinstance(store, RedisStateStore):
        from app.auth.redis_replay import RedisTokenBindings

        return RedisTokenBindings.sharing(store)
    return MemoryTokenBindings()


class MemoryTokenBindings:
    """Token → body bindings of one process, each forgotten once its token has expired.

    Example::

        bindings = MemoryTokenBindings(clock=time.monotonic)
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._bodies: dict[bytes, tuple[bytes, float]] = {}
        self._expiries: deque[tuple[float, bytes]] = deque()

    def __len__(self) -> int:
        return len(self._bodies)

    async def bind(self, token: bytes, body: bytes, ttl_seconds: float) -> bool:
        now = self._clock()
        self._forget_expired(now)
        bound = self._bodies.get(token)
        if bound is not None and bound[1] > now:
            return bound[0] == body
        expires = now + max(ttl_seconds, 0.0)
        self._bodies[token] = (body, expires)
        self._expiries.append((expires, token))
        return True

    def _forget_expired(self, now: float) -> None:
        # Tokens live about as long as each other, so expiries arrive nearly in order: amortised O(1).
        while self._expiries and self._expiries[0][0] <= now:
            _, token = self._expiries.popleft()
            bound = self._bodies.get(token)
            if bound is not None and bound[1] <= now:
                del self._bodies[token]
