"""Causal order for the emulator's timeline.

The emulator records a request when it *completes* and a callback when its delivery *finishes*. Two things
follow, and this module undoes both:

- What ACS does while executing a request (ring a phone, end the call, note that the app answered) is recorded
  just before the request itself; such entries move to just after their request.
- The service handles a callback inside its delivery, so the actions a callback caused are recorded before the
  callback. Each delivery moves back to where it was sent: after the previous delivery of the same stream
  (callbacks of one call connection go out one at a time) and after the last thing a phone did on its own before
  it (a key press, an answer), but before the actions the service took in response.

Example::

    positions = causal_positions(entries)      # {seq: position}; sort entries by (position, seq)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_DELIVERIES = frozenset({"callback", "incoming_call"})
# Party steps that ACS performs because the app asked: effects of a request, never causes of a callback.
_RINGING = "ringing"
_PARTY_EFFECTS = frozenset({_RINGING, "removed"})
_SAME_MOMENT = 0.01  # real seconds: entries recorded while one request executes are this close together


def causal_positions(entries: Sequence[Mapping[str, Any]]) -> dict[int, float]:
    """Map each entry's ``seq`` to its causal position; sort by ``(position, seq)`` to get causal order."""
    ordered = sorted(entries, key=lambda entry: int(entry["seq"]))
    positions = _request_effects(ordered)
    last_delivery: dict[str, int] = {}
    first_of_connection: dict[str, int] = {}
    last_incoming_note = 0
    causes: list[Mapping[str, Any]] = []
    for entry in ordered:
        seq = int(entry["seq"])
        kind = entry.get("kind")
        connection = entry.get("call_connection_id")
        if kind not in _DELIVERIES:
            if connection and connection not in first_of_connection:
                first_of_connection[connection] = seq
            if _may_cause(entry):
                causes.append(entry)
            if kind == "note" and entry.get("name") == "IncomingCall":
                last_incoming_note = seq
            continue
        stream = "eventgrid" if kind == "incoming_call" else f"cc:{connection}"
        floor = last_delivery.get(stream)
        if floor is None:
            floor = first_of_connection.get(connection or "", seq - 1) if kind == "callback" else seq - 1
        if kind == "incoming_call":
            floor = max(floor if stream in last_delivery else 0, last_incoming_note)
        window = [c for c in causes if floor < int(c["seq"]) < seq]
        rung = {str(c.get("actor")) for c in ordered if floor < int(c["seq"]) < seq and c.get("name") == _RINGING}
        own = [int(c["seq"]) for c in window if c.get("kind") != "party" or str(c.get("actor")) not in rung]
        positions[seq] = max(own, default=floor) + 0.5
        last_delivery[stream] = seq
    return positions


def _request_effects(ordered: Sequence[Mapping[str, Any]]) -> dict[int, float]:
    """Positions of non-deliveries: a run of ACS effects recorded right before a request moves after it."""
    positions: dict[int, float] = {}
    pending: list[Mapping[str, Any]] = []
    for entry in ordered:
        seq = int(entry["seq"])
        kind = entry.get("kind")
        if kind in _DELIVERIES:
            continue
        positions[seq] = float(seq)
        if kind == "request":
            at = float(entry.get("at", 0.0))
            moved = [p for p in pending if at - float(p.get("at", 0.0)) <= _SAME_MOMENT]
            for index, effect in enumerate(moved, 1):
                positions[int(effect["seq"])] = seq + index / (len(moved) + 1)
            pending = []
        elif _is_effect(entry):
            pending.append(entry)
        else:
            pending = []
    return positions


def _is_effect(entry: Mapping[str, Any]) -> bool:
    if entry.get("kind") == "party":
        return entry.get("name") in _PARTY_EFFECTS
    return entry.get("kind") == "note" and entry.get("name") != "IncomingCall"


def _may_cause(entry: Mapping[str, Any]) -> bool:
    kind = entry.get("kind")
    if kind == "party":
        return entry.get("name") not in _PARTY_EFFECTS
    return kind == "note" and entry.get("name") == "IncomingCall"
