"""The flow the scale-out and crash tests run: both kinds of action, and state carried across events.

IncomingCall → answer (repeatable) · CallConnected → play a welcome (journaled), start recording (repeatable),
ask for one key (journaled) · RecognizeCompleted → remember the key, play a confirmation (journaled) ·
PlayCompleted of the confirmation → transfer the caller to the agent (repeatable). The key pressed travels in the
call's state into the transfer's operation context, so a lost state write shows in the timeline.
"""

from __future__ import annotations

from app import CallActions, CallState, Router
from app.events import RecognizeCompleted

FLOW = "chaos"
NUMBER = "+18005550177"
AGENT = "+15555550199"
router = Router(name=FLOW)


@router.incoming_call(to=NUMBER)
async def answer(call: CallActions) -> None:
    await call.answer(context="answered")


@router.call_connected()
async def welcome(call: CallActions, state: CallState) -> None:
    state["step"] = "welcomed"
    await call.play("Welcome.", context="welcome")
    await call.start_recording()
    await call.recognize_dtmf("Press a key.", max_tones=1, initial_silence_timeout=20, context="ask")


@router.recognize_completed(context="ask")
async def confirm(call: CallActions, event: RecognizeCompleted, state: CallState) -> None:
    state["key"] = event.digits
    await call.play(f"You pressed {event.digits}.", context="confirm")


@router.play_completed(context="confirm")
async def hand_over(call: CallActions, state: CallState) -> None:
    await call.transfer(AGENT, context=f"transfer:{state.get('key')}")
