"""Mid-call callbacks about longer-running sessions: hold music, recording, media streaming, transcription.

Example::

    @router.recording_state_changed()
    async def remember(event: RecordingStateChanged, state: CallState) -> None:
        state["recording_id"] = event.recording_id
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from app.events.base import CallAutomationEvent
from app.events.wire import WireModel

_NS = "Microsoft.Communication."


class HoldAudioStarted(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "HoldAudioStarted"


class HoldAudioPaused(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "HoldAudioPaused"


class HoldAudioResumed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "HoldAudioResumed"


class HoldAudioCompleted(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "HoldAudioCompleted"


class RecordingStateChanged(CallAutomationEvent):
    """``state`` is ``active`` or ``inactive``."""

    TYPE: ClassVar[str] = _NS + "RecordingStateChanged"

    # Recording events are keyed by the server call, and ACS may omit the call connection id.
    call_connection_id: str | None = None  # type: ignore[assignment]  # widened on purpose, see above
    recording_id: str | None = None
    state: str | None = None
    start_date_time: datetime | None = None
    recording_kind: str | None = None


class StartRecordingFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "StartRecordingFailed"

    call_connection_id: str | None = None  # type: ignore[assignment]  # as for RecordingStateChanged
    recording_id: str | None = None


class MediaStreamingUpdate(WireModel):
    content_type: str | None = None
    media_streaming_status: str | None = None
    media_streaming_status_details: str | None = None


class _MediaStreamingEvent(CallAutomationEvent):
    media_streaming_update: MediaStreamingUpdate | None = None


class MediaStreamingStarted(_MediaStreamingEvent):
    TYPE: ClassVar[str] = _NS + "MediaStreamingStarted"


class MediaStreamingStopped(_MediaStreamingEvent):
    TYPE: ClassVar[str] = _NS + "MediaStreamingStopped"


class MediaStreamingFailed(_MediaStreamingEvent):
    TYPE: ClassVar[str] = _NS + "MediaStreamingFailed"


class TranscriptionUpdate(WireModel):
    transcription_status: str | None = None
    transcription_status_details: str | None = None


class _TranscriptionEvent(CallAutomationEvent):
    transcription_update: TranscriptionUpdate | None = None


class TranscriptionStarted(_TranscriptionEvent):
    TYPE: ClassVar[str] = _NS + "TranscriptionStarted"


class TranscriptionStopped(_TranscriptionEvent):
    TYPE: ClassVar[str] = _NS + "TranscriptionStopped"


class TranscriptionUpdated(_TranscriptionEvent):
    TYPE: ClassVar[str] = _NS + "TranscriptionUpdated"


class TranscriptionFailed(_TranscriptionEvent):
    TYPE: ClassVar[str] = _NS + "TranscriptionFailed"


SESSION_EVENTS: tuple[type[CallAutomationEvent], ...] = (
    HoldAudioStarted,
    HoldAudioPaused,
    HoldAudioResumed,
    HoldAudioCompleted,
    RecordingStateChanged,
    StartRecordingFailed,
    MediaStreamingStarted,
    MediaStreamingStopped,
    MediaStreamingFailed,
    TranscriptionStarted,
    TranscriptionStopped,
    TranscriptionUpdated,
    TranscriptionFailed,
)
