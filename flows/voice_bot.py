"""Voice bot: answers with bidirectional audio streaming and lets a ``VoiceBot`` hold the conversation.

The sample bot echoes each utterance back (no model is called). Swap ``EchoBot()`` for a bot that forwards audio
to Azure OpenAI Realtime or Voice Live: implement ``VoiceBot.converse`` (see ``app.media.voicebot``).

Seed actions used: answer (with mediaStreamingOptions, bidirectional); audio over ``/media``.
"""

from __future__ import annotations

from app import CallActions, OperationContext, Router
from app.actions.streaming import MediaStreaming
from app.events import IncomingCall
from app.media.voicebot import EchoBot
from config.settings import Settings

router = Router(name="voice_bot")
bot = EchoBot()
bot.attach(router)


class Greeting(OperationContext, prefix="bot-hello"):
    pass


def dialed_voice_bot(event: IncomingCall, settings: Settings) -> bool:
    return event.to_number == settings.flows.voice_bot_number


@router.incoming_call(when=dialed_voice_bot)
async def answer(call: CallActions) -> None:
    await call.answer(context=Greeting(), media=MediaStreaming(bidirectional=True))
