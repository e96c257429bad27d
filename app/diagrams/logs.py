"""Steps from the service's own JSON log lines (``CALLWRIGHT_LOG_FORMAT=json``).

``event_received`` lines become ACS → App events, each followed by the App → ACS actions its handler requested:
the ``action_requested`` lines (DEBUG) of that event when the log has them, else the action names the
``event_received`` line lists (INFO). Lines are
kept when they carry the call's ``server_call_id`` or one of its call connection ids (learnt from lines that
carry both); other lines and non-JSON lines are skipped.

Example::

    with open("service.log") as log:
        steps = from_log_lines(log, server_call_id="aHR0cHM6...")
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from app.diagrams.model import Step, short_type

_ACTION = "action_requested"
_EVENTS = frozenset({"event_received"})


def from_log_lines(
    lines: Iterable[str], *, server_call_id: str | None = None, call_connection_id: str | None = None
) -> list[Step]:
    """Steps of one call (or of every call when no id is given), in log order."""
    records = [record for record in (_parse(line) for line in lines) if record is not None]
    connections = {call_connection_id} if call_connection_id else set()
    if server_call_id:
        connections |= {
            str(r["call_connection_id"])
            for r in records
            if r.get("server_call_id") == server_call_id and r.get("call_connection_id")
        }
    wanted = server_call_id is None and call_connection_id is None
    mine = [
        record
        for record in records
        if (record.get("event") == _ACTION or record.get("event") in _EVENTS)
        and (
            wanted
            or (server_call_id and record.get("server_call_id") == server_call_id)
            or record.get("call_connection_id") in connections
        )
    ]
    # An event's line is written once it is handled, after its actions' lines: put each action after its event.
    by_event: dict[object, list[Mapping[str, Any]]] = {}
    for record in mine:
        if record.get("event") == _ACTION and record.get("event_id") is not None:
            by_event.setdefault(record["event_id"], []).append(record)
    ordered: list[Mapping[str, Any]] = []
    for record in mine:
        if record.get("event") == _ACTION:
            if record.get("event_id") is None:
                ordered.append(record)  # not caused by an event (the outbound trigger)
            continue
        ordered.append(record)
        detailed = by_event.get(record.get("event_id"), [])
        listed = record.get("actions")
        if detailed:
            ordered += detailed
        elif isinstance(listed, list):
            ordered += [
                {**_ids(record), "event": _ACTION, "action": str(name), "timestamp": record.get("timestamp")}
                for name in listed
            ]
    steps: list[Step] = []
    start: float | None = None
    for entry in ordered:
        at = _seconds(entry.get("timestamp"))
        start = at if start is None and at is not None else start
        steps.append(_step(entry, len(steps) + 1, (at - start) if at is not None and start is not None else 0.0))
    return steps


def _ids(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in ("server_call_id", "call_connection_id")}


def _parse(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _step(record: Mapping[str, Any], seq: int, at: float) -> Step:
    ids = {"server_call_id": record.get("server_call_id"), "call_connection_id": record.get("call_connection_id")}
    if record.get("event") == _ACTION:
        targets = record.get("targets")
        target = record.get("target") or (", ".join(map(str, targets)) if isinstance(targets, list) else None)
        return Step(
            position=seq,
            seq=seq,
            at=at,
            kind="action",
            actor="app",
            name=str(record.get("action", "action")),
            target=str(target) if target else None,
            text=str(record["prompt"]) if record.get("prompt") else None,
            result=str(record["reason"]) if record.get("reason") else None,
            raw=record,
            **ids,
        )
    event_type = str(record.get("event_type", "event"))
    return Step(
        position=seq,
        seq=seq,
        at=at,
        kind="incoming_call" if event_type.endswith("IncomingCall") else "event",
        actor="acs",
        name=short_type(event_type),
        event_id=record.get("event_id"),
        raw=record,
        **ids,
    )


def _seconds(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
