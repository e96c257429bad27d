"""A failing call script, run in its own pytest session: the report shows the timeline and saves diagrams."""

from __future__ import annotations

from pathlib import Path

import pytest

FAILING_SCRIPT = """
import pytest

@pytest.fixture
def callwright_flows():
    return ["flows.front_desk"]

async def test_expects_the_wrong_thing(phone):
    call = await phone.dial("+18005550102", from_="+15551230001")
    await call.expect_prompt(contains="press 1")
    await call.expect_redirect(to="+15550001111", within=1)

async def test_fails_with_a_plain_assert(phone):
    call = await phone.dial("+18005550102", from_="+15551230002")
    await call.expect_answered()
    assert phone.settings.flows.front_desk_after_hours, "not after hours"
"""


def test_failing_scripts_report_the_timeline_and_save_diagrams(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_script=FAILING_SCRIPT)
    diagrams = tmp_path / "diagrams"
    # A subprocess: an in-process run would unload and reimport modules (cryptography) the shared servers use.
    result = pytester.runpytest_subprocess(
        "-p", "app.testing.plugin", "--callwright-diagrams", str(diagrams), "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["*callwright: sequence diagrams of test_script.py::test_fails_with_a_plain_assert:*", "*diagrams/*.md"]
    )
    result.stdout.fnmatch_lines(
        [
            "*Expected a redirect to +15550001111 after step * of call 1 (+15551230001 → +18005550102)*",
            "*  1. *Caller +15551230001 → ACS*dial +18005550102*",
            "*the script is here*",
            "*Sequence diagram: *diagrams/test_script.py-test_expects_the_wrong_thing/call-1-*.md",
        ]
    )
    saved = sorted(path.relative_to(diagrams).as_posix() for path in diagrams.rglob("*.md"))
    assert saved == [
        "test_script.py-test_expects_the_wrong_thing/call-1-+15551230001-+18005550102.md",
        "test_script.py-test_fails_with_a_plain_assert/call-1-+15551230002-+18005550102.md",
    ]
    text = (diagrams / saved[1]).read_text(encoding="utf-8")
    assert "    P1->>ACS: dial +18005550102\n" in text and "    App->>ACS: answer\n" in text
