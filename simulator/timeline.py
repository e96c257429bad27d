"""The emulator's record of what happened, per call: REST requests, callbacks, IncomingCall deliveries, parties.

Tests assert on it, the control API serves it (``GET /simulator/calls/{id}``), the dev phone streams it, and
sequence diagrams are drawn from it.

Entries are in causal order at the source: a REST request takes its sequence number when it *arrives* (before
what it causes), and a callback or an Event Grid delivery when it is *sent* (before what the app does in response).
Both are recorded later, when the outcome is known, under the number reserved for them::

    slot = timeline.reserve()                   # the request arrives
    ...                                         # the world rings a phone, emits events (later numbers)
    timeline.record("request", "app", "transfer", slot=slot, status=202)
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EntryKind = Literal["request", "callback", "incoming_call", "party", "note", "media"]
Listener = Callable[["TimelineEntry"], None]


@dataclass(frozen=True)
class Slot:
    """A place in the timeline, taken when something starts; ``at`` is when (seconds since the start)."""

    seq: int
    at: float


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened.

    ``actor`` is who did it: ``"app"`` for REST requests, ``"acs"`` for events the emulator sends, or a party's
    raw id (``"4:+15551230001"``) for what a simulated phone does. ``name`` is short and readable:
    ``"answer"``, ``"play"``, ``"Microsoft.Communication.PlayCompleted"``, ``"press 1"``, ``"hang up"``.
    ``kind="media"`` entries say when a prompt starts and ends being heard (``"prompt started"``).
    """

    seq: int
    at: float
    kind: EntryKind
    actor: str
    name: str
    server_call_id: str | None = None
    call_connection_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Timeline:
    """Append-only, in memory, ordered by ``seq``; bounded per call so a soak test cannot exhaust memory."""

    def __init__(self, max_entries_per_call: int = 2000) -> None:
        self._start = time.monotonic()
        self._seq = 0
        self._by_call: dict[str, list[TimelineEntry]] = defaultdict(list)
        self._connection_to_call: dict[str, str] = {}
        self._max = max_entries_per_call
        self._listeners: list[Listener] = []

    def link(self, call_connection_id: str, server_call_id: str) -> None:
        """Say which call a call connection belongs to, so its entries file under that call."""
        self._connection_to_call[call_connection_id] = server_call_id

    def reserve(self) -> Slot:
        """Take the next place in causal order for something whose outcome is recorded later."""
        self._seq += 1
        return Slot(self._seq, round(time.monotonic() - self._start, 6))

    def record(
        self,
        kind: EntryKind,
        actor: str,
        name: str,
        *,
        server_call_id: str | None = None,
        call_connection_id: str | None = None,
        slot: Slot | None = None,
        **detail: Any,
    ) -> TimelineEntry:
        """Record an entry, in the ``slot`` reserved for it or else now."""
        if server_call_id is None and call_connection_id is not None:
            server_call_id = self._connection_to_call.get(call_connection_id)
        place = slot or self.reserve()
        entry = TimelineEntry(
            seq=place.seq,
            at=place.at,
            kind=kind,
            actor=actor,
            name=name,
            server_call_id=server_call_id,
            call_connection_id=call_connection_id,
            detail=detail,
        )
        entries = self._by_call[server_call_id or "-"]
        if len(entries) < self._max:
            if entries and entries[-1].seq > entry.seq:
                bisect.insort(entries, entry, key=lambda e: e.seq)
            else:
                entries.append(entry)
        for listener in self._listeners:
            listener(entry)
        return entry

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every entry as it is recorded; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def for_call(self, server_call_id: str) -> list[TimelineEntry]:
        return list(self._by_call.get(server_call_id, ()))

    def call_of(self, call_connection_id: str) -> str | None:
        return self._connection_to_call.get(call_connection_id)

    def clear(self) -> None:
        self._by_call.clear()
        self._connection_to_call.clear()
