"""Exactly-once effects at ACS: every mutating action of an event gets a position, and a re-run of the event (after
a crash, a timeout ACS completed anyway, or a retryable failure) repeats the same positions.

- **Repeatable operations** (answer, reject, redirect, create, connect, transfer, add/remove/mute participant,
  cancel add, hang up for everyone, send DTMF, start recording) carry ``Repeatability-Request-ID`` =
  ``uuid5(event id, position)`` and ``Repeatability-First-Sent`` = the event's first claim time, kept in the store
  across re-runs. ACS executes a repeated request once and answers the repeat with the first result.
- **Operations without repeatability** (play, recognize, continuous DTMF, hold/unhold, cancel media, hang up for
  this leg only) are journaled in the store the moment their request leaves (:class:`JournalEntry`, on the signal
  of :mod:`app.actions.sending`), and withdrawn if ACS refuses them; a re-run skips a position journaled and not
  withdrawn. The window left: a crash after the request left and before its journal write landed (one store
  write) repeats that one action; a crash after ACS refused it and before the withdrawal landed skips it.

Example::

    ledger = ActionLedger(event_id=event.id, first_claimed_at=claim.first_claimed_at, journal={}, record=store_it)
    headers = ledger.repeatable()          # {"Repeatability-Request-ID": ..., "Repeatability-First-Sent": ...}
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from email.utils import formatdate
from typing import Any

from app.state.errors import LeaseLost, StoreUnavailable

# Fixed namespace: the same event and position give the same request id on every instance, forever.
_NAMESPACE = uuid.UUID("0b7f3c1e-6a55-5b7e-9d3a-2f4c8e1a9b60")

_JOURNAL_RETRY_SECONDS = 5.0
Recorder = Callable[[int, Mapping[str, Any]], Awaitable[None]]
Loader = Callable[[], Awaitable[Mapping[int, Mapping[str, Any]]]]


def first_sent_header(epoch_seconds: float) -> str:
    """An IMF-fixdate (``Tue, 01 Dec 2026 09:30:00 GMT``), as ``Repeatability-First-Sent`` requires."""
    return formatdate(epoch_seconds, usegmt=True)


class ActionLedger:
    """The positions, repeatability headers and journal of one event's actions.

    Without an ``event_id`` (an action outside any event, e.g. the outbound-call trigger) every request gets a
    fresh id and nothing is journaled: there is no re-run to protect. ``journal`` is what earlier runs recorded,
    or None when unknown: ``load`` then reads it from the store the first time a journaled action needs it (a
    first run, known to have an empty journal, costs no read). ``lost`` tells whether the event's lease was lost
    while the handler runs (:class:`~app.state.renewal.LeaseKeeper`): every action checks it before going out.
    """

    def __init__(
        self,
        *,
        event_id: str | None = None,
        first_claimed_at: float = 0.0,
        journal: Mapping[int, Mapping[str, Any]] | None = None,
        load: Loader | None = None,
        record: Recorder | None = None,
        lost: Callable[[], bool] | None = None,
    ) -> None:
        self.event_id = event_id
        self._lost = lost
        self._first_sent = first_claimed_at or time.time()
        self._journal: dict[int, Mapping[str, Any]] | None = dict(journal) if journal is not None else None
        self._load = load
        self._record = record
        self._next = 0
        self.skipped: list[int] = []

    def check_held(self) -> None:
        """Raise :class:`LeaseLost` when the event's lease was lost: another delivery runs the event now, so this
        run must not send anything more (its repeatable actions would be harmless, its journaled ones not)."""
        if self._lost is not None and self._lost():
            raise LeaseLost(f"the lease on event {self.event_id!r} was lost while its handler ran")

    def next_position(self) -> int:
        self.check_held()
        position = self._next
        self._next += 1
        return position

    def repeatable(self) -> dict[str, str]:
        """Headers for the next repeatable request (takes the next position)."""
        position = self.next_position()
        if self.event_id is None:
            request_id = uuid.uuid4()
        else:
            request_id = uuid.uuid5(_NAMESPACE, f"{self.event_id}:{position}")
        return {
            "Repeatability-Request-ID": str(request_id),
            "Repeatability-First-Sent": first_sent_header(self._first_sent),
        }

    async def already_issued(self, position: int) -> bool:
        """True when an earlier run of this event journaled ``position`` and did not withdraw it (the action must
        not be sent again)."""
        if self._journal is None:
            self._journal = dict(await self._load()) if self._load is not None and self.event_id else {}
        entry = self._journal.get(position)
        if entry is not None and not entry.get("withdrawn"):
            self.skipped.append(position)
            return True
        return False

    async def issued(self, position: int, action: str, *, sent_at: float | None = None) -> None:
        """Journal that ``position`` went to ACS (a no-op outside an event). ``sent_at`` (epoch seconds) is when the
        request left, kept in the entry beside ``at`` (when the entry was made) to measure the journal window.

        ACS may already have acted, so a store that is briefly unreachable (a restart, a fail-over) is retried for
        up to ``_JOURNAL_RETRY_SECONDS`` before giving up: giving up means a re-run sends the action again.
        """
        entry: dict[str, Any] = {"action": action, "at": round(time.time(), 4)}
        if sent_at is not None:
            entry["sent"] = round(sent_at, 4)
        await self._write(position, entry)

    async def withdrawn(self, position: int, action: str) -> None:
        """Journal that ACS refused ``position`` (or never answered it): a re-run sends it again.

        Example::

            await ledger.withdrawn(position, "play")
        """
        await self._write(position, {"action": action, "at": round(time.time(), 4), "withdrawn": True})

    async def _write(self, position: int, entry: dict[str, Any]) -> None:
        if self.event_id is None or self._record is None:
            return
        if self._journal is not None:
            self._journal[position] = entry
        give_up_at = time.monotonic() + _JOURNAL_RETRY_SECONDS
        pause = 0.05
        while True:
            try:
                await self._record(position, entry)
                return
            except StoreUnavailable:
                if time.monotonic() + pause > give_up_at:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)


class JournalEntry:
    """The journal entry of one action ACS cannot de-duplicate, written the moment its request leaves.

    :meth:`fire` is the :func:`~app.actions.sending.when_sent` callback: it starts the write without waiting, so the
    request is not held back. :meth:`settle` waits for the write once ACS accepted the request (or makes it then,
    when the transport gave no signal); :meth:`withdraw` undoes it when ACS refused the request.

    Example::

        entry = JournalEntry(ledger, position, "play")
        with when_sent(entry.fire):
            try:
                await connection.play_media(...)
            except Exception:
                await entry.withdraw()
                raise
        await entry.settle()
    """

    def __init__(self, ledger: ActionLedger, position: int, action: str) -> None:
        self._ledger = ledger
        self._position = position
        self._action = action
        self._writing: asyncio.Task[None] | None = None

    def fire(self) -> None:
        if self._writing is None:  # an SDK retry sends the request again: it is one action, one entry
            self._writing = asyncio.get_running_loop().create_task(self._write(time.time()))
            self._writing.add_done_callback(_retrieve)

    async def settle(self) -> None:
        if self._writing is None:
            await self._ledger.issued(self._position, self._action, sent_at=time.time())
        else:
            await self._writing

    async def withdraw(self) -> None:
        if self._writing is None:
            return  # nothing left this process: nothing to undo
        try:
            await self._writing
        except StoreUnavailable:
            pass  # the entry may or may not have landed: withdraw it either way
        await self._ledger.withdrawn(self._position, self._action)

    async def _write(self, sent_at: float) -> None:
        # The signal comes as aiohttp is about to write: a body straight after, synchronously; a bodiless request's
        # headers from a task aiohttp schedules next. Two turns of the loop put the write after either, and
        # tests/unit/test_journal_on_send.py checks the order on the wire.
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await self._ledger.issued(self._position, self._action, sent_at=sent_at)


def _retrieve(task: asyncio.Task[None]) -> None:
    # A write whose action was cancelled is never awaited; its failure is the action's, not the event loop's.
    if not task.cancelled():
        task.exception()
