"""The ``callwright`` command's conventions: --version, one-line errors naming the flag, non-zero exit codes, and
``dev`` refusing a port someone else holds. Each runs the installed console script, as a user does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CALLWRIGHT = str(Path(sys.executable).with_name("callwright"))


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CALLWRIGHT_")}
    return subprocess.run([CALLWRIGHT, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("callwright ")


def test_the_simulator_help_names_the_command_that_was_typed() -> None:
    result = run("simulator", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: callwright simulator")


def test_call_without_a_target_is_one_line_naming_the_flag() -> None:
    result = run("call", "--flow", "front_desk")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--to" in lines[0], result.stderr
    assert "body" not in result.stderr.lower()


def test_call_with_the_service_down_is_one_line_not_a_traceback() -> None:
    result = run("call", "--flow", "front_desk", "--to", "+15555550150", "--url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the service" in lines[0], result.stderr


def test_dev_refuses_an_emulator_port_in_use(taken_port: int) -> None:
    result = run("dev", "--emulator-port", str(taken_port), "--port", str(free_port()))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"callwright dev: port {taken_port} is already in use; it is the ACS emulator's port (--emulator-port)"
    )


def test_dev_refuses_a_service_port_in_use(taken_port: int) -> None:
    result = run("dev", "--port", str(taken_port), "--emulator-port", str(free_port()))
    assert result.returncode == 1
    assert f"port {taken_port} is already in use" in result.stderr
    assert "--port" in result.stderr


def test_dev_refuses_a_port_that_is_not_a_port() -> None:
    result = run("dev", "--port", "http")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--port" in result.stderr


def test_the_dev_banner_describes_the_flows_loaded_and_the_hours_as_they_are() -> None:
    from app.cli import _dev_banner
    from config.ivr import IvrSettings
    from config.settings import Settings

    front_desk_only = _dev_banner(Settings(flow_modules=["flows.front_desk"]))
    assert "support line" not in front_desk_only and "front desk +18005550102" in front_desk_only
    assert '"to": "+18005550102"' in front_desk_only
    closed = _dev_banner(Settings(flow_modules=["flows.support_line"], ivr=IvrSettings(force_open=False)))
    assert "closed now" in closed and "open now" not in closed
    assert "open now" in _dev_banner(Settings(flow_modules=["flows.support_line"], ivr=IvrSettings(force_open=True)))


def test_dev_prints_one_banner_and_one_log_format_for_both_servers() -> None:
    import time

    env = {key: value for key, value in os.environ.items() if not key.startswith("CALLWRIGHT_") and key != "PORT"}
    emulator_port = free_port()
    command = [CALLWRIGHT, "dev", "--port", str(free_port()), "--emulator-port", str(emulator_port)]
    dev = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert dev.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = dev.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "service_started" in line:
                break
    finally:
        dev.terminate()
        dev.wait(timeout=20)
    assert dev.stdout is not None
    lines += dev.stdout.read().splitlines()  # what it printed while stopping
    output = "\n".join(lines)
    emulator_free = False
    for _ in range(50):  # stopping dev stops the emulator it started
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", emulator_port)) != 0:
                emulator_free = True
                break
        time.sleep(0.2)
    assert emulator_free, "the emulator outlived callwright dev"
    assert "service_started" in output, output
    assert output.count("Place a test call") == 1, output
    log_lines = [line for line in lines if line and not line.startswith(" ") and "[" in line[:40]]
    assert log_lines and all(line[:4].isdigit() and line[26:29] == "Z [" for line in log_lines), output
    assert not any(line.startswith("INFO:") for line in lines), output
