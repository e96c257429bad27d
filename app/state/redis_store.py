"""The Redis state store: claims, fair fenced call locks, versioned documents, seeds and the action journal.

Shared by every instance and worker. Each operation is one Lua script (:mod:`app.state.redis_scripts`), so the
happy path of an event costs three round trips: claim the event; lock the call and load its document; save the
document, mark the event done and release the lock.

Example::

    store = RedisStore.from_url("redis://127.0.0.1:6379/0", prefix="callwright:")
    claim = await store.claim("evt-1", scope="server-call-1", lease_seconds=30)
    if claim.status is ClaimStatus.ACQUIRED:
        held = await store.acquire("server-call-1", "conn-1", lease_seconds=30, wait_seconds=10)
        held.document["step"] = "menu"
        await store.commit(held, [("conn-1", held.version, held.document)], claim=claim)
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from app.errors import CallwrightError
from app.state import redis_scripts as scripts

# A waiter that stops polling for this long is presumed dead and loses its place in the queue.
_WAITER_TTL_MS = 2_000
# Polling back-off while a call's lock is busy.
_POLL_MIN_SECONDS, _POLL_MAX_SECONDS = 0.005, 0.05


class StoreUnavailable(CallwrightError):
    """Redis cannot be reached (or timed out): the sender gets a retryable answer (503 + Retry-After)."""


class StaleWrite(CallwrightError):
    """A save was refused: the lease it was made under expired, or the document changed since it was read."""


class StateValueError(CallwrightError, ValueError):
    """A value cannot be stored as JSON (NaN, Infinity, or a type JSON does not have)."""


class ClaimStatus(Enum):
    ACQUIRED = "acquired"
    PROCESSING = "processing"
    DONE = "done"


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming an event. ``first_claimed_at`` (epoch seconds, Redis's clock) is kept across
    re-runs, so a re-run sends its ACS requests with the same ``Repeatability-First-Sent``."""

    event_id: str
    scope: str
    status: ClaimStatus
    token: str = ""
    first_claimed_at: float = 0.0
    retry_after: float = 0.0
    journal: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Held:
    """A held call (or shared-state) lock and the document loaded with it."""

    name: str
    key: str
    token: str
    fence: int
    version: int
    document: dict[str, Any]


