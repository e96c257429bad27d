"""Exactly-once effects at ACS: every mutating action of an event gets a position, and a re-run of the event (after
a crash, a timeout ACS completed anyway, or a retryable failure) repeats the same positions.

- **Repeatable operations** (answer, reject, redirect, create, connect, transfer, add/remove/mute participant,
  cancel add, hang up for everyone, send DTMF, start recording) carry ``Repeatability-Request-ID`` =
  ``uuid5(event id, position)`` and ``Repeatability-First-Sent`` = the event's first claim time, kept in the store
  across re-runs. ACS executes a repeated request once and answers the repeat with the first result.
- **Operations without repeatability** (play, recognize, continuous DTMF, hold/unhold, cancel media, hang up for
  this leg only) are journaled in the store after ACS accepted them; a re-run skips a position already journaled.
  The window left: a crash after ACS accepted the request and before the journal write landed (one Redis round
  trip) repeats that one action.

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
        """True when an earlier run of this event journaled ``position`` (the action must not be sent again)."""
        if self._journal is None:
            self._journal = dict(await self._load()) if self._load is not None and self.event_id else {}
        if position in self._journal:
            self.skipped.append(position)
            return True
        return False

    async def issued(self, position: int, action: str, *, sent_at: float | None = None) -> None:
        """Journal that ``position`` was accepted by ACS (a no-op outside an event). ``sent_at`` (epoch seconds) is
        when the request went out, kept in the entry beside ``at`` (when ACS's answer came back) to measure the
        journal window.

        ACS has already acted, so a store that is briefly unreachable (a restart, a fail-over) is retried for up to
        ``_JOURNAL_RETRY_SECONDS`` before giving up: giving up means a re-run sends the action again.
        """
        if self.event_id is None or self._record is None:
            return
        entry: dict[str, Any] = {"action": action, "at": round(time.time(), 4)}
        if sent_at is not None:
            entry["sent"] = round(sent_at, 4)
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
