"""The ``callwright`` console command.

callwright --version
callwright dev [--port P] [--emulator-port E] [--flows flows.hello,...]
                                    # the service + the ACS emulator, subscribed to each other (make run)
callwright serve                    # the service alone (production uses the Procfile instead)
callwright simulator [options]      # the ACS emulator alone (same as python -m simulator)
callwright call --flow F --to N     # start an outbound call through the running service
callwright diagram <call>           # a call's sequence diagram, Mermaid or SVG (from the emulator or a log)
callwright calls | dial | press | say | hangup | tail    # drive the emulator's calls (app/devtools/cli.py)
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import importlib.metadata
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

import httpx

from app.devtools.cli import COMMANDS as DEVTOOLS
from app.devtools.cli import main as devtools
from config.settings import Settings, settings_or_exit


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "simulator":
        return _simulator(rest)
    if args.command == "diagram":
        from app.diagrams.cli import main as diagram

        return diagram(rest)
    if args.command in DEVTOOLS:
        return devtools([args.command, *rest])
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "dev":
        _dev_environment(args)  # before settings are read: the service's own factory reads them again
    settings = settings_or_exit()
    if args.command == "serve":
        _import_from_working_directory()
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "dev":
        _import_from_working_directory()
        return _dev(settings, args.time_scale)
    return _call_command(args.usage, settings, args)


def build_parser() -> argparse.ArgumentParser:
    """The ``callwright`` parser; a new command is one more ``commands.add_parser(...)`` here.

    Example::

        build_parser().parse_args(["dev", "--port", "9000"]).port   # 9000
    """
    parser = _Parser(prog="callwright", description="Callwright: IVR apps on ACS Call Automation")
    parser.add_argument("--version", action="version", version=f"callwright {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="run the service")
    serve.add_argument("--host", default=None, help="default 0.0.0.0 in production, 127.0.0.1 in development")
    serve.add_argument("--port", type=int, default=None, help="default CALLWRIGHT_PORT (8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (more than 1 needs the redis backend)")

    dev = commands.add_parser("dev", help="run the service and the ACS emulator together on the dev defaults")
    dev.add_argument("--time-scale", type=float, default=1.0, help="emulator time scale (1 = real time)")
    dev.add_argument("--port", type=_port, default=None, help="the service's port (default CALLWRIGHT_PORT, 8000)")
    dev.add_argument("--emulator-port", type=_port, default=None, help="the ACS emulator's port (default 8090)")
    dev.add_argument("--flows", default=None, help="comma-separated flow modules (default CALLWRIGHT_FLOW_MODULES)")

    commands.add_parser("simulator", help="run the ACS emulator (options: callwright simulator --help)", add_help=False)
    commands.add_parser("diagram", help="draw a call as a sequence diagram (callwright diagram --help)", add_help=False)
    for name, summary in DEVTOOLS.items():
        commands.add_parser(name, help=summary, add_help=False)

    call = commands.add_parser("call", help="start an outbound call through the running service")
    call.add_argument("--flow", required=True, help="the flow that owns the call, e.g. front_desk")
    call.add_argument("--to", action="append", help="a number or ACS user id; repeat for a group call")
    call.add_argument("--caller-id", help="the resource's number shown to PSTN targets")
    call.add_argument("--connect-room", help="join a room instead of creating a call")
    call.add_argument("--connect-group", help="join a group call instead of creating a call")
    call.add_argument("--connect-server-call", help="join a call by server call id")
    call.add_argument("--state", action="append", default=[], metavar="KEY=VALUE", help="initial per-call state")
    call.add_argument("--url", default=None, help="the service's base URL (default: the callback base URL)")
    call.set_defaults(usage=call)  # its errors name its own usage line
    return parser


class _Parser(argparse.ArgumentParser):
    """Usage errors are ONE line naming the flag, and exit code 2 (the full usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _version() -> str:
    try:
        return importlib.metadata.version("callwright")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(text)


def _simulator(argv: Sequence[str]) -> int:
    # The emulator is its own program; the app package never imports it.
    env = {**os.environ, "CALLWRIGHT_SIMULATOR_PROG": "callwright simulator"}
    try:
        return subprocess.call([sys.executable, "-m", "simulator", *argv], env=env)
    except KeyboardInterrupt:
        return 130


def _import_from_working_directory() -> None:
    """Flow modules may live in the user's own package next to the checkout (``CALLWRIGHT_FLOW_MODULES=myivr.flows``):
    import them from the working directory, as ``uvicorn`` and ``python -m`` do. A console script alone would not."""
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)


