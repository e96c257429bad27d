"""``MediaStream``: the audio of one call as an async iterator of frames, and the way to answer with audio.

Frames wait in a bounded queue. A handler slower than real time does not stall the socket (nor any other call):
when the queue is full the oldest frame is dropped and counted in ``dropped``, because late audio is worth less
than current audio. ``send`` waits for the socket, which is the back-pressure of the way out.

Example::

    @router.media_stream()
    async def echo(stream: MediaStream) -> None:
        async for frame in stream:
            if not frame.silent:
                await stream.send(frame.pcm)
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from app.errors import CallwrightError
from app.media.messages import STOP_AUDIO, AudioFrame, AudioMetadata, outbound_audio

DEFAULT_QUEUE_FRAMES = 250  # 5 s of 20 ms frames
FRAME_SECONDS = 0.02

Sender = Callable[[str], Awaitable[None]]


class StreamClosed(CallwrightError):
    """The call's stream ended (the call hung up, streaming stopped, or the socket closed)."""


class MediaStream:
    """One call's audio stream (see the module docstring). Built by the media endpoint, one per WebSocket."""

    def __init__(
        self,
        metadata: AudioMetadata,
        send: Sender,
        *,
        call_connection_id: str | None = None,
        max_queued: int = DEFAULT_QUEUE_FRAMES,
    ) -> None:
        self.metadata = metadata
        self.call_connection_id = call_connection_id
        self.dropped = 0
        self.received = 0
        self.digits = ""
        """DTMF keys the caller pressed so far (``DtmfData``, when the stream was started with DTMF tones)."""
        self._send = send
        # A deque and one waiter rather than an asyncio.Queue: one producer, one consumer, 50 frames a second per
        # call, and the queue's general machinery (waiter lists, maxsize checks) was a visible share of the cost.
        self._frames: deque[AudioFrame | None] = deque()
        self._max_queued = max(1, max_queued)
        self._waiter: asyncio.Future[None] | None = None
        self._closed = False

    @property
    def sample_rate(self) -> int:
        return self.metadata.sample_rate

    @property
    def frame_bytes(self) -> int:
        """Bytes in one 20 ms frame of this stream (640 at 16 kHz, 960 at 24 kHz)."""
        return int(self.metadata.sample_rate * FRAME_SECONDS) * 2 * max(1, self.metadata.channels)

    @property
    def closed(self) -> bool:
        return self._closed

    def __aiter__(self) -> AsyncIterator[AudioFrame]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[AudioFrame]:
        frames = self._frames
        while True:
            while not frames:
                if self._waiter is not None:
                    raise RuntimeError("a media stream has one reader at a time")
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
            frame = frames.popleft()
            if frame is None:
                return
            yield frame

    async def send(self, pcm: bytes) -> None:
        """Play ``pcm`` (16-bit mono at the stream's sample rate) into the call, in 20 ms frames.

        Needs ``enable_bidirectional`` when streaming was set up; raises :class:`StreamClosed` once it ended.
        """
        if self._closed:
            raise StreamClosed("the media stream has ended")
        size = self.frame_bytes
        for start in range(0, len(pcm), size):
            await self._send(outbound_audio(pcm[start : start + size]))

    async def stop_audio(self) -> None:
        """Drop the audio sent so far that has not been played yet (a barge-in)."""
        if self._closed:
            raise StreamClosed("the media stream has ended")
        await self._send(STOP_AUDIO)

    # ----- fed by the endpoint
    def push(self, frame: AudioFrame) -> None:
        """Queue a frame without waiting; the oldest is dropped when the handler is behind."""
        if self._closed:
            return
        self.received += 1
        self._enqueue(frame)

    def press(self, key: str) -> None:
        self.digits += key

    def close(self) -> None:
        """End the iteration (after the frames already queued)."""
        if self._closed:
            return
        self._closed = True
        self._enqueue(None)

    def _enqueue(self, item: AudioFrame | None) -> None:
        if len(self._frames) >= self._max_queued:
            self._frames.popleft()
            self.dropped += 1
        self._frames.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
