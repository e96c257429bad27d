"""Comparing what the emulator delivered with the capture facts; every mismatch names scenario, event and key.

Example::

    problems = Comparison("test_play_media_in_a_call", facts, roles).connection("caller", events)
    assert not problems, "\\n".join(problems)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.simulator.conformance.facts import common

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ACS_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,7}\+00:00$")
_TYPES: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "bool": bool, "object": dict, "array": list}


def key_paths(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": [{"c": 1}]}}`` → ``{"a": {...}, "a.b": [...], "a.b[]": {...}, "a.b[].c": 1}`` (last item wins)."""
    paths: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths[path] = item
            paths.update(key_paths(item, path))
    elif isinstance(value, list):
        for item in value:
            paths[f"{prefix}[]"] = item
            paths.update(key_paths(item, f"{prefix}[]"))
    return paths


def _type_ok(value: Any, name: str) -> bool:
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def format_problem(value: Any, kind: str, connection_id: str | None = None) -> str | None:
    """Why ``value`` does not have the captured format ``kind``, or None."""
    text = value if isinstance(value, str) else ""
    if kind == "guid":
        return None if GUID.match(text) else "not a GUID"
    if kind == "acs_time":
        return None if ACS_TIME.match(text) else "not UTC with 1 to 7 fractional digits and +00:00"
    if kind == "server_call_id":
        decoded = _b64(text)
        return None if decoded and decoded.startswith(b"https://") else "not base64 of an https URL"
    if kind == "unsigned_jwt":
        return None if text.startswith("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.") else "not an unsigned JWT"
    if kind == "recording_id":
        if "=" in text or "+" in text or "/" in text:
            return "not unpadded base64url"
        decoded = _b64(text)
        try:
            document = json.loads(decoded or b"")
        except ValueError:
            return "not base64url of a JSON document"
        if set(document) != {"PlatformEndpointId", "ResourceSpecificId"}:
            return f"JSON keys {sorted(document)}"
        if connection_id is not None and document["PlatformEndpointId"] != connection_id:
            return "PlatformEndpointId is not the call connection id"
        return None
    raise ValueError(f"unknown format {kind}")


