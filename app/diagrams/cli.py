"""``callwright diagram``: write a call's Mermaid sequence diagram, from the emulator or a JSON log file.

    callwright diagram <serverCallId>                              # from the emulator on the dev endpoint
    callwright diagram <serverCallId> --emulator http://127.0.0.1:8090 -o call.md
    callwright diagram <serverCallId> --log service.log -o call.mmd

Example::

    from app.diagrams.cli import main
    exit_code = main(["<serverCallId>", "--log", "service.log"])
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import httpx

from app.diagrams.emulator import from_emulator
from app.diagrams.logs import from_log_lines
from app.diagrams.mermaid import render_mermaid
from app.diagrams.model import Step


class DiagramError(Exception):
    """The call's timeline could not be read; the message says why."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 on success, 1 when the call cannot be found, 2 on bad arguments."""
    parser = argparse.ArgumentParser(prog="callwright diagram", description="Draw a call as a Mermaid diagram")
    parser.add_argument("server_call_id", help="the call's serverCallId")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--emulator", metavar="URL", help="the emulator's base URL (default: the ACS endpoint)")
    source.add_argument("--log", metavar="FILE", type=Path, help="the service's JSON log (CALLWRIGHT_LOG_FORMAT=json)")
    parser.add_argument("-o", "--output", metavar="OUT", type=Path, help="write here (.md: fenced) instead of stdout")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help and on bad arguments; callers get the code instead
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        steps = _from_log(args.log, args.server_call_id) if args.log else _from_emulator(args)
    except DiagramError as error:
        print(f"callwright diagram: {error}", file=sys.stderr)
        return 1
    diagram = render_mermaid(steps, title=f"Call {args.server_call_id}")
    if args.output is None:
        sys.stdout.write(diagram)
        return 0
    text = f"```mermaid\n{diagram}```\n" if args.output.suffix.lower() == ".md" else diagram
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _from_log(path: Path, server_call_id: str) -> list[Step]:
    try:
        with path.open(encoding="utf-8") as lines:
            steps = from_log_lines(lines, server_call_id=server_call_id)
    except OSError as error:
        raise DiagramError(f"cannot read {path}: {error.strerror}") from None
    if not steps:
        raise DiagramError(f"no action_requested or event_received lines for call {server_call_id} in {path}")
    return steps


def _from_emulator(args: argparse.Namespace) -> list[Step]:
    base = (args.emulator or _default_endpoint()).rstrip("/")
    url = f"{base}/simulator/calls/{quote(args.server_call_id, safe='')}"
    try:
        response = httpx.get(url, timeout=10.0)
    except httpx.HTTPError as error:
        raise DiagramError(f"cannot reach the emulator at {base}: {error}") from None
    if response.status_code == 404:
        raise DiagramError(f"the emulator at {base} has no call {args.server_call_id}")
    if response.status_code != 200:
        raise DiagramError(f"the emulator answered {response.status_code} for {url}")
    try:
        return from_emulator(response.json())
    except (ValueError, KeyError, TypeError) as error:
        raise DiagramError(f"unexpected answer from {url}: {error!r}") from None


def _default_endpoint() -> str:
    from config.settings import SettingsError, load_settings

    try:
        return load_settings().endpoint
    except SettingsError as error:
        raise DiagramError(f"{error}; pass --emulator URL") from None
