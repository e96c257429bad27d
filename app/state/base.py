"""The state-store contract: leased event claims, fenced FIFO locks, versioned documents, seeds and a journal.

The dispatcher is the store's only writer during an event; flows never see the store (they see a
``CallSession``). A store gives every guarantee below **across processes**: the memory store for one process
(:mod:`app.state.memory`), a Redis store for many. The same contract suite (``tests/state/contract.py``) runs
against every implementation; a backend supplies only a factory.

The happy path of one event is two store operations (two round trips for a networked store)::

    claim, held = await store.claim_and_lock(                              # 1. ACQUIRED / PROCESSING / DONE,
        event.id, 30, "call:" + server_call_id, load="session:" + call_connection_id,  # and when ACQUIRED:
        seed=seed, lock_lease_seconds=30, wait_seconds=10)                 #    lock + load (+ take seed)
    ...                                                                    #    run the handler
    await store.commit([Write(held.document.key, held.document.version, new_value, ttl, held.lease)],
                       release=[held.lease], finish=claim, dedup_ttl_seconds=900)  # 2. CAS + done + unlock

``claim_and_lock`` is ``claim_event`` then ``lock``, in one round trip when the lock is free.

Names and keys
    Lock *names* and document *keys* are two separate namespaces chosen by the caller (the dispatcher uses
    ``call:<server call id>`` locks, ``session:<call connection id>`` documents, and ``shared:<key>`` for both
    the lock and the document of shared state). Event ids, seeds and journal ids are namespaces of their own. A
    store adds its own prefix (Redis: a configurable key prefix) so several apps can share one server.

Values
    Every value is a JSON object (a ``dict`` with ``str`` keys). NaN, Infinity and non-JSON types are refused
    with :class:`~app.state.errors.NotJson` before anything is written (:func:`encode_json` does the check).
    A read always returns a fresh copy: mutating it changes nothing stored.

1. Event claims are leases (``claim_event``, ``finish_event``, ``abandon_event``)
    ``claim_event(id, lease_seconds)`` returns an :class:`EventClaim` whose ``status`` is

    - ``ACQUIRED``: nobody holds the event and it is not done; the caller now holds a lease of
      ``lease_seconds`` and the claim carries a fresh, unique ``token``. An event whose previous lease expired
      (its holder died) is ACQUIRED again, with a new token. ``first_claimed_at`` (epoch seconds) is the time of
      the event's *first* acquisition, the same on every re-run within the dedup window (a re-run sends its ACS
      requests with the same ``Repeatability-First-Sent``).
    - ``PROCESSING``: another holder's lease is live. ``retry_after`` is the time left on it (seconds, > 0), a
      hint for the sender's ``Retry-After``. Nothing changes.
    - ``DONE``: the event was finished within the last ``dedup_ttl_seconds``: a duplicate. Nothing changes.

    ``finish_event(claim, dedup_ttl_seconds)`` marks the event DONE for ``dedup_ttl_seconds``;
    ``abandon_event(claim)`` frees it at once (an infrastructure fault: the next delivery is ACQUIRED). Both are
    no-ops when ``claim.token`` no longer owns the event (its lease expired and someone else acquired it, or it
    is already DONE). A claim that is neither finished nor abandoned frees itself when its lease expires.

2. Per-call order, fenced (``lock``, ``release``)
    ``lock(name, lease_seconds=, wait_seconds=, load=, seed=)`` waits until the caller holds lock ``name`` and
    returns a :class:`Held`:

    - **FIFO-fair**: waiters get the lock in the order their ``lock`` calls reached the store.
    - **Lease-based**: the holder owns it for ``lease_seconds``; if it neither commits nor releases by then, the
      lock passes to the next waiter (or becomes free). The old holder's later writes are refused.
    - **Fenced**: each hand-over gives a ``fence`` strictly greater than the previous holder's of the same lock,
      and a ``token`` that is never reused. A write is accepted only while its lease's token is the current
      holder's and its lease has not expired.
    - **Bounded wait**: a caller not handed the lock within ``wait_seconds`` leaves the queue and gets
      :class:`~app.state.errors.LockTimeout` (the queue behind it is not disturbed). A caller cancelled while
      waiting also leaves the queue.
    - **Loads in the same operation**: ``load=key`` returns that document as ``Held.document`` (version 0 and
      value ``None`` if absent), read *after* the lock was granted, so it is the latest committed version.
    - **Seeds**: with ``seed=s``, if the loaded document is absent, the seed ``s`` is taken (read and deleted)
      in the same operation and returned as ``Held.seed``; if the document exists, the seed is left alone (it
      expires on its own). A seed can be taken once.

    ``release(lease)`` frees the lock for the next waiter; a no-op if the lease no longer holds it.

    ``claim_and_lock(event_id, lease_seconds, name, lock_lease_seconds=, wait_seconds=, load=, seed=)`` claims the
    event exactly as ``claim_event`` does and, only when the claim is ``ACQUIRED``, takes lock ``name`` exactly as
    ``lock`` does (same FIFO order, wait, load and seed); it returns ``(claim, held)``, ``held`` None unless
    acquired. A free lock is taken in the same operation as the claim. If the lock is not handed over
    (``LockTimeout``) or the caller is cancelled while waiting, the claim is abandoned before the error propagates.

3. Versioned compare-and-set (``read``, ``commit``)
    Each document has a version: 0 when absent, and every write sets it to ``expected + 1``. Deleting a
    document makes it absent (version 0) again. ``read(key)`` returns the latest committed document without
    locking (for tools and tests; handlers never need it).

    ``commit(writes, release=, finish=, dedup_ttl_seconds=)`` is **one atomic operation**:

    a. It checks every :class:`Write`: its ``lease`` still holds its lock (same token, not expired) and the
       document's current version equals ``write.version``. Every lease in ``release`` is checked the same way.
    b. If every check passes: every write is applied (``value=None`` deletes the document; otherwise it is
       stored with its ``ttl_seconds``), ``finish`` (when given) is marked DONE for ``dedup_ttl_seconds`` (a
       no-op if the claim's token no longer owns the event), and every lease in ``release`` is released.
    c. If any check fails: **nothing** is written and the event is not finished; the leases in ``release``
       that still hold their locks are released; :class:`~app.state.errors.StaleWrite` is raised.

    ``commit([], finish=claim, release=[lease])`` (no writes) finishes and releases in one operation.

4. Shared state by key
    Shared state is a document guarded by a lock of its own (the dispatcher uses ``shared:<key>`` for both). It
    is taken with ``lock(name, load=key)`` like a call's and written in the same ``commit`` as the session, so
    two calls updating one room cannot lose each other's updates. A holder of several locks must take them in
    one global order or rely on ``wait_seconds`` to break a deadlock (the dispatcher takes the call lock first).

5. Seeds (``put_seed``, ``drop_seed``)
    ``put_seed(seed, value, ttl_seconds)`` stores the initial state of a call before the call is placed; the
    call's first event takes it through ``lock(..., seed=)``. ``drop_seed`` deletes it (the call could not be
    placed). Seed names are chosen by the caller, unguessable (``secrets.token_urlsafe``).

6. Action journal per event (``journal_record``, ``journal_read``)
    ``journal_record(event_id, position, entry, ttl_seconds)`` records that action number ``position``
    (0, 1, 2, ... in the order a handler issued them) of an event was sent, with a JSON ``entry``; recording
    the same position again replaces it. ``journal_read(event_id)`` returns ``{position: entry}`` (empty when
    nothing was recorded). A re-run of the event (after a crash) reads it to skip actions already issued.

7. Renewal (``renew``)
    ``renew(claim, leases, claim_seconds=, lease_seconds=)`` keeps a long handler's event claim and locks alive:
    if ``claim`` (when given) is still owned by its token with a live lease, and every lease in ``leases`` still
    holds its lock, the claim's lease is set to ``claim_seconds`` from now, each lock's to ``lease_seconds`` from
    now, and the answer is True. If any of them was lost (expired, taken over, finished or released), **nothing**
    is extended and the answer is False: the caller's writes will be refused, and it should stop issuing actions.
    Waiters queued behind a renewed lock keep waiting.

8. Lifetimes and health
    Every key carries a TTL: claims (``lease_seconds`` while processing, ``dedup_ttl_seconds`` once done),
    locks and their queues (the lease), documents (``Write.ttl_seconds``), seeds and journals (their
    ``ttl_seconds``). Nothing outlives its TTL: an ended call's keys disappear once its dedup window has
    passed. ``ping()`` is True when the store answers (readiness); ``aclose()`` releases connections.

Failures
    A store that cannot be reached raises :class:`~app.state.errors.StoreUnavailable` (any operation). Errors
    are :class:`~app.state.errors.StateError` subclasses, themselves ``CallwrightError``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from app.state.errors import NotJson

JsonObject = dict[str, Any]
"""A JSON object: what every stored value is."""

CallState = MutableMapping[str, Any]
"""A flow's own per-call-connection state, as handlers see it (``state`` / ``session.state``)."""


