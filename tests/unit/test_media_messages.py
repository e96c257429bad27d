"""AudioData frames: the lean reader of the shape ACS sends gives exactly what full validation gives, and every
other shape still goes through the model (same frame, or the same rejection)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from app.media.messages import AudioFrame, StreamMessageError, _AudioFrameWire, _lean_audio_frame, parse_message

PCM = bytes(range(256)) * 2 + bytes(128)
DATA = base64.b64encode(PCM).decode()


def message(body: dict[str, Any]) -> str:
    return json.dumps({"kind": "AudioData", "audioData": body})


ACS_SHAPES = [
    {"timestamp": "2024-11-15T19:16:12.925Z", "data": DATA, "silent": False, "participantRawID": "4:+15551230001"},
    {"timestamp": "2024-11-15T19:16:12.925Z", "data": DATA, "silent": True},
    {"timestamp": "2024-11-15T19:16:12Z", "data": DATA},
    {"timestamp": "2024-11-15T19:16:12.925123+02:00", "data": "", "silent": False, "unknownField": 1},
    {"data": DATA, "timestamp": None, "participantRawID": None},
    {},
]
OTHER_SHAPES = [
    {"timestamp": "2024-11-15T19:16:12.925Z", "data": DATA, "silent": "true"},  # lax bool: the model reads it
    {"timestamp": 1731698172, "data": DATA},  # a Unix time
    {"timestamp": "2024-11-15T19:16:12.9256789Z", "data": DATA},  # 7 digits, as .NET writes them
    {"timestamp": "2024-11-15T24:00:00Z", "data": DATA},  # not a time of day
    {"timestamp": "20241115T191612Z", "data": DATA},  # basic ISO format
    {"data": DATA[:-1]},  # truncated base64
    {"data": "AA==AA=="},  # padding in the middle
    {"data": "not base64!"},
    {"data": 42},
    {"data": None},
    {"data": DATA, "participantRawID": 7},
    {"pcm": DATA, "participant": "4:+15551230001"},  # the fields' own names
    {"data": DATA, "pcm": "AAAA"},
]


def full_validation(body: dict[str, Any]) -> AudioFrame | str:
    try:
        return _AudioFrameWire.model_validate(body).frame()
    except ValidationError:
        return "rejected"


def parsed(body: dict[str, Any]) -> AudioFrame | str:
    try:
        frame = parse_message(message(body))
    except StreamMessageError:
        return "rejected"
    assert isinstance(frame, AudioFrame)
    return frame


@pytest.mark.parametrize("body", ACS_SHAPES)
def test_the_acs_shape_is_read_leanly_and_equals_full_validation(body: dict[str, Any]) -> None:
    lean = _lean_audio_frame(body)
    assert lean is not None
    assert lean == full_validation(body) == parsed(body)


@pytest.mark.parametrize("body", OTHER_SHAPES)
def test_any_other_shape_is_left_to_the_model(body: dict[str, Any]) -> None:
    assert _lean_audio_frame(body) is None
    assert parsed(body) == full_validation(body)


def test_a_frame_carries_its_pcm_speaker_and_scheduled_time() -> None:
    frame = parse_message(message(ACS_SHAPES[0]))
    assert frame == AudioFrame(
        timestamp=datetime(2024, 11, 15, 19, 16, 12, 925000, tzinfo=UTC),
        participant="4:+15551230001",
        pcm=PCM,
        silent=False,
    )
