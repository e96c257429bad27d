"""Live media: the WebSocket endpoint ACS streams transcription and audio to, and the types handlers get.

Example::

    @router.transcription(when=lambda event: event.is_final and event.mentions("agent"))
    async def escalate(call: CallActions) -> None:
        await call.transfer("+18005550199")

    @router.media_stream()
    async def bot(stream: MediaStream) -> None:
        async for frame in stream:
            await stream.send(frame.pcm)        # echo
"""

from app.media.events import MediaStreamOpened, TranscriptionPhrase
from app.media.messages import AudioFrame, AudioMetadata, StreamMessageError, TranscriptionMetadata, Word
from app.media.stream import MediaStream

__all__ = [
    "AudioFrame",
    "AudioMetadata",
    "MediaStream",
    "MediaStreamOpened",
    "StreamMessageError",
    "TranscriptionMetadata",
    "TranscriptionPhrase",
    "Word",
]
