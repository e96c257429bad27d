"""The transcript kit: a call's final transcription phrases, kept in its state and logged without their words.

The text of a phrase is personal data: it goes into the call's state (where the flow can read it and save it
somewhere of its choosing), never into the logs. The log line carries the speaker's kind, the word count, the
confidence and the offset.

Example::

    @router.transcription(final=True)
    async def heard(event: TranscriptionPhrase, state: CallState, log: Log) -> None:
        Transcript.record(state, event, log)
        Transcript.text(state)     # "4:+15551230001: I want an agent."
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.events.identifiers import kind_of_raw_id
from app.media.events import TranscriptionPhrase
from app.state.base import CallState

TRANSCRIPT_KEY = "transcript"
MAX_LINES = 500  # a bound on what one call keeps in its state


@dataclass(frozen=True)
class TranscriptLine:
    speaker: str | None
    text: str
    offset: int | None = None
    confidence: float | None = None


class Transcript:
    """Static helpers over ``state["transcript"]`` (a JSON list, so it survives any state store)."""

    @staticmethod
    def record(state: CallState, phrase: TranscriptionPhrase, log: Any) -> bool:
        """Append ``phrase`` if it is final and not already there; log it without its text. True when added."""
        if not phrase.is_final or not phrase.text.strip():
            return False
        lines: list[dict[str, Any]] = list(state.get(TRANSCRIPT_KEY) or [])
        if any(line.get("offset") == phrase.offset and line.get("speaker") == phrase.speaker for line in lines):
            return False
        lines.append(
            {"speaker": phrase.speaker, "text": phrase.text, "offset": phrase.offset, "confidence": phrase.confidence}
        )
        state[TRANSCRIPT_KEY] = lines[-MAX_LINES:]
        log.info(
            "transcript_phrase",
            speaker_kind=kind_of_raw_id(phrase.speaker) if phrase.speaker else None,
            words=len(phrase.words) or len(phrase.text.split()),
            confidence=phrase.confidence,
            offset=phrase.offset,
            lines=len(state[TRANSCRIPT_KEY]),
        )
        return True

    @staticmethod
    def lines(state: CallState) -> list[TranscriptLine]:
        return [
            TranscriptLine(line.get("speaker"), str(line.get("text", "")), line.get("offset"), line.get("confidence"))
            for line in state.get(TRANSCRIPT_KEY) or []
        ]

    @staticmethod
    def text(state: CallState) -> str:
        """The transcript as ``speaker: text`` lines."""
        return "\n".join(f"{line.speaker}: {line.text}" for line in Transcript.lines(state))
