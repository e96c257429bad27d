"""``transcriptionOptions`` and ``mediaStreamingOptions`` of answer, createCall and connect, parsed and checked.

Example::

    options = parse_transcription(body.obj("transcriptionOptions"))
    options.locale, options.start, options.intermediate
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from simulator.wire.body import Body
from simulator.world.errors import invalid

AUDIO_FORMATS = {"pcm16KMono": 16000, "pcm24KMono": 24000}
CHANNEL_TYPES = ("mixed", "unmixed")


@dataclass(frozen=True)
class TranscriptionOptions:
    transport_url: str
    locale: str
    start: bool = False
    intermediate: bool = False
    speech_model: str | None = None


@dataclass(frozen=True)
class MediaStreamingOptions:
    transport_url: str
    channel: str = "mixed"
    audio_format: str = "pcm16KMono"
    start: bool = False
    bidirectional: bool = False
    dtmf: bool = False

    @property
    def sample_rate(self) -> int:
        return AUDIO_FORMATS[self.audio_format]


def transport_url(body: Body) -> str:
    """``transportUrl``: an absolute ``ws://`` or ``wss://`` URL (ACS requires wss; loopback tests use ws)."""
    value = body.text("transportUrl", required=True, max_length=2048)
    assert value is not None
    parsed = urlparse(value)
    if parsed.scheme not in ("ws", "wss") or not parsed.netloc:
        raise invalid("'transportUrl' must be an absolute ws:// or wss:// URL.")
    return value


def _websocket_transport(body: Body) -> None:
    body.choice("transportType", ("websocket",), required=True)


def parse_transcription(body: Body | None) -> TranscriptionOptions | None:
    if body is None:
        return None
    _websocket_transport(body)
    locale = body.text("locale", required=True, max_length=20)
    assert locale is not None
    return TranscriptionOptions(
        transport_url=transport_url(body),
        locale=locale,
        start=body.flag("startTranscription"),
        intermediate=body.flag("enableIntermediateResults"),
        speech_model=body.text("speechModelEndpointId"),
    )


def parse_media_streaming(body: Body | None) -> MediaStreamingOptions | None:
    if body is None:
        return None
    _websocket_transport(body)
    body.choice("contentType", ("audio",))
    channel = body.choice("audioChannelType", CHANNEL_TYPES, required=True)
    audio_format = body.choice("audioFormat", tuple(AUDIO_FORMATS)) or "pcm16KMono"
    assert channel is not None
    return MediaStreamingOptions(
        transport_url=transport_url(body),
        channel=channel,
        audio_format=audio_format,
        start=body.flag("startMediaStreaming"),
        bidirectional=body.flag("enableBidirectional"),
        dtmf=body.flag("enableDtmfTones"),
    )
