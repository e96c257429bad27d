"""Call scripts for the voice-bot sample: real audio both ways through the emulator and /media (no model)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.testing.expectations import Expectation
from app.testing.harness import Phone
from simulator.streaming.audio import WORD_SECONDS

CALLER = "+15551230001"
VOICE_BOT = "+18005550105"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.voice_bot"]


@pytest.fixture
def callwright_time_scale() -> float:
    return 0.1  # 50 audio frames per simulated second: keep them at 500 per real second


def _note(name: str) -> Expectation:
    return Expectation(f"the note {name!r}", lambda s: s.kind == "note" and s.name == name)


async def test_the_echo_bot_plays_back_what_the_caller_said(phone: Phone) -> None:
    call = await phone.dial(VOICE_BOT, from_=CALLER)
    await call.expect_answered()
    await call.expect_event("MediaStreamingStarted")
    await call.say("hello there")
    await call.expect(_note("stream audio started"))
    finished = await call.expect(_note("stream audio finished"))
    assert finished.raw["detail"]["playedMs"] == int(2 * WORD_SECONDS * 1000)  # both words, nothing more
