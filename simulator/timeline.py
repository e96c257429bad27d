"""The emulator's record of what happened, per call: REST requests, callbacks, IncomingCall deliveries, parties.

Tests assert on it, the control API serves it (``GET /simulator/calls/{id}``), and sequence diagrams are drawn
from it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EntryKind = Literal["request", "callback", "incoming_call", "party", "note"]


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened.

    ``actor`` is who did it: ``"app"`` for REST requests, ``"acs"`` for events the emulator sends, or a party's
    raw id (``"4:+15551230001"``) for what a simulated phone does. ``name`` is short and readable:
    ``"answer"``, ``"play"``, ``"Microsoft.Communication.PlayCompleted"``, ``"press 1"``, ``"hang up"``.
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
    """Append-only, in memory; bounded per call so a soak test cannot exhaust memory."""

    def __init__(self, max_entries_per_call: int = 2000) -> None:
        self._start = time.monotonic()
        self._seq = 0
        self._by_call: dict[str, list[TimelineEntry]] = defaultdict(list)
        self._connection_to_call: dict[str, str] = {}
        self._max = max_entries_per_call

    def link(self, call_connection_id: str, server_call_id: str) -> None:
        """Say which call a call connection belongs to, so its entries file under that call."""
        self._connection_to_call[call_connection_id] = server_call_id

    def record(
        self,
        kind: EntryKind,
        actor: str,
        name: str,
        *,
        server_call_id: str | None = None,
        call_connection_id: str | None = None,
        **detail: Any,
    ) -> TimelineEntry:
        if server_call_id is None and call_connection_id is not None:
            server_call_id = self._connection_to_call.get(call_connection_id)
        self._seq += 1
        entry = TimelineEntry(
            seq=self._seq,
            at=round(time.monotonic() - self._start, 6),
            kind=kind,
            actor=actor,
            name=name,
            server_call_id=server_call_id,
            call_connection_id=call_connection_id,
            detail=detail,
        )
        entries = self._by_call[server_call_id or "-"]
        if len(entries) < self._max:
            entries.append(entry)
        return entry

    def for_call(self, server_call_id: str) -> list[TimelineEntry]:
        return list(self._by_call.get(server_call_id, ()))

    def call_of(self, call_connection_id: str) -> str | None:
        return self._connection_to_call.get(call_connection_id)

    def clear(self) -> None:
        self._by_call.clear()
        self._connection_to_call.clear()
