"""The access-log switch, through the Procfile's own command: uvicorn with the app factory, in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = "c2VlZC10b2tlbi0xMjM0NTY"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve_and_get(*flags: str) -> str:
    """Start ``uvicorn --factory app.web.app:create_service`` as the Procfile does, GET once, stop: its stdout."""
    port = _free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("CALLWRIGHT_")},
        "CALLWRIGHT_ALLOW_UNAUTHENTICATED_CALLBACKS": "true",  # no emulator needed for signing keys
        "CALLWRIGHT_LOG_FORMAT": "json",
    }
    uvicorn = str(Path(sys.executable).with_name("uvicorn"))
    command = [uvicorn, "--factory", "app.web.app:create_service", "--host", "127.0.0.1", "--port", str(port), *flags]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/livez?seed={SEED}", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"the server did not start: {server.communicate(timeout=5)[0]}")
                time.sleep(0.1)
        assert response.status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    return output


def test_no_access_log_turns_access_lines_off() -> None:
    output = _serve_and_get("--no-access-log")
    assert "service_started" in output  # our own lines still flow
    assert "/livez" not in output


def test_access_lines_when_on_redact_the_seed_token() -> None:
    output = _serve_and_get()
    assert "/livez" in output
    assert SEED not in output
    assert "seed=[redacted]" in output
