"""Agent kit: transfer and add (with hold music), and the busy / no-answer / failed fallbacks."""

from __future__ import annotations

from typing import Any

import pytest

from app import CallActions, CallState, Router
from app.events import CallEvent, parse_event
from app.testing.fakes import AddParticipant, HangUp, Hold, Play, Transfer, Unhold
from handlers import AgentTransfer, classify
from tests.unit.kit_calls import call_in, start_on_connect

CALLER = "4:+15555550123"


def build(name: str, **options: Any) -> tuple[Router, list[str]]:
    router = Router(name=name)
    seen: list[str] = []

    async def connected(state: CallState) -> None:
        seen.append(f"connected:{state['agent_outcome']}")

    async def fallback(call: CallActions, state: CallState) -> None:
        seen.append(f"unavailable:{state['agent_outcome']}")
        await call.play("To leave a message, press 1.")

    kit = AgentTransfer(
        name="agent",
        target=lambda settings: settings.flows.agent_number,
        caller_id=lambda settings: settings.flows.support_number,
        on_connected=connected,
        on_unavailable=fallback,
        **options,
    )

    start_on_connect(router, kit)

    return router, seen


async def test_transfer_happy_path() -> None:
    router, seen = build("tka1")
    script = await call_in(router)
    assert script.last == Transfer("4:+18005550199", "tka1.agent")
    await script.send("CallTransferAccepted")
    assert seen == ["connected:connected"]


@pytest.mark.parametrize(
    ("code", "sub_code", "reason", "words"),
    [
        (486, 8539, "busy", "all of our agents are busy"),
        (408, 10057, "no_answer", "no agent answered"),
        (500, 8544, "failed", "could not connect your call"),
    ],
)
async def test_transfer_failures_apologise_then_fall_back(code: int, sub_code: int, reason: str, words: str) -> None:
    router, seen = build(f"tka2{reason}")
    script = await call_in(router)
    await script.failed("CallTransferFailed", code, sub_code)
    apology = script.last
    assert isinstance(apology, Play)
    assert words in apology.text
    assert apology.context == f"tka2{reason}.agent.sorry:{reason}"
    assert seen == []
    await script.play_completed()
    assert seen == [f"unavailable:{reason}"]
    assert script.last == Play("To leave a message, press 1.")


async def test_add_mode_holds_the_caller_with_music_then_releases_on_success() -> None:
    router, seen = build("tka3", mode="add")
    script = await call_in(router)
    assert script.actions[-2:] == [
        AddParticipant("4:+18005550199", "+18005550100", "tka3.agent", invitation_timeout=30),
        Hold(CALLER, "Please hold while we connect you. Your call is important to us."),
    ]
    assert "agent_invitation" in await script.state()
    await script.send("AddParticipantSucceeded", participant={"rawId": "4:+18005550199"})
    assert script.last == Unhold(CALLER)
    assert seen == ["connected:connected"]
    assert "agent_invitation" not in await script.state()


async def test_add_mode_no_answer_releases_hold_before_apologising() -> None:
    router, seen = build("tka4", mode="add")
    script = await call_in(router)
    await script.failed("AddParticipantFailed", 408, 10057, "Request Timeout")
    assert isinstance(script.actions[-2], Unhold)
    apology = script.last
    assert isinstance(apology, Play) and "no agent answered" in apology.text


async def test_without_a_fallback_the_call_ends_after_the_apology() -> None:
    router = Router(name="tka5")
    kit = AgentTransfer(name="agent", target="+15555550199")

    start_on_connect(router, kit)

    script = await call_in(router)
    await script.failed("CallTransferFailed", 486, 8539)
    await script.play_completed()
    assert script.last == HangUp()


def _failed(code: int, sub_code: int, sip: int | None = None) -> CallEvent:
    info: dict[str, object] = {"code": code, "subCode": sub_code, "message": "x"}
    if sip is not None:
        info["sipDetails"] = {"code": sip, "message": "sip"}
    return parse_event(
        {
            "id": "e1",
            "type": "Microsoft.Communication.AddParticipantFailed",
            "specversion": "1.0",
            "source": "s",
            "data": {"callConnectionId": "c", "resultInformation": info},
        }
    )


def test_classify() -> None:
    assert classify(_failed(486, 8539)) == "busy"
    assert classify(_failed(500, 0, sip=486)) == "busy"
    assert classify(_failed(603, 8538)) == "declined"
    assert classify(_failed(408, 10057)) == "no_answer"
    assert classify(_failed(500, 8544)) == "failed"
