"""Call scripts for the live-support sample: live transcription over /media, and escalation on "agent"."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.testing.harness import Phone
from app.testing.script import ScriptedCall

CALLER = "+15551230001"
LIVE_SUPPORT = "+18005550104"
AGENT = "+18005550199"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.live_support"]


async def _connected(phone: Phone) -> ScriptedCall:
    call = await phone.dial(LIVE_SUPPORT, from_=CALLER)
    await call.expect_answered()
    await call.expect_prompt(contains="Say agent")
    return call


async def test_asking_for_an_agent_transfers_the_caller(phone: Phone) -> None:
    call = await _connected(phone)
    await call.say("I want an agent")
    await call.expect_transfer(to=AGENT)


async def test_other_phrases_are_transcribed_without_escalating(phone: Phone) -> None:
    call = await _connected(phone)
    await call.say("I have a question about my bill")
    step = await call.expect(_note("transcribed"))
    steps = await call.timeline()
    assert not [s for s in steps if s.kind == "action" and s.name == "transfer"]
    await call.say("Actually, a representative please")
    transfer = await call.expect_transfer(to=AGENT)
    assert transfer.position > step.position


def _note(name: str):  # type: ignore[no-untyped-def]  # a tiny local expectation
    from app.testing.expectations import Expectation

    return Expectation(f"the note {name!r}", lambda s: s.kind == "note" and s.name == name)
