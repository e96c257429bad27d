"""Causal order for the emulator's timeline.

The emulator records a callback when its delivery *finishes*, and the service handles a callback inside that
delivery, so the actions a callback caused are recorded before the callback itself. This module moves each
delivery back to where it was sent: after the previous delivery of the same stream (callbacks of one call
connection go out one at a time) and after the last thing a phone did before it (a key press, an answer), but
before the actions the service took in response.

Example::

    positions = causal_positions(entries)      # {seq: position}; sort entries by (position, seq)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_DELIVERIES = frozenset({"callback", "incoming_call"})
# Party steps that ACS performs because the app asked (so they are effects, never causes of a later callback).
_EFFECTS = frozenset({"ringing", "removed"})


def causal_positions(entries: Sequence[Mapping[str, Any]]) -> dict[int, float]:
    """Map each entry's ``seq`` to its causal position (non-deliveries keep their ``seq``)."""
    ordered = sorted(entries, key=lambda entry: int(entry["seq"]))
    positions: dict[int, float] = {}
    last_delivery: dict[str, int] = {}
    first_of_connection: dict[str, int] = {}
    last_incoming_note = 0
    causes: list[int] = []  # seqs of entries that can cause a callback
    for entry in ordered:
        seq = int(entry["seq"])
        kind = entry.get("kind")
        connection = entry.get("call_connection_id")
        if kind not in _DELIVERIES:
            positions[seq] = float(seq)
            if connection and connection not in first_of_connection:
                first_of_connection[connection] = seq
            if _is_cause(entry):
                causes.append(seq)
            if kind == "note" and entry.get("name") == "IncomingCall":
                last_incoming_note = seq
            continue
        stream = "eventgrid" if kind == "incoming_call" else f"cc:{connection}"
        floor = last_delivery.get(stream)
        if floor is None:
            floor = first_of_connection.get(connection or "", seq - 1) if kind == "callback" else seq - 1
        if kind == "incoming_call":
            floor = max(floor if stream in last_delivery else 0, last_incoming_note)
        cause = max((c for c in causes if floor < c < seq), default=floor)
        positions[seq] = cause + 0.5
        last_delivery[stream] = seq
    return positions


def _is_cause(entry: Mapping[str, Any]) -> bool:
    kind = entry.get("kind")
    if kind == "party":
        return entry.get("name") not in _EFFECTS
    return kind == "note" and entry.get("name") == "IncomingCall"