@dataclass
class Comparison:
    """One scenario's facts against one run; ``roles`` maps fact roles (caller, target, app...) to raw ids."""

    scenario: str
    facts: dict[str, Any]
    roles: dict[str, str]
    realism: bool = False
    problems: list[str] = field(default_factory=list)

    def fail(self, where: str, key: str, message: str) -> None:
        self.problems.append(f"{self.scenario}: {where}: {key}: {message}")

    # ----- per connection: order, then every event
    def connection(self, name: str, events: list[dict[str, Any]]) -> list[str]:
        spec = self.facts["connections"][name]
        events = self._until_disconnected([e for e in events if not self._ignored(spec, e)])
        types = [e["type"].rsplit(".", 1)[-1] for e in events]
        if self.facts["capture"]["format"] == "dict":  # only first arrivals are known
            firsts = list(dict.fromkeys(types))
            events = [next(e for e in events if e["type"].endswith("." + t)) for t in firsts]
            types = firsts
        self._order(name, spec, types, events)
        updates = [e for e in events if e["type"].endswith(".ParticipantsUpdated")]
        self._sequence(name, updates)
        for index, event in enumerate(events):
            self.event(f"{name} event {index + 1} {types[index]}", event)
        return self.problems

    @staticmethod
    def _ignored(spec: dict[str, Any], event: dict[str, Any]) -> bool:
        return any(
            event["type"].endswith("." + rule["type"]) and event["data"].get("state") == rule["state"]
            for rule in spec.get("ignore", [])
        )

    @staticmethod
    def _until_disconnected(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Captures end at the first CallDisconnected."""
        for index, event in enumerate(events):
            if event["type"].endswith(".CallDisconnected"):
                return events[: index + 1]
        return events

    def _order(self, name: str, spec: dict[str, Any], types: list[str], events: list[dict[str, Any]]) -> None:
        position = 0
        for number, step in enumerate(spec["steps"], 1):
            wanted = step["types"]
            if step.get("realism") and not self.realism:
                continue  # variety real ACS shows only under --realism
            taken = self._take(wanted, types[position:])
            if taken is None:
                if step.get("optional"):
                    continue
                got = types[position : position + len(wanted)]
                self.fail(name, f"step {number}", f"expected {sorted(wanted)} (any order), got {got}")
                return
            for offset in range(taken):
                self._flags(name, number, step, events[position + offset])
            position += taken
        if position < len(types) and spec["complete"]:
            self.fail(name, f"after step {len(spec['steps'])}", f"unexpected events {types[position:]}")

    @staticmethod
    def _take(wanted: list[str], rest: list[str]) -> int | None:
        """How many of ``rest`` the step consumes: a multiset; ``Type+`` is one or more in a row."""
        if len(wanted) == 1 and wanted[0].endswith("+"):
            kind = wanted[0][:-1]
            count = 0
            while count < len(rest) and rest[count] == kind:
                count += 1
            return count or None
        return len(wanted) if Counter(rest[: len(wanted)]) == Counter(wanted) else None

    def _flags(self, name: str, number: int, step: dict[str, Any], event: dict[str, Any]) -> None:
        if not event["type"].endswith(".ParticipantsUpdated"):
            return
        people = {p["identifier"]["rawId"]: p for p in event["data"]["participants"]}
        for role, flags in step.get("flags", {}).items():
            person = people.get(self.roles[role], {})
            for flag, value in flags.items():
                if person.get(flag) != value:
                    where = f"{name} step {number} ParticipantsUpdated"
                    self.fail(where, f"participants[{role}].{flag}", f"expected {value}, got {person.get(flag)}")

    def _sequence(self, name: str, updates: list[dict[str, Any]]) -> None:
        numbers = [u["data"].get("sequenceNumber") for u in updates]
        if numbers != sorted(set(numbers)):
            self.fail(f"{name} ParticipantsUpdated", "sequenceNumber", f"not strictly increasing: {numbers}")
        if name == "caller" and numbers and numbers[0] != self.facts["first_sequence"]:
            self.fail(f"{name} ParticipantsUpdated", "sequenceNumber", f"first is {numbers[0]}")

    # ----- one event: envelope, data key paths and types, values, formats, result, roster
    def event(self, where: str, event: dict[str, Any]) -> None:
        facts = common()
        short = event["type"].rsplit(".", 1)[-1]
        self._paths(where, "envelope", event, facts["envelope"]["paths"], {}, include_nested=False)
        for key, value in facts["envelope"]["values"].items():
            if event.get(key) != value:
                self.fail(where, key, f"expected {value!r}, got {event.get(key)!r}")
        data = event.get("data", {})
        if event.get("subject") != event.get("source"):
            self.fail(where, "subject", "differs from source")
        self._source(where, short, event, data)
        if event.get("type") != f"Microsoft.Communication.{short}":
            self.fail(where, "type", f"{event.get('type')!r}")
        for key, kind in facts["envelope"]["formats"].items():
            self._format(where, key, event.get(key), kind)
        era = self.facts["api_version"]
        by_event = facts["data_by_event"].get(short)
        if by_event is None:
            self.fail(where, "type", "no capture shows this event type in this scenario")
            return
        expected = {**facts["data_common"][era], **by_event["paths"]}
        for path in self.facts.get("absent", []):
            expected.pop(path, None)
        self._paths(where, "data", data, expected, by_event.get("optional", {}))
        if data.get("version") != era:
            self.fail(where, "data.version", f"expected {era}, got {data.get('version')!r}")
        if "publicEventType" in expected and data.get("publicEventType") != event.get("type"):
            self.fail(where, "data.publicEventType", "differs from type")
        values = {**by_event.get("values", {}), **self.facts.get("values", {}).get(short, {})}
        flat = key_paths(data)
        for key, value in values.items():
            if flat.get(key) != value:
                self.fail(where, f"data.{key}", f"expected {value!r}, got {flat.get(key)!r}")
        for key, kind in {**facts["data_formats"], **by_event.get("formats", {})}.items():
            self._format(where, f"data.{key}", flat.get(key), kind, data.get("callConnectionId"))
        self._result(where, short, data)
        if short == "ParticipantsUpdated":
            self._roster(where, data)

    def _paths(
        self,
        where: str,
        part: str,
        value: dict[str, Any],
        expected: dict[str, str],
        optional: dict[str, str],
        *,
        include_nested: bool = True,
    ) -> None:
        actual = key_paths(value) if include_nested else dict(value)
        for path, kind in expected.items():
            if path not in actual:
                self.fail(where, f"{part}.{path}", "missing")
            elif not _type_ok(actual[path], kind):
                self.fail(where, f"{part}.{path}", f"expected {kind}, got {type(actual[path]).__name__}")
        for path in actual:
            if path not in expected and path not in optional:
                self.fail(where, f"{part}.{path}", "not in any capture of this event")

    def _source(self, where: str, short: str, event: dict[str, Any], data: dict[str, Any]) -> None:
        if short == "RecordingStateChanged":
            wanted = f"calling/recordings/{data.get('serverCallId')}/{data.get('recordingId')}/RecordingStateChanged"
        else:
            wanted = f"calling/callConnections/{data.get('callConnectionId')}"
        if event.get("source") != wanted:
            self.fail(where, "source", f"expected {wanted!r}, got {event.get('source')!r}")

    def _format(self, where: str, key: str, value: Any, kind: str, connection_id: str | None = None) -> None:
        problem = format_problem(value, kind, connection_id)
        if problem is not None:
            self.fail(where, key, f"{problem}: {value!r}")

    def _result(self, where: str, short: str, data: dict[str, Any]) -> None:
        expected = {**common()["results"].get(short, {}), **self.facts["results"].get(short, {})}
        info = data.get("resultInformation")
        if not expected or info is None:
            return  # eras without resultInformation: its absence is checked with the key paths
        for key in ("code", "subCode"):
            if info.get(key) != expected[key]:
                self.fail(where, f"data.resultInformation.{key}", f"expected {expected[key]}, got {info.get(key)}")
        pattern = expected.get("message")
        if pattern is not None and not re.search(pattern, str(info.get("message"))):
            self.fail(where, "data.resultInformation.message", f"{info.get('message')!r} does not match {pattern!r}")

    def _roster(self, where: str, data: dict[str, Any]) -> None:
        present = sorted(p["identifier"]["rawId"] for p in data.get("participants", []))
        wanted = sorted(self.roles[role] for role in self.facts["roster"])
        if present != wanted:
            self.fail(where, "data.participants", f"expected {self.facts['roster']} = {wanted}, got {present}")

    def incoming_call(self, data: dict[str, Any]) -> list[str]:
        facts = common()["incoming_call"]
        self._paths("IncomingCall", "data", data, facts["paths"], facts["optional"])
        for key, kind in facts["formats"].items():
            self._format("IncomingCall", f"data.{key}", data.get(key), kind)
        return self.problems
