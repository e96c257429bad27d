"""The text of the ``AudioData`` messages the emulator streams, built from cached pieces.

One frame differs from the one before only in its ``timestamp`` (and in its ``data`` while someone speaks), and
100 calls are 5,000 frames a second: so a frame's JSON is assembled from pre-encoded parts rather than
``json.dumps`` of a new dict, and its timestamp from integer microseconds with the date part formatted once per
second. The text is byte for byte what ``json.dumps(message, separators=(",", ":"))`` gives for the same message
(the tests hold them side by side).

Example::

    clock = FrameClock(datetime.now(UTC))
    silent = SilentFrames(silence(16000))
    silent.text(clock.stamp(0))                             # '{"kind":"AudioData","audioData":{"timestamp":"…'
    audio_data_text(clock.stamp(1), pcm, "4:+15551230001")  # a voiced frame of one speaker
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

FRAME_MICROSECONDS = 20_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEAD = '{"kind":"AudioData","audioData":{"timestamp":"'


class FrameClock:
    """The ``timestamp`` of frame ``n`` of a stream that began at ``start``: ``start + n × 20 ms``, in the ISO form
    ACS writes (milliseconds, ``Z``), e.g. ``2024-11-15T19:16:12.925Z``."""

    def __init__(self, start: datetime) -> None:
        self._start_us = (start - _EPOCH) // timedelta(microseconds=1)
        self._second = -1
        self._prefix = ""

    def stamp(self, n: int) -> str:
        moment_us = self._start_us + n * FRAME_MICROSECONDS
        second, micros = divmod(moment_us, 1_000_000)
        if second != self._second:  # the date and time of day change once a second: format them then
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
        return f"{self._prefix}{micros // 1000:03d}Z"


class SilentFrames:
    """A silent frame is the same text but for its timestamp: everything else is encoded once (per speaker, for
    unmixed audio, where each participant's frame names them)."""

    def __init__(self, pcm: bytes) -> None:
        self._data = base64.b64encode(pcm).decode()
        self._tails: dict[str | None, str] = {}

    def text(self, stamp: str, speaker: str | None = None) -> str:
        tail = self._tails.get(speaker)
        if tail is None:
            tail = self._tails[speaker] = f'","data":"{self._data}","silent":true{_speaker_field(speaker)}}}}}'
        return _HEAD + stamp + tail


def audio_data_text(stamp: str, pcm: bytes, speaker: str | None) -> str:
    """A voiced frame: ``{"kind":"AudioData","audioData":{"timestamp","data","silent":false[,"participantRawID"]}}``."""
    data = base64.b64encode(pcm).decode()
    return f'{_HEAD}{stamp}","data":"{data}","silent":false{_speaker_field(speaker)}}}}}'


@lru_cache(maxsize=4096)
def _speaker_field(speaker: str | None) -> str:
    return "" if speaker is None else ',"participantRawID":' + json.dumps(speaker)
