"""Media streaming of a call connection: the call's audio as 20 ms PCM frames on the app's socket, paced in
(scaled) real time, and, when bidirectional, the app's audio played back into the call.

After ``AudioMetadata``, one ``AudioData`` frame per 20 ms: one per call (``mixed``) or one per participant
(``unmixed``). What is in them is deterministic (see :mod:`simulator.streaming.audio`): a party's speech and key
presses, silence otherwise (``silent: true``). With ``enableDtmfTones`` each key also comes as ``DtmfData``.
With ``enableBidirectional`` the app may send ``{"Kind": "AudioData", "AudioData": {"Data": <base64 PCM>}}``:
it is played into the call at the same pace (and recorded in the timeline); ``{"Kind": "StopAudio"}`` drops what
is still buffered, as canceling a play does.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import re
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from simulator.streaming.audio import FRAME_SECONDS, frame_bytes, silence, tone_pcm, word_pcm
from simulator.streaming.frame_text import FrameClock, SilentFrames, audio_data_text
from simulator.streaming.results import media_streaming_update
from simulator.streaming.socket import StreamSocket
from simulator.streaming.subscription import ACTIVE, Subscription
from simulator.world.identity import Identifier
from simulator.world.media import Input
from simulator.world.tones import KEY_TO_TONE

if TYPE_CHECKING:
    from simulator.streaming.options import MediaStreamingOptions
    from simulator.world.calls import Connection
    from simulator.world.world import World

MIN_TICK_SECONDS = 0.01  # below this, frames go out in small bursts (timestamps still 20 ms apart)
_STATUS = {
    "Started": "mediaStreamingStarted",
    "Stopped": "mediaStreamingStopped",
    "Failed": "mediaStreamingFailed",
}
_TONE_KEYS = {tone: key for key, tone in KEY_TO_TONE.items()}
_WORDS = re.compile(r"[\w'-]+")


class MediaStreaming(Subscription):
    kind = "MediaStreaming"

    def __init__(self, world: World, conn: Connection, options: MediaStreamingOptions) -> None:
        super().__init__(world, conn, options.transport_url)
        self.options = options
        self.rate = options.sample_rate
        self.frame_size = frame_bytes(self.rate)
        self._silent = SilentFrames(silence(self.rate))
        self._speaking: dict[str, bytearray] = {}  # rawId → PCM still to be "heard" from that party
        self._outbound = bytearray()  # the app's audio still to be played into the call
        self._playing_ms = 0
        self._pending: deque[dict[str, Any]] = deque()  # DtmfData messages to send with the next frame
        self._pump: asyncio.Task[None] | None = None
        self.frames_sent = 0

    def status(self, event: str, details: str) -> dict[str, Any]:
        return media_streaming_update(_STATUS[event], details)

    def to_wire(self) -> dict[str, Any]:
        return {**super().to_wire(), "subscribedContentTypes": ["audio"]}

    def hear(self, who: Identifier, item: Input) -> bool:
        """A party spoke or pressed a key: that audio goes into the next frames."""
        if self.state != ACTIVE:
            return False
        buffer = self._speaking.setdefault(who.raw_id, bytearray())
        if item.text is not None:
            for word in _WORDS.findall(item.text):
                buffer += word_pcm(word, self.rate)
        elif item.tone is not None:
            key = _TONE_KEYS.get(item.tone, item.tone)
            buffer += tone_pcm(key, self.rate)
            if self.options.dtmf:
                self._pending.append(
                    {"kind": "DtmfData", "dtmfData": {"data": key, "participantRawID": who.raw_id, "timestamp": ""}}
                )
        return True

    async def opened(self, socket: StreamSocket) -> None:
        await socket.send(
            {
                "kind": "AudioMetadata",
                "audioMetadata": {
                    "subscriptionId": self.id,
                    "encoding": "PCM",
                    "sampleRate": self.rate,
                    "channels": 1,
                    "length": self.frame_size,
                },
            }
        )
        self._pump = self.world.spawn(self.conn.call, self._stream(socket))

    def closed(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        self._speaking.clear()
        self._finish_playing("stream audio stopped")

    # ----- the app's audio (bidirectional)
    async def received(self, message: dict[str, Any]) -> None:
        kind = str(message.get("Kind") or message.get("kind") or "")
        if not self.options.bidirectional:
            self.world.timeline.record(
                "note",
                "app",
                "stream message ignored (not bidirectional)",
                call_connection_id=self.conn.id,
                message=kind,
            )
            return
        if kind.lower() == "audiodata":
            audio = message.get("AudioData") or message.get("audioData") or {}
            data = audio.get("Data") or audio.get("data") if isinstance(audio, dict) else None
            try:
                pcm = base64.b64decode(data, validate=True) if isinstance(data, str) else b""
            except (binascii.Error, ValueError):
                pcm = b""
            if not pcm:
                self.world.timeline.record("note", "app", "stream audio rejected", call_connection_id=self.conn.id)
                return
            if not self._outbound and self._playing_ms == 0:
                self._start_playing()
            self._outbound += pcm
        elif kind.lower() == "stopaudio":
            self._finish_playing("stream audio stopped")

    def _start_playing(self) -> None:
        """The app's audio starts playing into the call: like a play to everyone that interrupts, it cancels the
        active play or recognize (``PlayCanceled`` / ``RecognizeCanceled``)."""
        queue = self.world.media.get(self.conn.id)
        interrupted = queue.interrupt() if queue is not None else None
        details: dict[str, Any] = {"interrupted": interrupted.kind} if interrupted is not None else {}
        self.world.timeline.record("note", "app", "stream audio started", call_connection_id=self.conn.id, **details)

    def _finish_playing(self, name: str) -> None:
        if self._playing_ms or self._outbound:
            dropped = len(self._outbound) * 1000 // (2 * self.rate)
            self.world.timeline.record(
                "note", "app", name, call_connection_id=self.conn.id, playedMs=self._playing_ms, droppedMs=dropped
            )
        self._outbound.clear()
        self._playing_ms = 0

    def _play_out(self) -> None:
        if not self._outbound:
            return
        del self._outbound[: self.frame_size]
        self._playing_ms += int(FRAME_SECONDS * 1000)
        if not self._outbound:
            self._finish_playing("stream audio finished")

    # ----- the call's audio
    async def _stream(self, socket: StreamSocket) -> None:
        loop = asyncio.get_running_loop()
        interval = FRAME_SECONDS * self.world.clock.time_scale
        burst = max(1, math.ceil(MIN_TICK_SECONDS / interval))
        began, clock = loop.time(), FrameClock(datetime.now(UTC))
        while True:
            for _ in range(burst):
                for text in self._frames(clock.stamp(self.frames_sent)):
                    if not await socket.send_text(text):
                        return
                self._play_out()
                self.frames_sent += 1
            delay = began + self.frames_sent * interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)

    def _frames(self, stamp: str) -> list[str]:
        """The texts of the messages due at ``stamp``: DTMF first, then the frame(s)."""
        messages: list[str] = []
        while self._pending:
            dtmf = self._pending.popleft()
            dtmf["dtmfData"]["timestamp"] = stamp
            messages.append(json.dumps(dtmf, separators=(",", ":")))
        chunks: dict[str, bytes] = {}
        for raw_id in list(self.conn.call.participants):
            buffer = self._speaking.get(raw_id)
            if buffer:
                chunks[raw_id] = bytes(buffer[: self.frame_size]).ljust(self.frame_size, b"\0")
                del buffer[: self.frame_size]
        if self.options.channel == "unmixed":
            for raw_id in self.conn.call.participants:
                messages.append(self._audio(stamp, raw_id, chunks.get(raw_id)))
        else:
            speaker = next(iter(chunks)) if len(chunks) == 1 else None
            messages.append(self._audio(stamp, speaker, _mix(list(chunks.values())) if chunks else None))
        return messages

    def _audio(self, stamp: str, raw_id: str | None, pcm: bytes | None) -> str:
        return self._silent.text(stamp, raw_id) if pcm is None else audio_data_text(stamp, pcm, raw_id)


def _mix(chunks: list[bytes]) -> bytes:
    if len(chunks) == 1:
        return chunks[0]
    from array import array

    total = array("h", chunks[0])
    for chunk in chunks[1:]:
        other = array("h", chunk)
        for i, sample in enumerate(other):
            total[i] = max(-32768, min(32767, total[i] + sample))
    return total.tobytes()
