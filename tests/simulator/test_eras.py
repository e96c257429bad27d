"""Callback data shaped per api-version, as the SDK live-test captures show each era; ACS timestamps."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.clock import acs_timestamp
from simulator.delivery.eras import shape

SOURCE = "calling/callConnections/cc-1"
OK = {"code": 200, "subCode": 0, "message": ""}
PEOPLE = [{"identifier": {"rawId": "4:+15551230001"}, "isMuted": False, "isOnHold": False}]


def _data(version: str, **extra: Any) -> dict[str, Any]:
    return {"callConnectionId": "cc-1", "version": version, "publicEventType": "x", "resultInformation": OK, **extra}


def test_2026_keeps_everything() -> None:
    kind, data = shape("ParticipantsUpdated", _data("2026-03-12", participants=PEOPLE), source=SOURCE)
    assert kind == "ParticipantsUpdated"
    assert data == _data("2026-03-12", participants=PEOPLE)


def test_2023_10_03_preview_has_event_source_no_success_result_and_no_hold_flag() -> None:
    _, data = shape("ParticipantsUpdated", _data("2023-10-03-preview", participants=PEOPLE), source=SOURCE)
    assert data["eventSource"] == SOURCE
    assert "resultInformation" not in data
    assert data["participants"] == [{"identifier": {"rawId": "4:+15551230001"}, "isMuted": False}]
    kind, dtmf = shape("SendDtmfTonesCompleted", _data("2023-10-03-preview"), source=SOURCE)
    assert kind == "SendDtmfTonesCompleted" and "resultInformation" not in dtmf


def test_a_failure_keeps_its_result_in_old_eras() -> None:
    failed = {"code": 400, "subCode": 8535, "message": "Action failed, file format is invalid."}
    _, data = shape("PlayFailed", _data("2023-10-03-preview") | {"resultInformation": failed}, source=SOURCE)
    assert data["resultInformation"] == failed


@pytest.mark.parametrize(("version", "on_hold"), [("2024-04-15", False), ("2024-06-15-preview", True)])
def test_before_2024_09_roster_events_carry_no_result(version: str, on_hold: bool) -> None:
    for kind in ("CallConnected", "ParticipantsUpdated", "CallDisconnected"):
        _, data = shape(kind, _data(version, participants=PEOPLE), source=SOURCE)
        assert "resultInformation" not in data and "eventSource" not in data
        assert ("isOnHold" in data["participants"][0]) is on_hold
    _, play = shape("PlayCompleted", _data(version), source=SOURCE)
    assert play["resultInformation"] == OK


def test_before_2023_10_03_there_is_no_version_and_send_dtmf_has_its_old_name() -> None:
    kind, data = shape("SendDtmfTonesCompleted", _data("2023-06-15-preview"), source=SOURCE)
    assert kind == "SendDtmfCompleted"
    assert "version" not in data and "publicEventType" not in data


def test_acs_timestamp_drops_trailing_zeros_and_writes_the_offset() -> None:
    assert acs_timestamp(1_789_365_193_237_638_900) == "2026-09-14T05:53:13.2376389+00:00"
    assert acs_timestamp(1_789_365_193_783_729_000) == "2026-09-14T05:53:13.783729+00:00"
    assert acs_timestamp(1_789_365_193_000_000_000) == "2026-09-14T05:53:13.0+00:00"
