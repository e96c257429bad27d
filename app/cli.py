"""The ``callwright`` console command.

callwright dev                      # the service + the ACS emulator, subscribed to each other (make run)
callwright serve                    # the service alone (production uses the Procfile instead)
callwright simulator [options]      # the ACS emulator alone (same as python -m simulator)
callwright call --flow F --to N     # start an outbound call through the running service
callwright diagram <call>           # a call's sequence diagram, Mermaid or SVG (from the emulator or a log)
callwright calls | dial | press | say | hangup | tail    # drive the emulator's calls (app/devtools/cli.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx

from app.devtools.cli import COMMANDS as DEVTOOLS
from app.devtools.cli import main as devtools
from config.settings import Settings, SettingsError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="callwright", description="Callwright: IVR apps on ACS Call Automation")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service")
    serve.add_argument("--host", default=None, help="default 0.0.0.0 in production, 127.0.0.1 in development")
    serve.add_argument("--port", type=int, default=None, help="default CALLWRIGHT_PORT (8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (more than 1 needs the redis backend)")

    dev = commands.add_parser("dev", help="run the service and the ACS emulator together on the dev defaults")
    dev.add_argument("--time-scale", type=float, default=1.0, help="emulator time scale (1 = real time)")

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
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"callwright: {error}", file=sys.stderr)
        return 2
    if args.command == "serve":
        _import_from_working_directory()
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "dev":
        _import_from_working_directory()
        return _dev(settings, args.time_scale)
    return asyncio.run(_call(settings, args))


def _simulator(argv: Sequence[str]) -> int:
    # The emulator is its own program; the app package never imports it.
    try:
        return subprocess.call([sys.executable, "-m", "simulator", *argv])
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
        "app.web.app:create_app",
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


def _dev(settings: Settings, time_scale: float) -> int:
    if settings.environment.value != "development":
        print("callwright dev runs only with CALLWRIGHT_ENVIRONMENT=development", file=sys.stderr)
        return 2
    if settings.acs_access_key is None:
        print("callwright dev runs the ACS emulator: leave CALLWRIGHT_ACS_ENDPOINT unset or http://", file=sys.stderr)
        return 2
    secret = settings.eventgrid_secret.get_secret_value() if settings.eventgrid_secret else ""
    endpoint = httpx.URL(settings.endpoint)
    events_url = httpx.URL(settings.callback_url).copy_add_param(settings.eventgrid_secret_param, secret)
    emulator = subprocess.Popen(  # the emulator runs as its own process: only URLs and keys join the two
        [
            sys.executable,
            "-m",
            "simulator",
            "--host",
            endpoint.host,
            "--port",
            str(endpoint.port or 8090),
            "--access-key",
            settings.access_key,
            "--resource-id",
            settings.resource_id,
            "--subscribe",
            str(events_url),
            "--time-scale",
            str(time_scale),
        ],
        env=os.environ.copy(),
    )
    try:
        if not _wait_until_serving(f"{settings.endpoint}/calling/keys", emulator):
            print("callwright dev: the ACS emulator did not start (see its output above)", file=sys.stderr)
            return 1
        print(_dev_banner(settings), flush=True)
        from app.devtools.reload import serve_with_reload  # the emulator keeps running; the service reloads

        serve = ["serve", "--host", settings.public_host, "--port", str(settings.port)]
        return serve_with_reload(serve, emulator_url=settings.endpoint)
    finally:
        emulator.send_signal(signal.SIGINT)
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()


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


def _dev_banner(settings: Settings) -> str:
    numbers = settings.flows
    pin = next(iter(settings.ivr.conference_pins), "none")
    return f"""
Callwright dev: the service on {settings.callback_base_url}, the ACS emulator on {settings.endpoint}.

  Dev phone: {settings.endpoint}/   (open it to call, hear, press keys, and watch the timeline and diagram)
  Editing a flow, handler or config file reloads the service (calls in progress are ended).

Sample lines: support {numbers.support_number} (open {settings.ivr.timezone} business hours;
CALLWRIGHT_IVR_FORCE_OPEN=true to skip), front desk {numbers.front_desk_number}, conference bridge
{numbers.conference_number} (PIN {pin}). Place a test call to the support line:

  curl -X POST {settings.endpoint}/simulator/calls -H 'content-type: application/json' \\
       -d '{{"from": "+15551230001", "to": "{numbers.support_number}"}}'

Press keys as the caller (use the serverCallId the call returned):

  curl -X POST {settings.endpoint}/simulator/calls/<serverCallId>/parties/4:+15551230001/dtmf \\
       -H 'content-type: application/json' -d '{{"tones": "1"}}'

See what happened: curl {settings.endpoint}/simulator/calls/<serverCallId>
"""


async def _call(settings: Settings, args: argparse.Namespace) -> int:
    body: dict[str, object] = {"flow": args.flow, "state": dict(_pair(item) for item in args.state)}
    connect = {
        key: value
        for key, value in (
            ("roomId", args.connect_room),
            ("groupCallId", args.connect_group),
            ("serverCallId", args.connect_server_call),
        )
        if value
    }
    if connect:
        body["connect"] = connect
    else:
        body["to"] = args.to if args.to and len(args.to) > 1 else (args.to or [None])[0]
        body["callerId"] = args.caller_id
    key = settings.trigger_api_key.get_secret_value() if settings.trigger_api_key else ""
    base = args.url or settings.callback_base_url
    async with httpx.AsyncClient(timeout=30.0) as http:
        response = await http.post(f"{base}/api/calls", json=body, headers={"Authorization": f"Bearer {key}"})
    print(json.dumps(response.json(), indent=2))
    return 0 if response.status_code == 202 else 1


def _pair(item: str) -> tuple[str, str]:
    key, _, value = item.partition("=")
    if not key or not _:
        raise SystemExit(f"--state takes KEY=VALUE, got {item!r}")
    return key, value


if __name__ == "__main__":
    raise SystemExit(main())
