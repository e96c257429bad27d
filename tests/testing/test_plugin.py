"""The call-script fixtures themselves: failures, time scale, concurrency, diagrams."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.testing.harness import Phone
from app.testing.script import REAL_FLOOR

FRONT_DESK = "+18005550102"
AGENT = "4:+18005550199"
SUPERVISOR = "4:+15555550160"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.front_desk"]


async def test_a_failed_expectation_shows_what_happened(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_="+15551230001")
    await call.expect_prompt(contains="press 1")
    with pytest.raises(AssertionError) as failure:
        await call.expect_transfer(to="+15550000000", within=1)
    message = str(failure.value)
    assert message.startswith("Expected a transfer to +15550000000 after step ")
    assert "  1. " in message and "Caller +15551230001 → ACS" in message and "dial +18005550102" in message
    assert 'recognize("Welcome to the front desk.' in message
    assert "the script is here" in message
    assert "Sequence diagram: " in message
    diagram = message.rsplit("Sequence diagram: ", 1)[1].strip()
    assert Path(diagram).read_text(encoding="utf-8").startswith("```mermaid\nsequenceDiagram\n")  # noqa: ASYNC240


async def test_a_failed_expectation_after_the_call_ended_does_not_wait_the_full_timeout(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_="+15555550666")  # a blocked caller: rejected at once
    await call.expect_rejected()
    with pytest.raises(AssertionError, match="Expected a prompt"):
        await asyncio.wait_for(call.expect_prompt(within=10_000), timeout=call.real_timeout(60))


async def test_waits_are_simulated_seconds_scaled_plus_a_floor(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_="+15551230001")
    assert phone.time_scale == 0.02
    assert call.real_timeout(10) == pytest.approx(10 * 0.02 + REAL_FLOOR)
    # Three 8-second silences and the prompts between them: ~50 simulated seconds, each wait given only 12.
    await call.expect_prompt(contains="press 1")
    for _ in range(2):
        await call.stay_silent(within=20)
        await call.expect_prompt(contains="didn't catch", within=20)
    await call.stay_silent(within=20)
    await call.expect_hangup(within=20)


async def test_two_concurrent_calls_keep_separate_scripts(phone: Phone) -> None:
    first = await phone.dial(FRONT_DESK, from_="+15551230001")
    second = await phone.dial(FRONT_DESK, from_="+15551230002")

    async def agent() -> None:
        await first.expect_prompt(contains="press 1")
        await first.press("1")
        await first.expect_transfer(to=AGENT)

    async def supervisor() -> None:
        await second.expect_prompt(contains="press 2")
        await second.press("2")
        await second.expect_added(to=SUPERVISOR)

    await asyncio.gather(agent(), supervisor())
    one, two = await first.timeline(), await second.timeline()
    assert {s.server_call_id for s in one} == {first.server_call_id}
    assert {s.server_call_id for s in two} == {second.server_call_id}
    assert [s.name for s in one if s.kind == "party" and s.name.startswith("press")] == ["press 1"]
    assert [s.name for s in two if s.kind == "party" and s.name.startswith("press")] == ["press 2"]
    assert not [s for s in two if s.name == "transfer"] and not [s for s in one if s.name == "addParticipant"]


async def test_press_waits_for_the_menu(phone: Phone) -> None:
    call = await phone.dial(FRONT_DESK, from_="+15551230001")
    await call.press("1")  # no expect_prompt first: press waits until the recognize listens
    await call.expect_transfer(to=AGENT)


async def test_the_diagram_command_draws_a_call_from_the_emulator(phone: Phone, tmp_path: Path) -> None:
    from app.diagrams.cli import main

    call = await phone.dial(FRONT_DESK, from_="+15551230001")
    await call.press("1")
    await call.expect_event("CallTransferAccepted")
    out = tmp_path / "call.mmd"
    code = await asyncio.to_thread(main, [call.server_call_id, "--emulator", phone.emulator_url, "-o", str(out)])
    assert code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["sequenceDiagram", f"    title Call {call.server_call_id}", "    autonumber"]
    assert "    participant P1 as Caller +15551230001" in lines
    assert lines.index("    P1->>ACS: press 1") < lines.index("    App->>ACS: transfer(+18005550199)")
    assert "    ACS-->>App: CallTransferAccepted" in lines
    missing = await asyncio.to_thread(main, ["no-such-call", "--emulator", phone.emulator_url])
    assert missing == 1
