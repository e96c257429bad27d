"""Callback-token bindings shared by every instance, in the Redis the state store uses.

The in-process :class:`~app.auth.replay.MemoryTokenBindings` refuses a token replayed with another body only on the
instance that saw it first; behind a load balancer the replay would land elsewhere. Here a binding is one key per
token, ``<prefix>tok:<sha256 of the token's fingerprint>`` → the body's digest, that expires with the token:
``SET key digest NX PX ttl``, and on a miss (a redelivery, or a replay) the bound digest is read and compared, both
inside one small script, so every delivery costs one round trip and the check is atomic.

A Redis that cannot be reached raises :class:`~app.state.errors.StoreUnavailable`: the endpoint answers 503 +
``Retry-After`` (fail closed, retryable), as it does when the dispatcher cannot reach the store.

Example::

    bindings = RedisTokenBindings.sharing(store)        # store: the app's RedisStateStore
    await bindings.bind(token.fingerprint, hashlib.sha256(body).digest(), ttl_seconds=360)   # True
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from app.state.errors import StoreUnavailable
from app.state.redis_runner import ScriptRunner

# KEYS[1] the binding.  ARGV: digest, ttl_ms.  Reply: nil when newly bound, else the digest bound before.
_BIND = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return false end
return redis.call('GET', KEYS[1])
"""

if TYPE_CHECKING:
    from app.state.redis_store import RedisStateStore


class RedisTokenBindings:
    """:class:`~app.auth.replay.TokenBindings` in Redis (see the module docstring)."""

    def __init__(self, runner: ScriptRunner, *, prefix: str) -> None:
        self._prefix = prefix
        self._runner = runner
        self._bind = runner.script(_BIND)
        self.round_trips = 0

    @classmethod
    def sharing(cls, store: RedisStateStore) -> RedisTokenBindings:
        """Bindings on the store's own script connections and key prefix."""
        return cls(store.runner, prefix=store.prefix)

    async def bind(self, token: bytes, body: bytes, ttl_seconds: float) -> bool:
        key = f"{self._prefix}tok:{hashlib.sha256(token).hexdigest()}"
        digest = body.hex()
        ttl_ms = max(1, int(ttl_seconds * 1000))
        self.round_trips += 1
        try:
            bound = await self._runner.run(self._bind, keys=[key], args=[digest, ttl_ms])
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"Redis unavailable: {type(error).__name__}") from error
        # nil: bound now. The same digest: a redelivery. (A binding cannot vanish between the SET and the GET: the
        # script runs atomically.)
        return bound is None or bound == digest
