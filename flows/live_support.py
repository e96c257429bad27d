"""Live support: the call is transcribed as the caller speaks, and hearing "agent" escalates to a person.

    answer with live transcription → welcome prompt
    every final phrase goes into the call's transcript (handlers.transcript)
    a phrase that mentions "agent" (or "representative", "human") → transfer to the agent number
    transfer failed → apologise and hang up

Seed actions used: answer (with transcriptionOptions), play, transfer, hang_up; transcription over ``/media``.
"""

from __future__ import annotations

from app import CallActions, CallState, Log, OperationContext, Router
from app.actions.streaming import Transcription
from app.events import IncomingCall
from app.media import TranscriptionPhrase
from config.settings import Settings
from handlers.transcript import Transcript

router = Router(name="live_support")

WELCOME = "Welcome to live support. Tell us how we can help. Say agent at any time to speak with a person."
CONNECTING = "Connecting you with an agent."
APOLOGY = "We're sorry, no agent is available right now. Please try again later. Goodbye."
ESCALATION_WORDS = ("agent", "representative", "human")


class Welcome(OperationContext, prefix="live-welcome"):
    pass


class Escalation(OperationContext, prefix="live-agent"):
    """Tags the transfer so its outcome comes back here."""


class Farewell(OperationContext, prefix="live-bye"):
    pass


def dialed_live_support(event: IncomingCall, settings: Settings) -> bool:
    return event.to_number == settings.flows.live_support_number


@router.incoming_call(when=dialed_live_support)
async def answer(call: CallActions) -> None:
    await call.answer(context=Welcome(), transcription=Transcription(locale="en-US"))


@router.call_connected(context=Welcome)
async def welcome(call: CallActions) -> None:
    await call.play(WELCOME, context=Welcome())


@router.transcription(final=True)
async def heard(event: TranscriptionPhrase, call: CallActions, state: CallState, settings: Settings, log: Log) -> None:
    if not Transcript.record(state, event, log) or state.get("escalated"):
        return
    if event.speaker == call.party and event.mentions(*ESCALATION_WORDS):
        state["escalated"] = True
        log.info("escalating", reason="keyword")
        await call.play(CONNECTING, interrupt=True)
        await call.transfer(settings.flows.agent_number, context=Escalation())


@router.call_transfer_failed(context=Escalation)
async def no_agent(call: CallActions, state: CallState) -> None:
    state["escalated"] = False
    await call.play(APOLOGY, context=Farewell())


@router.play_completed(context=Farewell)
async def goodbye(call: CallActions) -> None:
    await call.hang_up()
