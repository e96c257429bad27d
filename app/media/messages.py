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


class AudioFrame(WireModel):
    """One 20 ms frame: ``pcm`` is 16-bit little-endian mono PCM; ``participant`` the speaker's raw id, if any."""

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


class DtmfData(WireModel):
    data: str
    participant: str | None = Field(default=None, alias="participantRawID")


StreamMessage = TranscriptionMetadata | TranscriptionData | AudioMetadata | AudioFrame | DtmfData

_KINDS: dict[str, tuple[str, type[WireModel]]] = {
    "transcriptionmetadata": ("transcriptionMetadata", TranscriptionMetadata),
    "transcriptiondata": ("transcriptionData", TranscriptionData),
    "audiometadata": ("audioMetadata", AudioMetadata),
    "audiodata": ("audioData", AudioFrame),
    "dtmfdata": ("dtmfData", DtmfData),
}


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
    try:
        parsed: StreamMessage = model.model_validate(body)  # type: ignore[assignment]  # one of the union's models
    except ValidationError:
        raise StreamMessageError(f"{kind} message is malformed") from None
    return parsed


def outbound_audio(pcm: bytes) -> str:
    """The message that plays ``pcm`` into the call (bidirectional streaming)."""
    data = base64.b64encode(pcm).decode()
    return json.dumps({"Kind": "AudioData", "AudioData": {"Data": data}, "StopAudio": None}, separators=(",", ":"))


STOP_AUDIO = json.dumps({"Kind": "StopAudio", "AudioData": None, "StopAudio": {}}, separators=(",", ":"))
