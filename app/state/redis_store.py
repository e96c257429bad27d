"""The Redis state store: the store contract (:mod:`app.state.base`) across every instance and worker.

Each operation is one Lua script (:mod:`app.state.redis_scripts`), so the happy path of an event costs two round
trips: claim the event, lock the call and load its session (one script while the lock is free); save, mark the
event done and release the lock.
Key layout, under the configured prefix ``P``::

    P evt:<event id>       claim hash (state, owner token, lease deadline, first claim time, runs)
    P lock:<name>:holder   the holder's token (PX = lease)       P lock:<name>:fence  fencing counter
    P lock:<name>:queue    waiters by ticket (FIFO)              P lock:<name>:alive  waiters' poll deadlines
    P lock:<name>:ticket   ticket counter                        P doc:<key>          document hash (v, d, f)
    P seed:<seed>          a seed (JSON text)                    P jrn:<event id>     action journal hash
    P tok:<sha256>         a callback token's body digest (app.auth.redis_replay)
    P wake:<tag>           (a channel) a process's lock wakes: a freed lock's next waiter (app.state.redis_wakes)

Every key has a TTL. Not for Redis Cluster (one script touches keys of several slots): use a single primary
(Azure Cache for Redis Basic/Standard/Premium without clustering).

Example::

    store = RedisStateStore.from_url("redis://127.0.0.1:6379/0", prefix="callwright:")
    claim = await store.claim_event("evt-1", lease_seconds=30)
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from app.state import redis_scripts as scripts
from app.state.base import (
    ClaimStatus,
    Document,
    EventClaim,
    Held,
    JsonObject,
    Lease,
    StateStore,
    Write,
    decode_json,
    encode_json,
)
from app.state.errors import LockTimeout, StaleWrite, StoreUnavailable
from app.state.redis_runner import Script, ScriptRunner
from app.state.redis_wakes import LockWakes, Pacing

# A waiter that stops polling for this long is presumed dead and loses its place in the queue (so every pause of
# its polling is shorter).
_WAITER_TTL_MS = 2_000
# A processing claim remembers its first claim time this long, so re-runs within ACS's 5-minute repeatability
# window send the same Repeatability-First-Sent.
_FIRST_SENT_KEEP_MS = 600_000
_FENCE_KEEP_MS = 86_400_000


class RedisStateStore:
    """:class:`~app.state.base.StateStore` on Redis (redis-py's asyncio client). ``round_trips`` counts requests.

    Example::

        store = RedisStateStore.from_url(url, prefix="callwright:", password=None, timeout=2.0)
        assert await store.ping()
        await store.aclose()
    """

    def __init__(
        self, client: aioredis.Redis, *, prefix: str, runner: ScriptRunner, pacing: Pacing | None = None
    ) -> None:
        self._client = client
        self._runner = runner
        self._prefix = prefix
        self._wakes = LockWakes(client, prefix=prefix)
        self._pacing = pacing or Pacing()
        self.round_trips = 0
        self._arrivals: dict[str, _Arrivals] = {}
        self._claim = runner.script(scripts.CLAIM)
        self._claim_lock = runner.script(scripts.CLAIM_LOCK)
        self._settle = runner.script(scripts.SETTLE)
        self._acquire = runner.script(scripts.ACQUIRE)
        self._leave = runner.script(scripts.LEAVE)
        self._renew = runner.script(scripts.RENEW)
        self._commit = runner.script(scripts.COMMIT)
        self._journal = runner.script(scripts.JOURNAL)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str,
        password: str | None = None,
        timeout: float = 2.0,
        pacing: Pacing | None = None,
    ) -> RedisStateStore:
        """A store on ``redis://``, ``rediss://`` (TLS) or ``unix://``. Two quick retries absorb a blip; a longer
        outage raises :class:`StoreUnavailable` after about ``timeout`` seconds per attempt. ``pacing``: how
        often a lock's waiters poll besides being woken (see :class:`~app.state.redis_wakes.Pacing`)."""
        client = aioredis.Redis.from_url(
            url,
            password=password,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2),
            health_check_interval=30,
        )
        runner = ScriptRunner.from_url(url, password=password, timeout=timeout)
        return cls(client, prefix=prefix, runner=runner, pacing=pacing)

    @property
    def client(self) -> aioredis.Redis:
        """redis-py's client: the store's plain commands (reads, seeds, journal reads, health)."""
        return self._client

    @property
    def runner(self) -> ScriptRunner:
        """The store's scripts' connections (other shared data of the app, such as callback-token bindings, uses
        them too)."""
        return self._runner

    @property
    def prefix(self) -> str:
        return self._prefix

    @property
    def wakes(self) -> LockWakes:
        """This process's lock-wake channel (see :mod:`app.state.redis_wakes`)."""
        return self._wakes

    # ---- keys ---------------------------------------------------------------------------------------------------

    def _claim_key(self, event_id: str) -> str:
        return f"{self._prefix}evt:{event_id}"

    def _journal_key(self, event_id: str) -> str:
        return f"{self._prefix}jrn:{event_id}"

    def _lock_keys(self, name: str) -> list[str]:
        base = f"{self._prefix}lock:{name}"
        return [f"{base}:holder", f"{base}:fence", f"{base}:queue", f"{base}:alive", f"{base}:ticket"]

    def _holder_key(self, name: str) -> str:
        return f"{self._prefix}lock:{name}:holder"

    def _doc_key(self, key: str) -> str:
        return f"{self._prefix}doc:{key}"

    def _seed_key(self, seed: str) -> str:
        return f"{self._prefix}seed:{seed}"

    async def _call(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        self.round_trips += 1
        try:
            return await operation(*args, **kwargs)
        except (RedisError, OSError) as error:
            raise StoreUnavailable(f"Redis unavailable: {type(error).__name__}") from error

    async def _run(self, script: Script, keys: list[str], args: list[str | int]) -> Any:
        return await self._call(self._runner.run, script, keys=keys, args=args)

    # ---- 1. event claims ----------------------------------------------------------------------------------------

    async def claim_event(self, event_id: str, lease_seconds: float) -> EventClaim:
        token = secrets.token_hex(12)
        reply = await self._run(
            self._claim, [self._claim_key(event_id)], [token, _ms(lease_seconds), _FIRST_SENT_KEEP_MS]
        )
        return _claim_from(event_id, token, reply)

    async def claim_and_lock(
        self,
        event_id: str,
        lease_seconds: float,
        name: str,
        *,
        lock_lease_seconds: float,
        wait_seconds: float,
        load: str | None = None,
        seed: str | None = None,
    ) -> tuple[EventClaim, Held | None]:
        token = secrets.token_hex(12)
        keys, args = self._lock_request(name, lock_lease_seconds, load, seed)
        claim_args: list[str | int] = [token, _ms(lease_seconds), _FIRST_SENT_KEEP_MS]
        with self._wakes.expecting(str(args[0])) as woken:
            first = await self._first_attempt(
                name, self._claim_lock, [self._claim_key(event_id), *keys], [*claim_args, *args]
            )
            claim = _claim_from(event_id, token, first)
            if claim.status is not ClaimStatus.ACQUIRED:
                return claim, None
            try:
                held = await self._hold(name, keys, args, wait_seconds, load, woken, first=first[3:])
            except BaseException:
                with contextlib.suppress(StoreUnavailable):  # unreachable: the claim's lease frees it
                    await asyncio.shield(self.abandon_event(claim))
                raise
        return claim, held

    async def finish_event(self, claim: EventClaim, dedup_ttl_seconds: float) -> None:
        await self._settle_claim(claim, "done", dedup_ttl_seconds)

    async def abandon_event(self, claim: EventClaim) -> None:
        await self._settle_claim(claim, "abandon", 0)

    async def _settle_claim(self, claim: EventClaim, mode: str, dedup_ttl_seconds: float) -> None:
        if claim.status is ClaimStatus.ACQUIRED:
            keys = [self._claim_key(claim.event_id)]
            await self._run(self._settle, keys, [claim.token, mode, _ms(dedup_ttl_seconds)])

    # ---- 2. fenced FIFO locks, loading in the same round trip ---------------------------------------------------

    async def lock(
        self,
        name: str,
        *,
        lease_seconds: float,
        wait_seconds: float,
        load: str | None = None,
        seed: str | None = None,
    ) -> Held:
        keys, args = self._lock_request(name, lease_seconds, load, seed)
        with self._wakes.expecting(str(args[0])) as woken:
            return await self._hold(name, keys, args, wait_seconds, load, woken)

    def _lock_request(
        self, name: str, lease_seconds: float, load: str | None, seed: str | None
    ) -> tuple[list[str], list[str | int]]:
        token = self._wakes.new_token()
        keys = [*self._lock_keys(name), self._doc_key(load) if load else "", self._seed_key(seed) if seed else ""]
        return keys, [token, _ms(lease_seconds), _WAITER_TTL_MS, _FENCE_KEEP_MS, self._wakes.channel_prefix]

    async def _hold(
        self,
        name: str,
        keys: list[str],
        args: list[str | int],
        wait_seconds: float,
        load: str | None,
        woken: asyncio.Event,
        *,
        first: Any = None,
    ) -> Held:
        """Wait until the lock is handed over: ask again when woken (the lock's release names this waiter) or when
        a pause of the :class:`Pacing` runs out (``first``: the reply of an attempt already made, if any)."""
        give_up_at = time.monotonic() + wait_seconds
        pause = 0.0
        try:
            reply = first if first is not None else await self._first_attempt(name, self._acquire, keys, args)
            while int(reply[0]) != 1:
                left = give_up_at - time.monotonic()
                if left <= 0:
                    raise LockTimeout(f"lock {name!r} not handed over within {wait_seconds:g} s")
                floor, ceiling = self._pacing.heard if self._wakes.heard else self._pacing.deaf
                pause = min(max(pause * 2, floor), ceiling)
                await self._wakes.wait(woken, pause=min(pause, left))
                reply = await self._run(self._acquire, keys, args)
        except (LockTimeout, asyncio.CancelledError):
            await self._leave_queue(name, str(args[0]))
            raise
        _, fence, version, data, seed_text = reply
        document = Document(load or "", decode_json(data) if data else None, int(version))
        return Held(Lease(name, str(args[0]), int(fence)), document, decode_json(seed_text) if seed_text else None)

    async def _first_attempt(self, name: str, script: Script, keys: list[str], args: list[str | int]) -> Any:
        """The first acquire of each waiter of ``name`` in this process goes out in call order, so a waiter that
        happens to need a new connection cannot overtake one that asked earlier (FIFO holds within a process as
        well as across processes)."""
        arrival = self._arrivals.get(name)
        if arrival is None:
            arrival = self._arrivals[name] = _Arrivals()
        arrival.users += 1
        try:
            async with arrival.lock:
                return await self._run(script, keys, args)
        finally:
            arrival.users -= 1
            if arrival.users == 0 and self._arrivals.get(name) is arrival:
                del self._arrivals[name]

    async def _leave_queue(self, name: str, token: str) -> None:
        with contextlib.suppress(StoreUnavailable):  # an unreachable store drops a dead waiter on its own
            await asyncio.shield(self._leave_lock(name, token))

    async def release(self, lease: Lease) -> None:
        await self._leave_lock(lease.name, lease.token)

    async def _leave_lock(self, name: str, token: str) -> None:
        """Release the lock ``token`` holds, or take ``token`` out of its queue; a freed lock wakes its next waiter."""
        lock = self._lock_keys(name)
        await self._run(self._leave, [lock[0], lock[2], lock[3]], [token, self._wakes.channel_prefix])

    async def renew(
        self, claim: EventClaim | None, leases: Sequence[Lease], *, claim_seconds: float, lease_seconds: float
    ) -> bool:
        owned = claim is not None and claim.status is ClaimStatus.ACQUIRED
        keys = [self._claim_key(claim.event_id) if claim is not None and owned else ""]
        keys += [self._holder_key(lease.name) for lease in leases]
        args: list[str | int] = [claim.token if claim is not None else "", _ms(claim_seconds), _ms(lease_seconds)]
        args += [_FIRST_SENT_KEEP_MS, *(lease.token for lease in leases)]
        if claim is not None and not owned:
            return False
        return bool(await self._run(self._renew, keys, args))

    # ---- 3. versioned documents ---------------------------------------------------------------------------------

    async def read(self, key: str) -> Document:
        version, data = await self._call(self._client.hmget, self._doc_key(key), ["v", "d"])
        return Document(key, decode_json(data) if data else None, int(version) if version else 0)

    async def commit(
        self,
        writes: Sequence[Write],
        *,
        release: Sequence[Lease] = (),
        finish: EventClaim | None = None,
        dedup_ttl_seconds: float = 0.0,
    ) -> None:
        keys = [self._claim_key(finish.event_id) if finish and finish.status is ClaimStatus.ACQUIRED else ""]
        args: list[str | int] = [
            finish.token if finish else "",
            _ms(dedup_ttl_seconds),
            len(writes),
            self._wakes.channel_prefix,
        ]
        for item in writes:
            data = "" if item.value is None else encode_json(item.value)  # NotJson before anything is sent
            keys += [self._doc_key(item.key), self._holder_key(item.lease.name)]
            args += [item.lease.token, item.lease.fence, item.version, data, _ms(item.ttl_seconds)]
        for lease in release:
            lock = self._lock_keys(lease.name)
            keys += [lock[0], lock[2]]
            args.append(lease.token)
        reply = await self._run(self._commit, keys, args)
        if int(reply[0]) == -1:
            raise StaleWrite(f"the lease on {writes[int(reply[1]) - 1].lease.name!r} is no longer held")
        if int(reply[0]) == -2:
            raise StaleWrite(f"{writes[int(reply[1]) - 1].key!r} changed since it was read")

    # ---- 5. seeds -----------------------------------------------------------------------------------------------

    async def put_seed(self, seed: str, value: Mapping[str, Any], ttl_seconds: float) -> None:
        await self._call(self._client.set, self._seed_key(seed), encode_json(value), px=_ms(ttl_seconds))

    async def drop_seed(self, seed: str) -> None:
        await self._call(self._client.delete, self._seed_key(seed))

    # ---- 6. action journal --------------------------------------------------------------------------------------

    async def journal_record(self, event_id: str, position: int, entry: Mapping[str, Any], ttl_seconds: float) -> None:
        args: list[str | int] = [position, encode_json(entry), _ms(ttl_seconds)]
        await self._run(self._journal, [self._journal_key(event_id)], args)

    async def journal_read(self, event_id: str) -> dict[int, JsonObject]:
        entries = await self._call(self._client.hgetall, self._journal_key(event_id))
        return {int(position): decode_json(entries[position]) for position in sorted(entries, key=int)}

    # ---- 7. health ----------------------------------------------------------------------------------------------

    async def ping(self) -> bool:
        try:
            return bool(await self._call(self._client.ping))
        except StoreUnavailable:
            return False

    async def aclose(self) -> None:
        await self._wakes.aclose()
        await self._runner.aclose()
        await self._client.aclose()


@dataclass
class _Arrivals:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def _claim_from(event_id: str, token: str, reply: Any) -> EventClaim:
    status = int(reply[0])
    if status == 1:
        return EventClaim(
            event_id, ClaimStatus.ACQUIRED, token, first_claimed_at=int(reply[1]) / 1000, attempt=int(reply[2])
        )
    if status == 2:
        return EventClaim(event_id, ClaimStatus.PROCESSING, retry_after=max(int(reply[1]), 1) / 1000)
    return EventClaim(event_id, ClaimStatus.DONE)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _typed(store: RedisStateStore) -> StateStore:
    return store  # mypy checks that the Redis store matches the contract
