"""Conformance: each of the 13 SDK live-test scenarios, run against the emulator with the same SDK actions, compared
with facts derived from real ACS captures (facts/*.json). Every scenario runs twice: plain, and with ``--realism``
(the variety real ACS shows: event order, sequence gaps, roster-neutral updates)."""

from __future__ import annotations

import pytest

from tests.simulator.conformance.compare import Comparison
from tests.simulator.conformance.facts import scenario, scenario_names
from tests.simulator.conformance.harness import live
from tests.simulator.conformance.scenarios import SCENARIOS


def _cases() -> list[object]:
    cases: list[object] = []
    for name in scenario_names():
        for realism in (False, True):
            cases.append(pytest.param(name, realism, id=f"{name}-{'realism' if realism else 'plain'}"))
    return cases


def test_every_scenario_has_facts_and_actions() -> None:
    assert sorted(SCENARIOS) == scenario_names()
    assert len(SCENARIOS) == 13


@pytest.mark.parametrize(("name", "realism"), _cases())
async def test_scenario_matches_the_capture(name: str, realism: bool) -> None:
    facts = scenario(name)
    async with live(facts["api_version"], realism=realism, seed=len(name)) as run:
        await SCENARIOS[name](run)
        comparison = Comparison(name, facts, run.roles, realism=realism)
        for connection in facts["connections"]:
            comparison.connection(connection, run.capture.of(run.connections[connection]))
        if facts["kind"] == "voip" or facts["capture"]["format"] == "lists":
            comparison.incoming_call(run.capture.incoming[0])
    assert not comparison.problems, "\n".join(comparison.problems)
