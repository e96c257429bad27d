"""``callwright calls | dial | press | say | hangup | tail | diagram`` against the running emulator and service."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from app.devtools.cli import main
from app.devtools.reload import RELOAD_REASON, end_live_calls, serve_with_reload
from app.diagrams.cli import main as diagram
from app.testing.stack import CallwrightStack
from tests.devphone.conftest import TIME_SCALE

pytestmark = pytest.mark.asyncio(loop_scope="session")

SUPPORT = "+18005550100"
CALLER = "+15551230002"


@pytest_asyncio.fixture(loop_scope="session")
async def emulator(callwright_stack: CallwrightStack) -> AsyncIterator[str]:
    environment = await callwright_stack.environment(
        time_scale=TIME_SCALE, flows=None, overrides={"ivr.force_open": True}
    )
    async with httpx.AsyncClient(base_url=environment.emulator_url) as http:
        await http.post("/simulator/reset")
        yield environment.emulator_url
        await http.post("/simulator/reset")


async def cli(*argv: str) -> tuple[int, str]:
    """Run one command in a thread (it does blocking HTTP), with its output."""
    out = io.StringIO()
    code = await asyncio.to_thread(main, list(argv), out=out)
    return code, out.getvalue()


async def until_prompt(emulator: str, server_call_id: str, count: int = 1) -> None:
    async with httpx.AsyncClient(base_url=emulator) as http:
        for _ in range(100):
            timeline = (await http.get(f"/simulator/calls/{server_call_id}")).json()["timeline"]
            if sum(1 for e in timeline if e["name"] == "prompt started") >= count:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("no prompt was played")


async def test_dial_calls_press_say_hang_up(emulator: str) -> None:
    code, out = await cli("dial", "--from", CALLER, "--to", SUPPORT, "--emulator", emulator, "--json")
    assert code == 0
    placed = json.loads(out)
    short = placed["id"]
    assert len(short) == 8 and placed["from"] == f"4:{CALLER}"
    await until_prompt(emulator, placed["serverCallId"])

    code, out = await cli("calls", "--emulator", emulator)
    assert code == 0 and out.splitlines()[0].split() == ["ID", "STATE", "FROM", "TO", "PARTICIPANTS"]
    assert out.splitlines()[1].split()[:4] == [short, "established", CALLER, SUPPORT]

    code, out = await cli("press", short, "1", "--emulator", emulator, "--json")
    assert (code, json.loads(out)) == (0, {"call": short, "heard": True})
    await until_prompt(emulator, placed["serverCallId"], count=2)  # the main menu, in English
    code, out = await cli("say", short, "billing", "--emulator", emulator)
    assert code == 0 and out.startswith(f"{short}: said 'billing'")
    code, out = await cli("hangup", short, "--emulator", emulator)
    assert (code, out) == (0, f"{short}: hung up\n")
    code, out = await cli("calls", "--emulator", emulator, "--json")
    assert [(c["id"], c["state"]) for c in json.loads(out)] == [(short, "ended")]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *argv], capture_output=True, text=True, timeout=30)


async def test_expected_failures_are_one_line_and_a_non_zero_exit(emulator: str) -> None:
    unknown = await asyncio.to_thread(run, "press", "nosuchcall", "1", "--emulator", emulator)
    down = await asyncio.to_thread(run, "calls", "--emulator", "http://127.0.0.1:9")
    for result in (unknown, down):
        assert result.returncode == 1 and result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert unknown.stderr.startswith("callwright press: no call 'nosuchcall'")
    assert "cannot reach the emulator at http://127.0.0.1:9" in down.stderr
    bad = await asyncio.to_thread(run, "dial", "--from", CALLER, "--emulator", emulator)
    assert bad.returncode == 2 and "--to" in bad.stderr


async def test_tail_prints_one_readable_line_per_step_live(emulator: str) -> None:
    tail = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "tail",
        "--emulator",
        emulator,
        "--color",
        "always",
        stdout=asyncio.subprocess.PIPE,
    )
    assert tail.stdout is not None
    try:
        await asyncio.sleep(1.0)  # connected and past its (empty) snapshot
        code, _ = await cli("dial", "--from", CALLER, "--to", SUPPORT, "--emulator", emulator)
        assert code == 0
        lines: list[str] = []
        while not any("recognize(" in line for line in lines):
            lines.append((await asyncio.wait_for(tail.stdout.readline(), 10)).decode())
    finally:
        tail.terminate()
        await tail.wait()
    text = "".join(lines)
    assert "+15551230002 → ACS" in text and f"dial {SUPPORT}" in text
    assert "App → ACS" in text and "answer" in text and "\x1b[" in text  # colored when asked
    order = [next(i for i, line in enumerate(lines) if needle in line) for needle in ("dial", "answer", "recognize(")]
    assert order == sorted(order)


async def test_diagram_writes_svg_as_well_as_mermaid(emulator: str, tmp_path: Path) -> None:
    code, out = await cli("dial", "--from", CALLER, "--to", SUPPORT, "--emulator", emulator, "--json")
    placed = json.loads(out)
    await until_prompt(emulator, placed["serverCallId"])
    svg, mermaid = tmp_path / "call.svg", tmp_path / "call.mmd"
    assert await asyncio.to_thread(diagram, [placed["id"], "--emulator", emulator, "-o", str(svg)]) == 0
    assert await asyncio.to_thread(diagram, [placed["id"], "--emulator", emulator, "-o", str(mermaid)]) == 0
    picture = svg.read_text(encoding="utf-8")
    assert picture.startswith("<svg ") and f"dial {SUPPORT}" in picture and "recognize(" in picture
    assert mermaid.read_text(encoding="utf-8").startswith("sequenceDiagram\n")
    assert await asyncio.to_thread(diagram, ["nosuchcall", "--emulator", emulator]) == 1


async def test_a_reload_ends_the_calls_in_progress_and_restarts_the_service(emulator: str, tmp_path: Path) -> None:
    code, out = await cli("dial", "--from", CALLER, "--to", SUPPORT, "--emulator", emulator, "--json")
    placed = json.loads(out)
    await until_prompt(emulator, placed["serverCallId"])
    (tmp_path / "flows").mkdir()
    said: list[str] = []
    stop = threading.Event()
    # The "service" here is `callwright --help`: the runner restarts whatever it runs.
    runner = threading.Thread(
        target=serve_with_reload,
        args=(["--help"],),
        kwargs={"emulator_url": emulator, "root": tmp_path, "announce": said.append, "stop": stop},
    )
    runner.start()
    try:
        for _ in range(100):
            (tmp_path / "flows" / "menu.py").write_text(f"PROMPT = {len(said)}\n", encoding="utf-8")
            await asyncio.sleep(0.1)
            if said:
                break
    finally:
        stop.set()
        await asyncio.to_thread(runner.join, 10)
    assert said and said[0] == "callwright dev: menu.py changed, reloading the service; ended 1 call(s) in progress"
    async with httpx.AsyncClient(base_url=emulator) as http:
        call = (await http.get(f"/simulator/calls/{placed['serverCallId']}")).json()
    assert call["state"] == "ended"
    assert f"ended: {RELOAD_REASON}" in [e["name"] for e in call["timeline"]]
    assert await asyncio.to_thread(end_live_calls, emulator) == 0  # nothing left to end
