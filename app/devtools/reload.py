"""Hot reload for ``callwright dev``: the service runs as a child process and restarts when a flow, handler or
config file changes; the emulator (its calls, timeline and the dev phone's connection) keeps running.

A call in progress is **ended** when the service reloads: the service's per-call state lives in its memory in
development, so the new code could not continue the call it did not start. The emulator ends each live call
(``DELETE /simulator/calls/{id}``, noted in its timeline as ended by a reload) and the runner says how many.

Example::

    serve_with_reload(["serve", "--port", "8000"], emulator_url="http://127.0.0.1:8090")
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

from app.devtools.emulator import EmulatorControl, EmulatorError

WATCHED = ("flows", "handlers", "config", "app", ".env")  # relative to the project directory
_SOURCES = (".py", ".env", ".toml", ".yaml", ".yml", ".json")
RELOAD_REASON = "the service reloaded"


class SourceFilter(DefaultFilter):
    """Python sources and configuration files; not caches, editors' temporary files or logs."""

    def __call__(self, change: Change, path: str) -> bool:
        name = Path(path).name
        return super().__call__(change, path) and (name.endswith(_SOURCES) or name == ".env")


def watched_paths(root: Path) -> list[Path]:
    return [root / name for name in WATCHED if (root / name).exists()]


def serve_with_reload(
    serve_args: Sequence[str],
    *,
    emulator_url: str,
    root: Path | None = None,
    announce: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> int:
    """Run ``callwright <serve_args>`` and restart it on every change under ``root`` until interrupted (or
    until ``stop`` is set)."""
    paths = watched_paths(root or Path.cwd())
    command = [sys.executable, "-m", "app.cli", *serve_args]
    child = subprocess.Popen(command)
    try:
        for changes in watch(*paths, watch_filter=SourceFilter(), stop_event=stop, raise_interrupt=False):
            changed = sorted({Path(path).name for _, path in changes})
            ended = end_live_calls(emulator_url)  # while the old code still runs: it sees its calls end
            _stop(child)
            note = f"; ended {ended} call(s) in progress" if ended else ""
            announce(f"callwright dev: {', '.join(changed)} changed, reloading the service{note}")
            child = subprocess.Popen(command)
    finally:
        _stop(child)
    return 0


def end_live_calls(emulator_url: str) -> int:
    """End every call the emulator still has going; how many were ended (0 when it cannot be reached)."""
    try:
        with EmulatorControl(emulator_url) as emulator:
            live = [call for call in emulator.calls() if call.state != "ended"]
            for call in live:
                emulator.end(call, RELOAD_REASON)
            return len(live)
    except EmulatorError as error:
        print(f"callwright dev: {error}", file=sys.stderr)
        return 0


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
