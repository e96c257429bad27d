"""The emulator's AudioData texts are assembled from cached pieces: byte for byte what ``json.dumps`` of the
message gives, with timestamps on the 20 ms grid from the stream's start (milliseconds, ``Z``)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.streaming.audio import silence, word_pcm
from simulator.streaming.frame_text import FrameClock, SilentFrames, audio_data_text

START = datetime(2026, 12, 31, 23, 59, 59, 987654, tzinfo=UTC)  # frames cross a second, a day and a year


def dumped(stamp: str, pcm: bytes, silent: bool, speaker: str | None) -> str:
    data: dict[str, Any] = {"timestamp": stamp, "data": base64.b64encode(pcm).decode(), "silent": silent}
    if speaker is not None:
        data["participantRawID"] = speaker
    return json.dumps({"kind": "AudioData", "audioData": data}, separators=(",", ":"))


def test_timestamps_are_the_start_plus_20_ms_per_frame_in_milliseconds() -> None:
    clock = FrameClock(START)
    for n in range(0, 200):
        moment = START + timedelta(microseconds=20_000 * n)
        expected = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        assert clock.stamp(n) == expected
    assert clock.stamp(1) == "2027-01-01T00:00:00.007Z"


@pytest.mark.parametrize("speaker", [None, "4:+15551230001", '8:acs:"quoted"\\', "8:acs:ünïcode"])
def test_silent_and_voiced_frames_are_the_json_of_the_message(speaker: str | None) -> None:
    silent = SilentFrames(silence(24000))
    voiced = word_pcm("agent", 24000)[:960]
    for stamp in ("2026-12-01T12:00:00.000Z", "2026-12-01T12:00:00.020Z"):
        assert silent.text(stamp, speaker) == dumped(stamp, silence(24000), True, speaker)
        assert audio_data_text(stamp, voiced, speaker) == dumped(stamp, voiced, False, speaker)