def _serve(settings: Settings, host: str | None, port: int | None, workers: int = 1) -> int:
    import uvicorn

    from app.web.server import server_options

    if workers > 1 and settings.state_backend.value != "redis":
        print("--workers > 1 needs CALLWRIGHT_STATE_BACKEND=redis: memory state is per process", file=sys.stderr)
        return 2
    production = settings.environment.value == "production"
    uvicorn.run(
        "app.web.app:create_service",
        host=host or ("0.0.0.0" if production else "127.0.0.1"),
        port=port if port is not None else settings.port,
        **server_options()
        | {
            "workers": workers,
            # On SIGTERM: stop accepting, finish in-flight events within the grace period, then exit.
            "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        },
    )
    return 0


def _dev_environment(args: argparse.Namespace) -> None:
    """``dev``'s flags, as the variables the service reads (its uvicorn factory loads settings afresh)."""
    if args.port is not None:
        os.environ["CALLWRIGHT_PORT"] = str(args.port)
    if args.emulator_port is not None:
        os.environ["CALLWRIGHT_ACS_ENDPOINT"] = f"http://127.0.0.1:{args.emulator_port}"
    if args.flows is not None:
        os.environ["CALLWRIGHT_FLOW_MODULES"] = args.flows


def _dev(settings: Settings, time_scale: float) -> int:
    if settings.environment.value != "development":
        print("callwright dev runs only with CALLWRIGHT_ENVIRONMENT=development", file=sys.stderr)
        return 2
    if settings.acs_access_key is None:
        print("callwright dev runs the ACS emulator: leave CALLWRIGHT_ACS_ENDPOINT unset or http://", file=sys.stderr)
        return 2
    secret = settings.eventgrid_secret.get_secret_value() if settings.eventgrid_secret else ""
    endpoint = httpx.URL(settings.endpoint)
    emulator_port = endpoint.port or 8090
    # Never talk to whatever already answers there: its keys and its calls are not ours.
    for host, port, what in (
        (endpoint.host, emulator_port, "the ACS emulator's port (--emulator-port)"),
        (settings.public_host, settings.port, "the service's port (--port)"),
    ):
        if _in_use(host, port):
            print(f"callwright dev: port {port} is already in use; it is {what}", file=sys.stderr)
            return 1
    events_url = httpx.URL(settings.callback_url).copy_add_param(settings.eventgrid_secret_param, secret)
    emulator = subprocess.Popen(  # the emulator runs as its own process: only URLs and keys join the two
        [
            sys.executable,
            "-m",
            "simulator",
            "--host",
            endpoint.host,
            "--port",
            str(emulator_port),
            "--access-key",
            settings.access_key,
            "--resource-id",
            settings.resource_id,
            "--subscribe",
            str(events_url),
            "--time-scale",
            str(time_scale),
            "--quiet",  # one banner for both servers: ours, below
        ],
        env=os.environ.copy(),
    )
    try:
        if not _wait_until_serving(f"{settings.endpoint}/calling/keys", emulator):
            print("callwright dev: the ACS emulator did not start (see its output above)", file=sys.stderr)
            return 1
        print(_dev_banner(settings), flush=True)
        from app.devtools.reload import serve_with_reload  # the emulator keeps running; the service reloads

        # A SIGTERM must still reach the `finally` below, which stops the emulator.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        serve = ["serve", "--host", settings.public_host, "--port", str(settings.port)]
        return serve_with_reload(serve, emulator_url=settings.endpoint)
    finally:
        emulator.send_signal(signal.SIGINT)
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is not "in use"
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], seconds: float = 15.0) -> bool:
    """The service fetches the emulator's signing keys at startup: start it only once the emulator answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


_CALLER = "+15551230001"


def _dev_banner(settings: Settings) -> str:
    """What ``dev`` serves, from the flows actually loaded and the business hours as they are now."""
    from handlers.hours import open_now

    numbers = settings.flows
    lines: list[tuple[str, str]] = []  # (description, number to dial)
    for module in settings.flow_modules:
        if module == "flows.support_line":
            hours = "open now" if open_now(settings) else "closed now: it takes messages"
            lines.append(
                (
                    f"support line {numbers.support_number} ({hours}; {settings.ivr.timezone} business hours, "
                    "CALLWRIGHT_IVR_FORCE_OPEN=true opens it)",
                    numbers.support_number,
                )
            )
        elif module == "flows.front_desk":
            lines.append((f"front desk {numbers.front_desk_number}", numbers.front_desk_number))
        elif module == "flows.conference_bridge":
            pin = next(iter(settings.ivr.conference_pins), "none")
            lines.append((f"conference bridge {numbers.conference_number} (PIN {pin})", numbers.conference_number))
    other = [module for module in settings.flow_modules if not module.startswith("flows.")]
    text = [
        "",
        f"Callwright dev: the service on {settings.callback_base_url}, the ACS emulator on {settings.endpoint}.",
        "",
        f"  Dev phone: {settings.endpoint}/   (open it to call, hear, press keys, and watch the timeline and diagram)",
        "  Editing a flow, handler or config file reloads the service (calls in progress are ended).",
        "",
        f"Flows: {', '.join(settings.flow_modules) or 'none'} (CALLWRIGHT_FLOW_MODULES, or --flows).",
    ]
    text += [f"  {description}" for description, _ in lines]
    number = lines[0][1] if lines else "<a number your flow answers>"
    if other and not lines:
        text.append(f"  your flows: {', '.join(other)}")
    text += [
        "",
        f"Place a test call to {number} as {_CALLER}:",
        "",
        f"  curl -X POST {settings.endpoint}/simulator/calls -H 'content-type: application/json' \\",
        f'       -d \'{{"from": "{_CALLER}", "to": "{number}"}}\'',
        "",
        "Press keys as the caller (use the serverCallId the call returned):",
        "",
        f"  curl -X POST {settings.endpoint}/simulator/calls/<serverCallId>/parties/4:{_CALLER}/dtmf \\",
        "       -H 'content-type: application/json' -d '{\"tones\": \"1\"}'",
        "",
        f"See what happened: curl {settings.endpoint}/simulator/calls/<serverCallId>",
        "Start an outbound call: .venv/bin/callwright call --flow <flow> --to +15555550150 (uses the dev trigger key)",
        "",
    ]
    return "\n".join(text)


def _call_command(call: argparse.ArgumentParser, settings: Settings, args: argparse.Namespace) -> int:
    """``call``: flag problems are one usage line (exit 2); a service that cannot be reached is one line (exit 1)."""
    connect = {
        key: value
        for key, value in (
            ("roomId", args.connect_room),
            ("groupCallId", args.connect_group),
            ("serverCallId", args.connect_server_call),
        )
        if value
    }
    if len(connect) > 1:
        call.error("give only one of --connect-room, --connect-group, --connect-server-call")
    if connect and args.to:
        call.error("--to creates a call; --connect-* joins one: give one or the other")
    if not connect and not args.to:
        call.error(
            "give --to NUMBER (repeat it for a group call), or --connect-room/--connect-group/--connect-server-call"
        )
    state = {}
    for item in args.state:
        key, separator, value = item.partition("=")
        if not key or not separator:
            call.error(f"--state takes KEY=VALUE, got {item!r}")
        state[key] = value
    body: dict[str, object] = {"flow": args.flow, "state": state}
    if connect:
        body["connect"] = connect
    else:
        body["to"] = args.to if len(args.to) > 1 else args.to[0]
        body["callerId"] = args.caller_id
    base = args.url or settings.callback_base_url
    try:
        return asyncio.run(_post_call(settings, f"{base}/api/calls", body))
    except httpx.HTTPError as error:
        reason = type(error).__name__ if not str(error) else str(error)
        print(
            f"callwright call: cannot reach the service at {base} ({reason}); is it running (callwright dev)?",
            file=sys.stderr,
        )
        return 1


async def _post_call(settings: Settings, url: str, body: dict[str, object]) -> int:
    key = settings.trigger_api_key.get_secret_value() if settings.trigger_api_key else ""
    async with httpx.AsyncClient(timeout=30.0) as http:
        response = await http.post(url, json=body, headers={"Authorization": f"Bearer {key}"})
    try:
        print(json.dumps(response.json(), indent=2))
    except ValueError:
        print(f"callwright call: HTTP {response.status_code} from {url}: {response.text[:200]}", file=sys.stderr)
    return 0 if response.status_code == 202 else 1


if __name__ == "__main__":
    raise SystemExit(main())