class ClaimStatus(StrEnum):
    ACQUIRED = "acquired"
    PROCESSING = "processing"
    DONE = "done"


@dataclass(frozen=True)
class EventClaim:
    """The answer to ``claim_event``. Only an ``ACQUIRED`` claim carries a ``token``."""

    event_id: str
    status: ClaimStatus
    token: str = ""
    retry_after: float = 0.0
    """``PROCESSING`` only: seconds until the live lease expires (a hint for ``Retry-After``)."""
    first_claimed_at: float = 0.0
    """``ACQUIRED`` only: epoch seconds of the event's first acquisition (kept across re-runs)."""
    attempt: int = 0
    """``ACQUIRED`` only: how many times the event has been acquired, this time included (1 = a first run, so its
    action journal is known to be empty and need not be read); 0 when the store does not count."""


@dataclass(frozen=True)
class Lease:
    """A held lock: its ``name``, the holder's unique ``token`` and the hand-over's ``fence``."""

    name: str
    token: str
    fence: int


@dataclass(frozen=True)
class Document:
    """A stored JSON object and its version (``value=None``, ``version=0`` when absent)."""

    key: str
    value: JsonObject | None
    version: int


@dataclass(frozen=True)
class Held:
    """What ``lock`` returns: the lease, the document it loaded, and the seed it took (if any)."""

    lease: Lease
    document: Document
    seed: JsonObject | None = None


