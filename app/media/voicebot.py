"""``VoiceBot``: the one class to implement to put a speech-to-speech model on a call.

Callwright owns the call (answer with bidirectional media streaming, the ``/media`` socket, authentication,
routing); a bot owns the conversation. ``converse`` gets the call's :class:`MediaStream` and its actions: read the
caller's audio with ``async for frame in stream``, answer with ``await stream.send(pcm)``, stop talking on a
barge-in with ``await stream.stop_audio()``, and use ``call`` for anything else (transfer, hang up). An Azure
OpenAI Realtime or Voice Live bot forwards frames to its model's socket and the model's audio to ``stream.send``.

Two samples that call no model: :class:`EchoBot` repeats each utterance back, :class:`FixedReplyBot` answers
every utterance with the same audio.

Example::

    bot = EchoBot()
    bot.attach(router)             # registers @router.media_stream() → bot.converse(stream, call)
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from app.actions.call import CallActions
from app.media.messages import AudioFrame
from app.media.stream import MediaStream
from app.routing import Router

END_OF_UTTERANCE_FRAMES = 15  # 300 ms of silence ends what the caller was saying


class VoiceBot(ABC):
    """Implement :meth:`converse`; :meth:`attach` wires it to a flow's media streams."""

    @abstractmethod
    async def converse(self, stream: MediaStream, call: CallActions) -> None:
        """Hold the conversation for as long as the stream lasts (return when it ends)."""

    def attach(self, router: Router) -> None:
        """Handle every media stream of ``router``'s calls with this bot."""

        @router.media_stream()
        async def voice_bot(stream: MediaStream, call: CallActions) -> None:
            await self.converse(stream, call)


class UtteranceBot(VoiceBot):
    """A bot that waits for the caller to finish a sentence (speech, then 300 ms of silence) before answering.

    Subclasses say what to answer in :meth:`reply`. Speaking over the bot (a barge-in) stops its audio.
    """

    async def reply(self, utterance: bytes, call: CallActions) -> bytes:
        raise NotImplementedError

    async def converse(self, stream: MediaStream, call: CallActions) -> None:
        speech = bytearray()
        quiet = 0
        talking = False
        async for frame in stream:
            if _voiced(frame):
                if talking:  # the caller speaks over the bot: stop its audio
                    await stream.stop_audio()
                    talking = False
                speech += frame.pcm
                quiet = 0
                continue
            quiet += 1
            if speech and quiet >= END_OF_UTTERANCE_FRAMES:
                answer = await self.reply(bytes(speech), call)
                speech.clear()
                if answer:
                    await stream.send(answer)
                    talking = True


class EchoBot(UtteranceBot):
    """Repeats each utterance back to the caller."""

    async def reply(self, utterance: bytes, call: CallActions) -> bytes:
        return utterance


class FixedReplyBot(UtteranceBot):
    """Answers every utterance with the same audio (16-bit mono PCM at the stream's rate)."""

    def __init__(self, audio: bytes) -> None:
        self.audio = audio

    async def reply(self, utterance: bytes, call: CallActions) -> bytes:
        return self.audio


def _voiced(frame: AudioFrame) -> bool:
    return not frame.silent and any(frame.pcm)
