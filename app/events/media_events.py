"""Mid-call callbacks about media: play, recognize, DTMF.

Example::

    @router.recognize_completed(context=Menu, when=lambda event: event.digits == "1")
    async def to_agent(call: CallActions) -> None: ...
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import model_validator

from app.events.base import CallAutomationEvent
from app.events.wire import WireModel

_NS = "Microsoft.Communication."

# Wire names of DTMF tones (SDK enum ``DtmfTone``) and the key each one stands for.
TONE_DIGITS: Mapping[str, str] = MappingProxyType(
    {
        "zero": "0",
        "one": "1",
        "two": "2",
        "three": "3",
        "four": "4",
        "five": "5",
        "six": "6",
        "seven": "7",
        "eight": "8",
        "nine": "9",
        "a": "A",
        "b": "B",
        "c": "C",
        "d": "D",
        "pound": "#",
        "asterisk": "*",
    }
)


def tone_to_digit(tone: str) -> str:
    """``"pound"`` → ``"#"``; an unknown tone name is returned as it came (never raises)."""
    return TONE_DIGITS.get(tone.lower(), tone)


class PlayStarted(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "PlayStarted"


class PlayCompleted(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "PlayCompleted"


class PlayFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "PlayFailed"

    failed_play_source_index: int | None = None


class PlayCanceled(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "PlayCanceled"


class DtmfResult(WireModel):
    tones: list[str] = []


class ChoiceResult(WireModel):
    label: str | None = None
    recognized_phrase: str | None = None
    confidence: float | None = None


class SpeechResult(WireModel):
    speech: str | None = None
    confidence: float | None = None


class RecognizeCompleted(CallAutomationEvent):
    """What the caller entered. ``digits`` and ``tones`` read ``dtmfResult`` or the legacy ``collectTonesResult``.

    Example::

        event.tones    # ["one", "pound"]
        event.digits   # "1#"
        event.choice   # "agent" (label of the matched choice), or None
    """

    TYPE: ClassVar[str] = _NS + "RecognizeCompleted"

    recognition_type: str | None = None
    dtmf_result: DtmfResult | None = None
    choice_result: ChoiceResult | None = None
    speech_result: SpeechResult | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_tones(cls, value: Any) -> Any:
        # API versions before 2023 named the DTMF result `collectTonesResult`.
        if isinstance(value, dict) and "dtmfResult" not in value and "collectTonesResult" in value:
            return {**value, "dtmfResult": value["collectTonesResult"]}
        return value

    @property
    def tones(self) -> list[str]:
        return list(self.dtmf_result.tones) if self.dtmf_result else []

    @property
    def digits(self) -> str:
        return "".join(tone_to_digit(tone) for tone in self.tones)

    @property
    def choice(self) -> str | None:
        return self.choice_result.label if self.choice_result else None

    @property
    def speech(self) -> str | None:
        return self.speech_result.speech if self.speech_result else None


class RecognizeFailed(CallAutomationEvent):
    """Recognition ended without input: ``is_timeout`` for silence (8510) or an inter-digit timeout (8532)."""

    TYPE: ClassVar[str] = _NS + "RecognizeFailed"

    failed_play_source_index: int | None = None


class RecognizeCanceled(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "RecognizeCanceled"


class ContinuousDtmfRecognitionToneReceived(CallAutomationEvent):
    """One key pressed during continuous DTMF recognition; order tones by ``sequence_id``."""

    TYPE: ClassVar[str] = _NS + "ContinuousDtmfRecognitionToneReceived"

    tone: str | None = None
    sequence_id: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _tone_info(cls, value: Any) -> Any:
        # Older API versions nested both fields in `toneInfo`.
        if isinstance(value, dict) and isinstance(value.get("toneInfo"), dict):
            info = value["toneInfo"]
            return {**{key: info[key] for key in ("tone", "sequenceId") if key in info}, **value}
        return value

    @property
    def digit(self) -> str | None:
        return tone_to_digit(self.tone) if self.tone is not None else None


class ContinuousDtmfRecognitionToneFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "ContinuousDtmfRecognitionToneFailed"


class ContinuousDtmfRecognitionStopped(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "ContinuousDtmfRecognitionStopped"


class SendDtmfTonesCompleted(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "SendDtmfTonesCompleted"


class SendDtmfTonesFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "SendDtmfTonesFailed"


MEDIA_EVENTS: tuple[type[CallAutomationEvent], ...] = (
    PlayStarted,
    PlayCompleted,
    PlayFailed,
    PlayCanceled,
    RecognizeCompleted,
    RecognizeFailed,
    RecognizeCanceled,
    ContinuousDtmfRecognitionToneReceived,
    ContinuousDtmfRecognitionToneFailed,
    ContinuousDtmfRecognitionStopped,
    SendDtmfTonesCompleted,
    SendDtmfTonesFailed,
)
