"""Live transcription of a call connection: what parties say becomes ``TranscriptionData`` on the app's socket.

Each phrase a party says (control API ``say``, the dev phone) is cut into words. With
``enableIntermediateResults`` every word adds an ``Intermediate`` result holding the words so far; the ``Final``
result follows once the phrase is over. Times are in ticks (100 ns) from the start of the subscription, in
simulated time: a word takes 0.4 s. See simulator/README.md for the exact message shapes.

Example::

    session = Transcription(world, conn, options)
    session.start(operation_context=None, url=None)     # socket, TranscriptionMetadata, TranscriptionStarted
    session.hear(Identifier("4:+15551230001"), "I want an agent")
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.streaming.results import COMPLETED, transcription_update
from simulator.streaming.socket import StreamSocket
from simulator.streaming.subscription import ACTIVE, Subscription
from simulator.world.errors import AcsError, not_established
from simulator.world.identity import Identifier

if TYPE_CHECKING:
    from simulator.streaming.options import TranscriptionOptions
    from simulator.world.calls import Connection
    from simulator.world.world import World

WORD_SECONDS = 0.4
TICKS_PER_SECOND = 10_000_000
CONFIDENCE = 0.95
_STATUS = {
    "Started": "transcriptionStarted",
    "Stopped": "transcriptionStopped",
    "Updated": "transcriptionUpdated",
    "Failed": "transcriptionFailed",
}
_WORD = re.compile(r"[\w'-]+")


@dataclass(frozen=True)
class Phrase:
    speaker: Identifier
    text: str


class Transcription(Subscription):
    kind = "Transcription"

    def __init__(self, world: World, conn: Connection, options: TranscriptionOptions) -> None:
        super().__init__(world, conn, options.transport_url)
        self.options = options
        self.locale = options.locale
        self.speech_model = options.speech_model
        self._phrases: asyncio.Queue[Phrase] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        self._spoken = 0.0  # simulated seconds of speech so far (offsets of the next phrase start here)

    def status(self, event: str, details: str) -> dict[str, Any]:
        return transcription_update(_STATUS[event], details)

    def to_wire(self) -> dict[str, Any]:
        types = ["final", "intermediate"] if self.options.intermediate else ["final"]
        return {**super().to_wire(), "subscribedResultTypes": types, "locale": self.locale}

    def start_with(self, *, locale: str | None, speech_model: str | None, **kwargs: Any) -> None:
        if locale:
            self.locale = locale
        if speech_model:
            self.speech_model = speech_model
        self.start(**kwargs)

    def update(self, *, locale: str, speech_model: str | None, operation_context: str | None, url: str | None) -> None:
        """Change the locale (and model) of an active transcription: ``TranscriptionUpdated``."""
        if self.state != ACTIVE:
            if self.conn.state != "connected":
                raise not_established()
            raise AcsError(400, 8585, "Transcription is not active.")
        self.locale = locale
        self.speech_model = speech_model or self.speech_model
        self.emit("Updated", "transcriptionLocaleUpdated", COMPLETED, operation_context, url)

    def hear(self, speaker: Identifier, text: str) -> bool:
        """A party said ``text``; True when this transcription is listening."""
        if self.state != ACTIVE or not _WORD.search(text):
            return False
        self._phrases.put_nowait(Phrase(speaker, text))
        return True

    async def opened(self, socket: StreamSocket) -> None:
        await socket.send(
            {
                "kind": "TranscriptionMetadata",
                "transcriptionMetadata": {
                    "subscriptionId": self.id,
                    "locale": self.locale,
                    "callConnectionId": self.conn.id,
                    "correlationId": self.conn.call.correlation_id,
                },
            }
        )
        self._pump = self.world.spawn(self.conn.call, self._transcribe(socket))

    def closed(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        self._phrases = asyncio.Queue()

    async def _transcribe(self, socket: StreamSocket) -> None:
        while True:
            phrase = await self._phrases.get()
            words = _WORD.findall(phrase.text)
            start = self._spoken
            self._spoken += WORD_SECONDS * len(words)
            for count in range(1, len(words) + 1):
                await self.world.clock.sleep(WORD_SECONDS)
                final = count == len(words)
                if not final and not self.options.intermediate:
                    continue
                text = phrase.text.strip() if final else " ".join(words[:count])
                await socket.send(self._data(phrase.speaker, text, words[:count], start, final))
            self.world.timeline.record(
                "note", "acs", "transcribed", call_connection_id=self.conn.id, speaker=phrase.speaker.raw_id
            )

    def _data(self, speaker: Identifier, text: str, words: list[str], start: float, final: bool) -> dict[str, Any]:
        word_ticks = int(WORD_SECONDS * TICKS_PER_SECOND)
        offset = int(start * TICKS_PER_SECOND)
        return {
            "kind": "TranscriptionData",
            "transcriptionData": {
                "text": text,
                "format": "display",
                "confidence": CONFIDENCE,
                "offset": offset,
                "duration": word_ticks * len(words),
                "words": [
                    {"text": word.lower(), "offset": offset + i * word_ticks, "duration": word_ticks}
                    for i, word in enumerate(words)
                ],
                "participantRawID": speaker.raw_id,
                "resultStatus": "Final" if final else "Intermediate",
            },
        }
