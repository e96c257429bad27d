"""What the media endpoint hands the dispatcher: a transcribed phrase, or a media stream that opened.

They are ``CallEvent`` subclasses so they are routed exactly like callbacks (the call's flow, ``when=``
predicates, the ``call`` actions, its ``state``), but they never come from ``/Events``: only the authenticated
``/media`` WebSocket produces them.

Example::

    @router.transcription(when=lambda event: event.is_final)
    async def note(event: TranscriptionPhrase, state: CallState) -> None: ...
"""

from __future__ import annotations

import re
from typing import ClassVar

from app.events.base import CallEvent
from app.media.messages import Word

_WORD = re.compile(r"[\w'-]+")


class TranscriptionPhrase(CallEvent):
    """One transcription result (``Intermediate`` or ``Final``) of one participant.

    Example::

        event.text            # "I want an agent."
        event.is_final        # True
        event.speaker         # "4:+15551230001"
        event.mentions("agent", "operator")   # True: one of them is a word of the phrase
    """

    TYPE: ClassVar[str] = "Callwright.Media.TranscriptionData"

    text: str = ""
    format: str | None = None
    confidence: float | None = None
    offset: int | None = None
    duration: int | None = None
    words: list[Word] = []
    speaker: str | None = None
    result_status: str | None = None
    subscription_id: str | None = None
    locale: str | None = None

    @property
    def is_final(self) -> bool:
        return (self.result_status or "").lower() == "final"

    def mentions(self, *words: str) -> bool:
        """True when any of ``words`` is a whole word of the phrase (case-insensitive)."""
        said = {word.lower() for word in _WORD.findall(self.text)}
        return any(word.lower() in said for word in words)


class MediaStreamOpened(CallEvent):
    """ACS opened an audio stream for the call; the handler gets the ``stream`` and reads it until it ends."""

    TYPE: ClassVar[str] = "Callwright.Media.AudioStream"

    subscription_id: str | None = None
    sample_rate: int = 16000
    channels: int = 1
    frame_bytes: int = 640


STREAM_EVENTS: tuple[type[CallEvent], ...] = (TranscriptionPhrase, MediaStreamOpened)
"""Events only the ``/media`` socket produces: deliberately absent from the ``/Events`` registry."""
