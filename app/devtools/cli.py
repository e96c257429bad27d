"""``callwright calls | dial | press | say | hangup | tail``: drive the emulator's calls from a terminal.

    callwright calls                                  # calls with short ids (--json for scripts)
    callwright dial --from +15551230001 --to +18005550100
    callwright press 3f2a9c1e 1 2 '#'                 # keys as the caller (--as +18005550199: as another party)
    callwright say 3f2a9c1e "billing"
    callwright hangup 3f2a9c1e
    callwright tail [3f2a9c1e]                        # the live timeline, one line per request or event

Every command takes ``--emulator URL`` (default: the ACS endpoint of the settings) and ``--json``. Expected
failures (emulator down, unknown call, refused input) print one line and exit 1; bad arguments exit 2.

Example::

    from app.devtools.cli import main
    exit_code = main(["calls", "--emulator", "http://127.0.0.1:8090", "--json"])
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from app.devtools.emulator import CallRef, EmulatorControl, EmulatorError, default_emulator_url
from app.devtools.tail import Tail

COMMANDS = {
    "calls": "list the emulator's calls with short ids",
    "dial": "a simulated phone calls a number (--from, --to)",
    "press": "press keys in a call as a party",
    "say": "say something in a call as a party",
    "hangup": "hang up a party of a call",
    "tail": "follow the live timeline of every call, or of one",
}


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run one command; 0 on success, 1 on an expected failure, 2 on bad arguments."""
    out = out or sys.stdout
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help and on bad arguments; callers get the code instead
        return exit_.code if isinstance(exit_.code, int) else 2
    run: Callable[[argparse.Namespace, EmulatorControl, TextIO], int] = args.run
    try:
        with EmulatorControl(args.emulator or default_emulator_url()) as emulator:
            return run(args, emulator, out)
    except EmulatorError as error:
        print(f"callwright {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--emulator", metavar="URL", help="the emulator's base URL (default: the ACS endpoint)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    parser = argparse.ArgumentParser(prog="callwright", description="Drive the ACS emulator's calls")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run: Callable[..., int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=COMMANDS[name], description=COMMANDS[name], parents=[common])
        sub.set_defaults(run=run)
        return sub

    command("calls", _calls)
    dial = command("dial", _dial)
    dial.add_argument("--from", dest="from_", required=True, metavar="NUMBER", help="the simulated caller")
    dial.add_argument("--to", required=True, metavar="NUMBER", help="the number called (one of the app's)")
    press = command("press", _press)
    press.add_argument("call", help="short id (see callwright calls) or serverCallId")
    press.add_argument("keys", nargs="+", help="keys: 0-9 * # A-D, separately or together (12#)")
    say = command("say", _say)
    say.add_argument("call", help="short id or serverCallId")
    say.add_argument("text", help="a choice phrase or free speech")
    hangup = command("hangup", _hangup)
    hangup.add_argument("call", help="short id or serverCallId")
    for sub in (press, say, hangup):
        sub.add_argument("--as", dest="party", metavar="PARTY", help="act as this party (default: the caller)")
    tail = command("tail", _tail)
    tail.add_argument("call", nargs="?", help="only this call (short id or serverCallId)")
    tail.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    return parser


def _calls(args: argparse.Namespace, emulator: EmulatorControl, out: TextIO) -> int:
    calls = emulator.calls()
    if args.json:
        out.write(json.dumps([c.to_json() for c in calls], indent=2) + "\n")
        return 0
    if not calls:
        out.write("no calls\n")
        return 0
    out.write(f"{'ID':<9} {'STATE':<12} {'FROM':<16} {'TO':<16} PARTICIPANTS\n")
    for call in calls:
        parties = ", ".join(_number(p) for p in call.participants) or "-"
        out.write(f"{call.short_id:<9} {call.state:<12} {_number(call.from_):<16} {_number(call.to):<16} {parties}\n")
    return 0


def _dial(args: argparse.Namespace, emulator: EmulatorControl, out: TextIO) -> int:
    call = emulator.dial(args.from_, args.to)
    _report(args, out, call.to_json(), f"{call.short_id}  {_number(call.from_)} → {_number(call.to)}")
    return 0


def _press(args: argparse.Namespace, emulator: EmulatorControl, out: TextIO) -> int:
    call = emulator.find(args.call)
    reply = emulator.act(call, args.party, "dtmf", {"tones": "".join(args.keys)})
    _heard(args, out, call, reply, f"pressed {''.join(args.keys)}")
    return 0


def _say(args: argparse.Namespace, emulator: EmulatorControl, out: TextIO) -> int:
    call = emulator.find(args.call)
    reply = emulator.act(call, args.party, "say", {"text": args.text})
    _heard(args, out, call, reply, f"said {args.text!r}")
    return 0


def _hangup(args: argparse.Namespace, emulator: EmulatorControl, out: TextIO) -> int:
    call = emulator.find(args.call)
    emulator.act(call, args.party, "hangup")
    _report(args, out, {"call": call.short_id, "hungUp": True}, f"{call.short_id}: hung up")
    return 0


def _tail(args: argparse.Namespace, emulator: EmulatorControl, out: TextIO) -> int:
    only = emulator.find(args.call).server_call_id if args.call else None
    color = args.color == "always" or (args.color == "auto" and out.isatty())
    Tail(out, only=only, json_lines=args.json, color=color).follow(emulator.stream())
    return 0


def _heard(args: argparse.Namespace, out: TextIO, call: CallRef, reply: Any, done: str) -> None:
    heard = bool(reply and reply.get("heard"))
    note = "" if heard else " (nothing was listening)"
    _report(args, out, {"call": call.short_id, "heard": heard}, f"{call.short_id}: {done}{note}")


def _report(args: argparse.Namespace, out: TextIO, data: dict[str, Any], text: str) -> None:
    out.write((json.dumps(data) if args.json else text) + "\n")


def _number(raw: str | None) -> str:
    if not raw:
        return "-"
    return raw[2:] if raw.startswith("4:") else raw
