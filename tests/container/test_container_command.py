"""What the container runs, without Docker: the Dockerfile's install script builds the wheel and installs it with the
locked runtime dependencies into a fresh venv, then the Dockerfile's CMD serves it against the emulator and a call
goes through (Event Grid IncomingCall → answer → CallConnected → the menu prompt).

Marked ``container``: it builds a wheel and a venv (~20-40 s with a warm pip cache, which it reuses).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.server import RunningSimulator, run_simulator

ROOT = Path(__file__).resolve().parents[2]
FRONT_DESK = "+18005550102"

pytestmark = pytest.mark.container


def _ignored(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    return any(
        fnmatch(relative, pattern) or fnmatch(parts[0], pattern) or any(fnmatch(p, pattern.lstrip("*/")) for p in parts)
        for pattern in patterns
    )


def _build_context(target: Path) -> None:
    """Copy the repository as ``docker build`` would send it: without what .dockerignore names."""
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for relative in tracked:
        source = ROOT / relative
        if _ignored(relative, patterns) or not source.is_file():
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / relative)


def _dockerfile_cmd() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert match, "the Dockerfile has no JSON-form CMD"
    command: list[str] = json.loads(match.group(1))
    return command


def _dockerfile_env() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(r"^ENV (.+)$", text, re.MULTILINE)
    assert match
    return dict(item.split("=", 1) for item in shlex.split(match.group(1)))


def _free_port() -> int:
    # The callback URL names the port before the service starts, so reserve one and hand it over.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("container")
    context = work / "src"
    context.mkdir()
    _build_context(context)
    venv = work / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    result = subprocess.run(
        ["sh", "deploy/install-runtime.sh", str(context), str(venv)],
        cwd=context,
        env=env | {"PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return venv


def _installed(venv: Path) -> dict[str, str]:
    freeze = subprocess.run(
        [str(venv / "bin" / "pip"), "list", "--format=json", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {item["name"].lower().replace("_", "-"): item["version"] for item in json.loads(freeze)}


def test_the_image_holds_only_locked_runtime_dependencies(runtime_venv: Path) -> None:
    locked = dict(
        line.split("#")[0].strip().lower().split("==")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    )
    installed = _installed(runtime_venv)
    for seeded in ("pip", "setuptools"):  # what `python -m venv` seeds; the service does not import them
        installed.pop(seeded, None)
    assert installed.pop("callwright") == "0.1.0"
    assert {"pytest", "trustme", "mypy", "ruff"}.isdisjoint(installed), "dev or emulator extras in the image"
    unpinned = {name: version for name, version in installed.items() if locked.get(name) != version}
    assert not unpinned, f"installed but not as requirements.lock pins them: {unpinned}"
    # The emulator still imports without its extra (only --tls needs trustme).
    probe = [str(runtime_venv / "bin" / "python"), "-c", "import simulator.server, simulator.app"]
    imported = subprocess.run(probe, capture_output=True, text=True, cwd=runtime_venv.parent, check=False)
    assert imported.returncode == 0, imported.stderr[-2000:]


def test_the_procfile_and_the_dockerfile_run_the_same_command() -> None:
    def normalised(command: str) -> list[str]:
        command = re.sub(r"\$\{(\w+):-[^}]*\}", r"$\1", command)  # "${PORT:-8000}" → "$PORT"
        return shlex.split(command.removeprefix("exec "))

    procfile = (ROOT / "Procfile").read_text().strip().removeprefix("web:").strip()
    shell, flag, command = _dockerfile_cmd()
    assert (shell, flag) == ("sh", "-c")
    assert normalised(command) == normalised(procfile)
    assert "--proxy-headers" in normalised(command) and "--factory" in normalised(command)


@pytest.fixture
async def emulator() -> AsyncIterator[RunningSimulator]:
    async with run_simulator(time_scale=0.05) as sim:
        yield sim


async def test_the_container_command_serves_a_call(runtime_venv: Path, emulator: RunningSimulator) -> None:
    port = _free_port()
    app_url = f"http://127.0.0.1:{port}"
    secret = secrets.token_urlsafe(16)
    shell, flag, command = _dockerfile_cmd()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CALLWRIGHT_", "VIRTUAL_ENV", "PYTHON"))},
        **_dockerfile_env(),
        "PATH": f"{runtime_venv / 'bin'}:{os.environ['PATH']}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        # The emulator speaks http, which production refuses: run the image's command in development, every
        # setting explicit, as a deployment against real ACS sets them.
        "CALLWRIGHT_ENVIRONMENT": "development",
        "CALLWRIGHT_ACS_ENDPOINT": emulator.base_url,
        "CALLWRIGHT_ACS_ACCESS_KEY": emulator.config.access_key,
        "CALLWRIGHT_ACS_RESOURCE_ID": emulator.config.resource_id,
        "CALLWRIGHT_CALLBACK_BASE_URL": app_url,
        "CALLWRIGHT_EVENTGRID_SECRET": secret,
        "CALLWRIGHT_FLOW_MODULES": "flows.front_desk",
        "CALLWRIGHT_LOG_FORMAT": "json",
    }
    # Started from an empty directory: the service must come from the venv, not from this checkout.
    workdir = runtime_venv.parent / "srv"
    workdir.mkdir(exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        shell, flag, command, cwd=workdir, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output = bytearray()

    async def drain() -> None:
        assert process.stdout is not None
        while chunk := await process.stdout.read(4096):
            output.extend(chunk)

    reader = asyncio.create_task(drain())
    try:
        async with httpx.AsyncClient(timeout=5.0) as http:
            await _wait_live(http, f"{app_url}/livez", process)
            subscription = await http.post(
                f"{emulator.base_url}/simulator/subscriptions",
                json={"url": f"{app_url}/Events?secret={secret}", "schema": "eventgrid", "name": "container"},
            )
            subscription.raise_for_status()
            placed = await http.post(
                f"{emulator.base_url}/simulator/calls", json={"from": "+15551230001", "to": FRONT_DESK}
            )
            placed.raise_for_status()
            timeline = await _wait_for_entry(
                http, emulator.base_url, placed.json()["serverCallId"], "callback", "CallConnected"
            )
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        await reader
    names = [(entry["kind"], entry["name"], entry["detail"].get("status")) for entry in timeline]
    assert ("request", "answer", 200) in names, output.decode()[-3000:]
    assert ("request", "recognize", 202) in names, names
    # SIGTERM (what the platform sends on scale-in): a graceful shutdown; uvicorn then re-raises the signal.
    assert process.returncode in (0, -signal.SIGTERM), output.decode()[-3000:]
    assert b"Application shutdown complete" in output


async def _wait_live(http: httpx.AsyncClient, url: str, process: asyncio.subprocess.Process) -> None:
    async with asyncio.timeout(60):
        while True:
            assert process.returncode is None, "the container command exited before serving"
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def _wait_for_entry(
    http: httpx.AsyncClient, emulator_url: str, server_call_id: str, kind: str, name: str
) -> list[dict[str, Any]]:
    """The call's timeline once it holds an entry of ``kind`` whose name contains ``name``. A callback is recorded
    when the app has answered it, so after the requests its handler made (CallConnected: after the recognize)."""
    timeline: list[dict[str, Any]] = []
    async with asyncio.timeout(60):
        while not any(entry["kind"] == kind and name in entry["name"] for entry in timeline):
            await asyncio.sleep(0.1)
            timeline = (await http.get(f"{emulator_url}/simulator/calls/{server_call_id}")).json()["timeline"]
    return timeline
