"""The typed events accept every shape real ACS sent in the SDK live-test captures, 2023 to 2026.

The shapes are built from the capture facts the emulator conformance suite uses
(tests/simulator/conformance/facts/common.json): each event type's key paths and value types, per era.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.events import (
    CancelAddParticipantSucceeded,
    IncomingCall,
    MediaStreamingStarted,
    ParticipantsUpdated,
    PlayFailed,
    RecordingStateChanged,
    SendDtmfTonesCompleted,
    TranscriptionUpdated,
    parse_event,
)
from tests.simulator.conformance.facts import common

ROSTER_EVENTS = {"CallConnected", "ParticipantsUpdated", "CallDisconnected"}
SAMPLES: dict[str, Any] = {
    "str": "x",
    "int": 0,
    "bool": False,
    "callConnectionId": "05004980-7a3e-4a54-9c0f-5b6f3a2f1d10",
    "correlationId": "229ad01e-dceb-405e-80f2-af57f67822f3",
    "startDateTime": "2026-09-14T05:55:08.4550984+00:00",
    "resultInformation.code": 200,
    "participants[].identifier.rawId": "8:acs:6d889502-3d7a-41a8-befa-d21fd80e8767_00000031-3e5c-77b8",
    "participants[].identifier.kind": "communicationUser",
    "participants[].identifier.communicationUser.id": "8:acs:6d889502-3d7a-41a8-befa-d21fd80e8767_00000031-3e5c-77b8",
    "sequenceNumber": 3,
    "failedPlaySourceIndex": 0,
}


def _drops(path: str, rules: list[str]) -> bool:
    return any(path == rule or (rule.endswith("*") and path.startswith(rule[:-1])) for rule in rules)


def era_paths(era: str, event_type: str) -> tuple[str, dict[str, str]]:
    """(wire type, key paths → value types) of ``event_type`` in ``era``."""
    facts = common()
    rules = facts["eras"][era]
    base = facts["data_common"]["2026-03-12"]
    by_event = facts["data_by_event"][event_type]
    optional = {k: v for k, v in by_event.get("optional", {}).items() if "communicationUser" in k}
    paths = {**base, **by_event["paths"], **optional, **rules.get("add", {})}
    paths.update(rules.get("add_on", {}).get(event_type, {}))
    drop = rules.get("drop", []) + (rules.get("drop_roster", []) if event_type in ROSTER_EVENTS else [])
    return rules.get("rename", {}).get(event_type, event_type), {k: v for k, v in paths.items() if not _drops(k, drop)}


def build(paths: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """A data object with every path, sample values by type (``values`` override by path)."""
    data: dict[str, Any] = {}
    for path in sorted(paths, key=lambda p: p.count(".") + p.count("[]")):
        node: Any = data
        parts = path.replace("[]", ".[]").split(".")
        for part, following in zip(parts, [*parts[1:], None], strict=True):
            if following is None:
                kind = paths[path]
                default = {} if kind == "object" else [] if kind == "array" else SAMPLES[kind]
                leaf = values.get(path, SAMPLES.get(path, default))
                if part == "[]":
                    if not node:
                        node.append(leaf)
                else:
                    node.setdefault(part, leaf)
            elif part == "[]":
                if not node:
                    node.append({})
                node = node[0]
            else:
                node = node.setdefault(part, [] if following == "[]" else {})
    return data


def _callback(wire_type: str, data: dict[str, Any]) -> dict[str, Any]:
    source = f"calling/callConnections/{data.get('callConnectionId')}"
    return {
        "id": "06ca77c2-2812-417b-9503-93ed5a0cc711",
        "source": source,
        "subject": source,
        "type": f"Microsoft.Communication.{wire_type}",
        "data": data,
        "time": "2026-09-14T05:54:13.986972+00:00",
        "specversion": "1.0",
        "datacontenttype": "application/json",
    }


ERAS = [era for era in common()["eras"] if era != "about"]
EVENT_TYPES = sorted(common()["data_by_event"])


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("era", ERAS)
def test_every_captured_event_shape_parses_into_its_typed_event(era: str, event_type: str) -> None:
    wire_type, paths = era_paths(era, event_type)
    values = {k: v for k, v in common()["data_by_event"][event_type].get("values", {}).items()}
    event = parse_event(_callback(wire_type, build(paths, values)))
    assert type(event).__name__ == event_type
    assert event.call_connection_id == SAMPLES["callConnectionId"]
    assert event.correlation_id == SAMPLES["correlationId"]
    assert event.result_code == (200 if "resultInformation.code" in paths else None)


def test_send_dtmf_completed_of_2023_is_the_same_typed_event_and_keeps_its_wire_name() -> None:
    wire_type, paths = era_paths("2023-10-04 (no version)", "SendDtmfTonesCompleted")
    assert wire_type == "SendDtmfCompleted"
    event = parse_event(_callback(wire_type, build(paths, {})))
    assert isinstance(event, SendDtmfTonesCompleted)
    assert event.type == "Microsoft.Communication.SendDtmfCompleted"


@pytest.mark.parametrize("era", ERAS)
def test_participants_updated_roster_in_every_era(era: str) -> None:
    _, paths = era_paths(era, "ParticipantsUpdated")
    event = parse_event(_callback("ParticipantsUpdated", build(paths, {})))
    assert isinstance(event, ParticipantsUpdated)
    assert event.sequence_number == 3
    [person] = event.participants
    assert person.identifier is not None and person.identifier.raw_id == SAMPLES["participants[].identifier.rawId"]
    assert person.is_muted is False
    assert person.is_on_hold is (False if "participants[].isOnHold" in paths else None)


def test_event_specific_fields_of_the_newest_captures() -> None:
    def parsed(event_type: str, values: dict[str, Any]) -> Any:
        _, paths = era_paths("2026-03-12", event_type)
        facts_values = common()["data_by_event"][event_type].get("values", {})
        return parse_event(_callback(event_type, build(paths, {**facts_values, **values})))

    cancel = parsed("CancelAddParticipantSucceeded", {"invitationId": "d0a3f609-0000-4000-8000-000000000001"})
    assert isinstance(cancel, CancelAddParticipantSucceeded)
    assert cancel.invitation_id == "d0a3f609-0000-4000-8000-000000000001"
    failed = parsed("PlayFailed", {"resultInformation.code": 400, "resultInformation.subCode": 8535})
    assert isinstance(failed, PlayFailed) and failed.failed_play_source_index == 0
    assert (failed.result_code, failed.sub_code, failed.is_failure) == (400, 8535, True)
    recording = parsed("RecordingStateChanged", {"recordingId": "eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiIwNSJ9"})
    assert isinstance(recording, RecordingStateChanged)
    assert (recording.recording_id, recording.state) == ("eyJQbGF0Zm9ybUVuZHBvaW50SWQiOiIwNSJ9", "active")
    assert recording.start_date_time is not None and recording.start_date_time.utcoffset() is not None
    streaming = parsed("MediaStreamingStarted", {})
    assert isinstance(streaming, MediaStreamingStarted) and streaming.media_streaming_update is not None
    transcription = parsed("TranscriptionUpdated", {})
    assert isinstance(transcription, TranscriptionUpdated) and transcription.transcription_update is not None


@pytest.mark.parametrize(
    ("kind", "raw", "extra"),
    [
        ("communicationUser", "8:acs:6d889502-3d7a-41a8-befa-d21fd80e8767_00000031", {"communicationUser": "id"}),
        ("phoneNumber", "4:+18662315126", {"phoneNumber": "value"}),
    ],
)
@pytest.mark.parametrize("redacted", [False, True])
def test_incoming_call_data_of_the_captures_parses(kind: str, raw: str, extra: dict[str, str], redacted: bool) -> None:
    facts = common()["incoming_call"]
    values: dict[str, Any] = {"to.kind": kind, "from.kind": kind, "to.rawId": raw, "from.rawId": raw}
    for side in ("to", "from"):
        for obj, key in extra.items():
            values[f"{side}.{obj}.{key}"] = raw if key == "id" else raw[2:]
    optional = {k: v for k, v in facts["optional"].items() if any(f".{obj}" in k for obj in extra)}
    values["incomingCallContext"] = "REDACTED" if redacted else "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30."
    values["callerDisplayName"] = "REDACTED" if redacted else ""
    data = build({**facts["paths"], **optional}, values)
    envelope = {
        "id": "1",
        "topic": "/subscriptions/x",
        "subject": "s",
        "eventType": "Microsoft.Communication.IncomingCall",
        "eventTime": "2026-09-14T05:53:13.2376389Z",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": data,
    }
    event = parse_event(envelope)
    assert isinstance(event, IncomingCall)
    assert event.incoming_call_context == values["incomingCallContext"]