def dumps(document: Mapping[str, Any]) -> str:
    """JSON text of a document; NaN/Infinity and non-JSON types raise :class:`StateValueError`."""
    try:
        return json.dumps(document, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise StateValueError(f"state must be JSON (no NaN or Infinity): {error}") from None


class RedisStore:
    """Store primitives over one ``redis.asyncio`` client. Keys start with ``prefix`` and all carry TTLs.

    ``round_trips`` counts the requests sent to Redis (for the benchmark's per-event figure).

    Example::

        store = RedisStore.from_url(url, prefix="callwright:", password=None, timeout=2.0)
        assert await store.ping()
        await store.aclose()
    """

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        keep_seconds: float = 7200.0,
        dedup_seconds: float = 900.0,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._keep_ms = int(keep_seconds * 1000)
        self._dedup_ms = int(dedup_seconds * 1000)
        self.round_trips = 0
        self._claim = client.register_script(scripts.CLAIM)
        self._settle = client.register_script(scripts.SETTLE)
        self._acquire = client.register_script(scripts.ACQUIRE)
        self._leave = client.register_script(scripts.LEAVE)
        self._extend = client.register_script(scripts.EXTEND)
        self._commit = client.register_script(scripts.COMMIT)
        self._journal = client.register_script(scripts.JOURNAL)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str,
        password: str | None = None,
        timeout: float = 2.0,
        keep_seconds: float = 7200.0,
        dedup_seconds: float = 900.0,
    ) -> RedisStore:
        """A store on ``redis://``, ``rediss://`` (TLS) or ``unix://``. A few quick retries absorb a blip; a
        longer outage surfaces as :class:`StoreUnavailable` within about ``timeout`` seconds per attempt."""
        client = aioredis.Redis.from_url(
            url,
            password=password,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
            health_check_interval=30,
        )
        return cls(client, prefix=prefix, keep_seconds=keep_seconds, dedup_seconds=dedup_seconds)

    # ---- keys: the keys of one call share the {scope} hash tag ---------------------------------------------------

    def _claim_keys(self, scope: str, event_id: str) -> list[str]:
        return [f"{self._prefix}evt:{{{scope}}}:{event_id}", f"{self._prefix}jrn:{{{scope}}}:{event_id}"]

    def _lock_keys(self, name: str) -> list[str]:
        base = f"{self._prefix}lock:{{{name}}}"
        return [f"{base}:holder", f"{base}:fence", f"{base}:queue", f"{base}:alive", f"{base}:ticket"]

    def _doc_key(self, name: str, key: str) -> str:
        return f"{self._prefix}doc:{{{name}}}:{key}"

    def _seed_key(self, seed: str) -> str:
        return f"{self._prefix}seed:{seed}"

    async def _call(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        self.round_trips += 1
        try:
            return await operation(*args, **kwargs)
        except RedisError as error:
            raise StoreUnavailable(f"Redis unavailable: {type(error).__name__}") from error
        except OSError as error:
            raise StoreUnavailable(f"Redis unreachable: {type(error).__name__}") from error

    # ---- event claims -------------------------------------------------------------------------------------------

    async def claim(self, event_id: str, *, scope: str, lease_seconds: float) -> Claim:
        """Lease ``event_id``: ACQUIRED (with a token), PROCESSING (someone holds a live lease) or DONE."""
        token = secrets.token_hex(12)
        reply = await self._call(
            self._claim,
            keys=self._claim_keys(scope, event_id),
            args=[token, int(lease_seconds * 1000), self._dedup_ms],
        )
        status = int(reply[0])
        if status == 1:
            pairs = reply[2:]
            journal = {str(pairs[i]): str(pairs[i + 1]) for i in range(0, len(pairs), 2)}
            return Claim(event_id, scope, ClaimStatus.ACQUIRED, token, int(reply[1]) / 1000, journal=journal)
        if status == 2:
            return Claim(event_id, scope, ClaimStatus.PROCESSING, retry_after=int(reply[1]) / 1000)
        return Claim(event_id, scope, ClaimStatus.DONE)

    async def finish(self, claim: Claim) -> None:
        """Mark the event done (a duplicate for ``dedup_seconds``); a no-op if the claim is no longer ours."""
        await self._settle_claim(claim, "done")

    async def abandon(self, claim: Claim) -> None:
        """Free the event for the next delivery now; a no-op if the claim is no longer ours."""
        await self._settle_claim(claim, "abandon")

    async def _settle_claim(self, claim: Claim, mode: str) -> None:
        if claim.status is ClaimStatus.ACQUIRED:
            keys = self._claim_keys(claim.scope, claim.event_id)[:1]
            await self._call(self._settle, keys=keys, args=[claim.token, mode, self._dedup_ms])

    async def record_action(self, claim: Claim, index: int, record: str) -> None:
        """Journal that action ``index`` of the claimed event was issued (first record wins)."""
        keys = self._claim_keys(claim.scope, claim.event_id)[1:]
        await self._call(self._journal, keys=keys, args=[str(index), record, self._dedup_ms])

    # ---- locks and documents ------------------------------------------------------------------------------------

    async def acquire(self, name: str, key: str, *, lease_seconds: float, wait_seconds: float) -> Held:
        """Take lock ``name`` (FIFO among waiters) and load document ``key`` in the same round trip.

        Raises :class:`StoreUnavailable` when the lock stays busy for ``wait_seconds``.
        """
        token = secrets.token_hex(12)
        keys = [*self._lock_keys(name), self._doc_key(name, key)]
        args = [token, int(lease_seconds * 1000), _WAITER_TTL_MS, self._keep_ms]
        deadline = time.monotonic() + wait_seconds
        pause = _POLL_MIN_SECONDS
        while True:
            reply = await self._call(self._acquire, keys=keys, args=args)
            if int(reply[0]) == 1:
                document = json.loads(reply[3]) if reply[3] else {}
                return Held(name, key, token, int(reply[1]), int(reply[2]), document)
            if time.monotonic() + pause > deadline:
                await self.release_lock(name, token)
                raise StoreUnavailable(f"the call is busy: its lock was not free within {wait_seconds:g} s")
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_MAX_SECONDS)

    async def load(self, name: str, key: str) -> tuple[int, dict[str, Any]]:
        """Read a document without locking it: ``(version, document)``; version 0 means absent."""
        version, data = await self._call(self._client.hmget, self._doc_key(name, key), ["v", "d"])
        return (int(version) if version else 0), (json.loads(data) if data else {})

    async def extend(self, held: Held, lease_seconds: float) -> bool:
        """Extend a held lease; False if it was already lost."""
        keys = self._lock_keys(held.name)[:1]
        return bool(await self._call(self._extend, keys=keys, args=[held.token, int(lease_seconds * 1000)]))

    async def release_lock(self, name: str, token: str) -> None:
        """Release a held lock or leave its queue (a no-op for a token that is neither)."""
        lock = self._lock_keys(name)
        await self._call(self._leave, keys=[lock[0], lock[2], lock[3]], args=[token])

    async def commit(
        self,
        held: Held,
        writes: Sequence[tuple[str, int, Mapping[str, Any] | None]],
        *,
        claim: Claim | None = None,
    ) -> list[int]:
        """In one round trip: CAS-write each ``(key, expected_version, document or None to delete)`` under the
        held lock, mark ``claim`` done and release the lock. Raises :class:`StaleWrite` (nothing written) when the
        lease was lost or a version moved. Returns the new versions."""
        claim_keys = self._claim_keys(claim.scope, claim.event_id) if claim else ["", ""]
        keys = [self._lock_keys(held.name)[0], claim_keys[0], *(self._doc_key(held.name, k) for k, _, _ in writes)]
        args: list[str | int] = [held.token, held.fence, claim.token if claim else "", self._dedup_ms, self._keep_ms]
        for _, expected, document in writes:
            args += [expected, "" if document is None else dumps(document)]
        reply = await self._call(self._commit, keys=keys, args=args)
        if int(reply[0]) == -1:
            raise StaleWrite(f"the lease on {held.name!r} expired before the save")
        if int(reply[0]) == -2:
            raise StaleWrite(f"{writes[int(reply[1]) - 1][0]!r} changed since it was read")
        return [int(version) for version in reply[1:]]

    # ---- seeds --------------------------------------------------------------------------------------------------

    async def put_seed(self, seed: str, document: Mapping[str, Any], ttl_seconds: float) -> None:
        """Store the initial state of a call about to be placed."""
        await self._call(self._client.set, self._seed_key(seed), dumps(document), px=int(ttl_seconds * 1000))

    async def take_seed(self, seed: str) -> dict[str, Any] | None:
        """Read and delete a seed atomically (``GETDEL``); None when absent."""
        data = await self._call(self._client.getdel, self._seed_key(seed))
        return json.loads(data) if data else None

    # ---- lifecycle ----------------------------------------------------------------------------------------------

    async def ping(self) -> bool:
        try:
            return bool(await self._call(self._client.ping))
        except StoreUnavailable:
            return False

    async def aclose(self) -> None:
        await self._client.aclose()
