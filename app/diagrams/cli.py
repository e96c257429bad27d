"""``callwright diagram``: write a call's sequence diagram, as Mermaid or SVG, from the emulator or a JSON log file.

    callwright diagram <call>                                      # Mermaid, from the emulator on the dev endpoint
    callwright diagram <call> -o call.svg                          # SVG (also: --format svg)
    callwright diagram <call> --emulator http://127.0.0.1:8090 -o call.md
    callwright diagram <serverCallId> --log service.log -o call.mmd

``<call>`` is a short id from ``callwright calls`` or a serverCallId (a log needs the serverCallId).

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

from app.devtools.emulator import EmulatorControl, EmulatorError, default_emulator_url
from app.diagrams.emulator import from_emulator
from app.diagrams.logs import from_log_lines
from app.diagrams.mermaid import render_mermaid
from app.diagrams.model import Step
from app.diagrams.svg import render_svg
from app.errors import CallwrightError


class DiagramError(CallwrightError):
    """The call's timeline could not be read; the message says why."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; 0 on success, 1 when the call cannot be found, 2 on bad arguments."""
    parser = argparse.ArgumentParser(prog="callwright diagram", description="Draw a call as a sequence diagram")
    parser.add_argument("server_call_id", metavar="call", help="a short id (callwright calls) or serverCallId")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--emulator", metavar="URL", help="the emulator's base URL (default: the ACS endpoint)")
    source.add_argument("--log", metavar="FILE", type=Path, help="the service's JSON log (CALLWRIGHT_LOG_FORMAT=json)")
    parser.add_argument("-o", "--output", metavar="OUT", type=Path, help="write here (.md: fenced) instead of stdout")
    parser.add_argument("--format", choices=("mermaid", "svg"), help="default: svg for a .svg output, else mermaid")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help and on bad arguments; callers get the code instead
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        steps = _from_log(args.log, args.server_call_id) if args.log else _from_emulator(args)
    except DiagramError as error:
        print(f"callwright diagram: {error}", file=sys.stderr)
        return 1
    suffix = args.output.suffix.lower() if args.output is not None else ""
    title = f"Call {args.server_call_id}"
    if (args.format or ("svg" if suffix == ".svg" else "mermaid")) == "svg":
        diagram = render_svg(steps, title=title)
    else:
        diagram = render_mermaid(steps, title=title)
        diagram = f"```mermaid\n{diagram}```\n" if suffix == ".md" else diagram
    if args.output is None:
        sys.stdout.write(diagram)
        return 0
    args.output.write_text(diagram, encoding="utf-8")
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
    if len(args.server_call_id) < 40:  # a short id: which call it names
        try:
            with EmulatorControl(base) as emulator:
                args.server_call_id = emulator.find(args.server_call_id).server_call_id
        except EmulatorError as error:
            raise DiagramError(str(error)) from None
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
    try:
        return default_emulator_url()
    except EmulatorError as error:
        raise DiagramError(str(error)) from None
