"""A flow written in the test itself: ``callwright_flows`` takes routers, and the script can speak and record."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app import CallActions, CallState, Router
from app.events import RecognizeCompleted
from app.testing.harness import Phone

router = Router(name="recorder")
NUMBER = "+18005550100"


@router.incoming_call(when=lambda event: event.to_number == NUMBER)
async def answer(call: CallActions) -> None:
    await call.answer()


@router.call_connected()
async def record_and_ask(call: CallActions, state: CallState) -> None:
    recording = await call.start_recording()
    state["recording"] = recording.recording_id
    await call.recognize_speech_or_dtmf("Say or press your account number.", initial_silence_timeout=5)


@router.recognize_completed()
async def stop(call: CallActions, state: CallState, event: RecognizeCompleted) -> None:
    await call.stop_recording(state["recording"])
    await call.play(f"You said {event.speech or event.digits}. Goodbye.")


@pytest.fixture
def callwright_flows() -> Sequence[Router]:
    return [router]


async def test_a_router_from_the_test_runs_and_the_caller_speaks(phone: Phone) -> None:
    call = await phone.dial(NUMBER, from_="+15551230009")
    await call.expect_answered()
    await call.expect_recording("started")
    await call.expect_prompt(matches=r"^Say or press")
    await call.say("four two")
    await call.expect_recording("stopped")
    await call.expect_prompt(contains="you said four two")