@dataclass(frozen=True)
class Write:
    """One compare-and-set in a ``commit``: set ``key`` (read at ``version``) to ``value`` (``None`` deletes),
    fenced by ``lease``."""

    key: str
    version: int
    value: JsonObject | None
    ttl_seconds: float
    lease: Lease


class StateStore(Protocol):
    """The store contract; the module docstring states every guarantee precisely.

    Example::

        claim = await store.claim_event("evt-1", lease_seconds=30)
        if claim.status is ClaimStatus.ACQUIRED:
            held = await store.lock("call:srv-1", load="session:cc-1", lease_seconds=30, wait_seconds=10)
            value = {**(held.document.value or {}), "step": "menu"}
            write = Write("session:cc-1", held.document.version, value, ttl_seconds=7200, lease=held.lease)
            await store.commit([write], release=[held.lease], finish=claim, dedup_ttl_seconds=900)
    """

    async def claim_event(self, event_id: str, lease_seconds: float) -> EventClaim: ...

    async def finish_event(self, claim: EventClaim, dedup_ttl_seconds: float) -> None: ...

    async def abandon_event(self, claim: EventClaim) -> None: ...

    async def lock(
        self,
        name: str,
        *,
        lease_seconds: float,
        wait_seconds: float,
        load: str | None = None,
        seed: str | None = None,
    ) -> Held: ...

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
    ) -> tuple[EventClaim, Held | None]: ...

    async def release(self, lease: Lease) -> None: ...

    async def read(self, key: str) -> Document: ...

    async def commit(
        self,
        writes: Sequence[Write],
        *,
        release: Sequence[Lease] = (),
        finish: EventClaim | None = None,
        dedup_ttl_seconds: float = 0.0,
    ) -> None: ...

    async def put_seed(self, seed: str, value: Mapping[str, Any], ttl_seconds: float) -> None: ...

    async def drop_seed(self, seed: str) -> None: ...

    async def journal_record(
        self, event_id: str, position: int, entry: Mapping[str, Any], ttl_seconds: float
    ) -> None: ...

    async def journal_read(self, event_id: str) -> dict[int, JsonObject]: ...

    async def renew(
        self, claim: EventClaim | None, leases: Sequence[Lease], *, claim_seconds: float, lease_seconds: float
    ) -> bool: ...

    async def ping(self) -> bool: ...

    async def aclose(self) -> None: ...


def encode_json(value: Mapping[str, Any]) -> str:
    """``value`` as compact JSON text, or :class:`NotJson` (not an object, NaN/Infinity, non-JSON types).

    Example::

        encode_json({"step": "menu"})      # '{"step":"menu"}'
        encode_json({"x": float("nan")})   # raises NotJson
    """
    if not isinstance(value, Mapping):
        raise NotJson(f"state must be a JSON object (a dict), got {type(value).__name__}")
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"), default=_refuse)
    except ValueError as error:  # NaN / Infinity, or a circular reference
        raise NotJson(f"state is not JSON: {_reason(error)}") from None
    except TypeError as error:  # a non-string key, or a type JSON cannot hold
        raise NotJson(f"state is not JSON: {error}") from None


def decode_json(text: str | bytes) -> JsonObject:
    """The object :func:`encode_json` wrote (a fresh copy each call)."""
    value = json.loads(text)
    if not isinstance(value, dict):
        raise NotJson("stored value is not a JSON object")
    return value


def _refuse(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Out of range float values are not JSON compliant")
    raise TypeError(f"a {type(value).__name__} cannot be stored as JSON (use dict, list, str, int, float, bool, None)")


def _reason(error: ValueError) -> str:
    text = str(error)
    return "NaN and Infinity are not JSON" if "Out of range float" in text else text
