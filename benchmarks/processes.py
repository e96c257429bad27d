"""Servers under test in their own processes: start, wait until they answer, read their CPU time, stop.

Every server binds 127.0.0.1 on a free port; every process is stopped when its block exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far (all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS


@contextlib.contextmanager
def serve(
    name: str,
    command: Sequence[str],
    port: int,
    *,
    env: Mapping[str, str] | None = None,
    ready_path: str = "/",
    timeout: float = 30.0,
) -> Iterator[Server]:
    """Run ``python <command>`` until the block exits; ready once ``ready_path`` answers any HTTP status."""
    stderr_file = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,  # logs are rendered and written as in production, then dropped
        stderr=stderr_file,
    )
    server = Server(name, f"http://127.0.0.1:{port}", process)
    try:
        _wait_ready(server, ready_path, timeout, stderr_file)
        yield server
    finally:
        _stop(process)
        stderr_file.close()


def _wait_ready(server: Server, path: str, timeout: float, stderr_file: IO[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            stderr_file.seek(0)
            output = stderr_file.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{server.name} exited at startup:\n{output}")
        try:
            httpx.get(server.base_url + path, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
