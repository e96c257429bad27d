"""The JSON messages of ACS media and transcription WebSockets, as typed models (and the two the app sends back).

Inbound (ACS → app), one JSON text message each: ``TranscriptionMetadata`` then ``TranscriptionData`` per
result; ``AudioMetadata`` then ``AudioData`` per 20 ms frame (and ``DtmfData`` per key when enabled).
Outbound (app → ACS, bidirectional streaming only): ``AudioData`` and ``StopAudio``, PascalCase as ACS expects.

Example::

    message = parse_message('{"kind": "AudioData", "audioData": {"data": "AAA=", "silent": false}}')
    message.pcm                 # b"\\x00\\x00"
    outbound_audio(b"\\x00" * 640)   # '{"Kind":"AudioData","AudioData":{"Data":"AAAA..."},"StopAudio":null}'
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, ValidationError, field_validator

from app.errors import CallwrightError
from app.events.wire import WireModel

MAX_MESSAGE_BYTES = 1024 * 1024


class StreamMessageError(CallwrightError, ValueError):
    """A stream message that is not JSON, not an object, or not of its kind's shape (log-safe text)."""


class Word(WireModel):
    text: str
    offset: int | None = None
    duration: int | None = None


class TranscriptionMetadata(WireModel):
    subscription_id: str | None = None
    locale: str | None = None
    call_connection_id: str | None = None
    correlation_id: str | None = None


class TranscriptionData(WireModel):
    text: str = ""
    format: str | None = None
    confidence: float | None = None
    offset: int | None = None  # ticks of 100 ns
    duration: int | None = None
    words: list[Word] = []
    participant_raw_id: str | None = Field(default=None, alias="participantRawID")
    result_status: str | None = None  # "Intermediate" | "Final"


class AudioMetadata(WireModel):
    subscription_id: str | None = None
    encoding: str = "PCM"
    sample_rate: int = 16000
    channels: int = 1
    length: int = 640  # bytes per frame


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One 20 ms frame: ``pcm`` is 16-bit little-endian mono PCM; ``participant`` the speaker's raw id, if any.

    A plain frozen dataclass rather than a pydantic model: a call sends 50 a second, and the canonical shape is
    read by :func:`parse_message` without the model machinery (see :func:`_lean_audio_frame`).
    """

    timestamp: datetime | None = None
    participant: str | None = None
    pcm: bytes = b""
    silent: bool = False


class _AudioFrameWire(WireModel):
    """The full validation of an ``audioData`` object, for any shape the lean reader does not take."""

    timestamp: datetime | None = None
    participant: str | None = Field(default=None, alias="participantRawID")
    pcm: bytes = Field(default=b"", alias="data")
    silent: bool = False

    @field_validator("pcm", mode="before")
    @classmethod
    def _base64(cls, value: Any) -> bytes:
        if isinstance(value, bytes):
            return value
        if not isinstance(value, str):
            raise ValueError("audio data must be base64 text")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("audio data is not base64") from None

    def frame(self) -> AudioFrame:
        return AudioFrame(timestamp=self.timestamp, participant=self.participant, pcm=self.pcm, silent=self.silent)


class DtmfData(WireModel):
    data: str
    participant: str | None = Field(default=None, alias="participantRawID")


StreamMessage = TranscriptionMetadata | TranscriptionData | AudioMetadata | AudioFrame | DtmfData

_KINDS: dict[str, tuple[str, type[WireModel]]] = {
    "transcriptionmetadata": ("transcriptionMetadata", TranscriptionMetadata),
    "transcriptiondata": ("transcriptionData", TranscriptionData),
    "audiometadata": ("audioMetadata", AudioMetadata),
    "audiodata": ("audioData", _AudioFrameWire),
    "dtmfdata": ("dtmfData", DtmfData),
}
# The timestamps ACS sends ("2024-11-15T19:16:12.925Z"); any other spelling goes to the model, whose reading of
# dates is not quite datetime.fromisoformat's.
_ACS_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)")


def parse_message(text: str | bytes) -> StreamMessage | None:
    """The typed message, None for a kind Callwright does not model; StreamMessageError when malformed."""
    if len(text) > MAX_MESSAGE_BYTES:
        raise StreamMessageError("stream message too large")
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        raise StreamMessageError("stream message is not JSON") from None
    if not isinstance(payload, dict):
        raise StreamMessageError("stream message is not a JSON object")
    kind = payload.get("kind", payload.get("Kind"))
    if not isinstance(kind, str):
        raise StreamMessageError("stream message has no kind")
    known = _KINDS.get(kind.lower())
    if known is None:
        return None
    key, model = known
    body = payload.get(key, payload.get(key[0].upper() + key[1:]))
    if not isinstance(body, dict):
        raise StreamMessageError(f"{kind} message has no {key} object")
    if model is _AudioFrameWire:
        lean = _lean_audio_frame(body)
        if lean is not None:
            return lean
    try:
        parsed = model.model_validate(body)
    except ValidationError:
        raise StreamMessageError(f"{kind} message is malformed") from None
    if isinstance(parsed, _AudioFrameWire):
        return parsed.frame()
    return parsed  # type: ignore[return-value]  # one of the union's models


def _lean_audio_frame(body: dict[str, Any]) -> AudioFrame | None:
    """The frame of an ``audioData`` object in the shape ACS sends (camelCase keys; text ``data`` and
    ``timestamp``, boolean ``silent``, text ``participantRawID``), read without pydantic; None for any other shape,
    which the model then validates, so both paths give the same frame or the same error.
    """
    if "pcm" in body or "participant" in body:
        return None  # the fields' own names, which the model also reads: it decides which one wins
    data = body.get("data", "")
    stamp = body.get("timestamp")
    silent = body.get("silent", False)
    participant = body.get("participantRawID")
    if type(data) is not str or type(silent) is not bool:
        return None
    if participant is not None and type(participant) is not str:
        return None
    if stamp is not None and (type(stamp) is not str or not _ACS_TIMESTAMP.fullmatch(stamp)):
        return None
    try:
        pcm = binascii.a2b_base64(data, strict_mode=True)
        moment = datetime.fromisoformat(stamp) if stamp is not None else None
    except ValueError:
        return None  # not base64 (or an impossible date): the model has the last word
    return AudioFrame(timestamp=moment, participant=participant, pcm=pcm, silent=silent)


def outbound_audio(pcm: bytes) -> str:
    """The message that plays ``pcm`` into the call (bidirectional streaming)."""
    data = base64.b64encode(pcm).decode()
    return json.dumps({"Kind": "AudioData", "AudioData": {"Data": data}, "StopAudio": None}, separators=(",", ":"))


STOP_AUDIO = json.dumps({"Kind": "StopAudio", "AudioData": None, "StopAudio": {}}, separators=(",", ":"))
