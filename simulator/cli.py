"""``python -m simulator``: run the ACS emulator from the command line.

Every option can also come from ``CALLWRIGHT_SIMULATOR_<OPTION>`` (``--time-scale`` ↔
``CALLWRIGHT_SIMULATOR_TIME_SCALE``); list options take comma-separated values there. The command line wins.

Example::

    python -m simulator --port 8090 --subscribe 'http://127.0.0.1:8000/Events?secret=dev'
    main(["--tls", "--state-dir", "/tmp/sim"])     # what ``callwright simulator`` calls
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import dataclasses
import logging
import os
import re
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from simulator.config import DEFAULT_HOST, DEFAULT_PORT, DEV_ACCESS_KEY, SimulatorConfig
from simulator.config import SubscriptionSpec as _Spec

ENV_PREFIX = "CALLWRIGHT_SIMULATOR_"
LOG_LEVELS = ("debug", "info", "warning", "error")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_T = TypeVar("_T")


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError("must be 0-65535")
    return port


def _access_key(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64 (the SDK decodes it as the HMAC key)") from exc
    return value


def _resource_id(value: str) -> str:
    return str(uuid.UUID(value))


def _time_scale(value: str) -> float:
    scale = float(value)
    if not 0 < scale <= 1000:
        raise ValueError("must be > 0 and <= 1000")
    return scale


def _phone(value: str) -> str:
    if not _E164.match(value):
        raise ValueError("must be an E.164 number such as +18005550100")
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    return value


def _header(value: str) -> tuple[str, str]:
    name, sep, rest = value.partition(":")
    if not sep or not name.strip() or not re.match(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name.strip()):
        raise ValueError("must look like 'Name: value'")
    return name.strip(), rest.strip()


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def _argtype(convert: Callable[[str], _T]) -> Callable[[str], _T]:
    def parse(value: str) -> _T:
        try:
            return convert(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{value!r} {exc}") from exc

    parse.__name__ = convert.__name__.strip("_")
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        # `callwright simulator` runs this module as its own process and names itself in the usage line.
        prog=os.environ.get(f"{ENV_PREFIX}PROG", "python -m simulator"),
        description="Local emulator of ACS Call Automation and Event Grid. Every option also reads "
        f"{ENV_PREFIX}<OPTION> (e.g. {ENV_PREFIX}PORT); list options take comma-separated values there.",
    )
    add = parser.add_argument
    add("--host", help=f"interface to listen on (default {DEFAULT_HOST})")
    add("--port", type=_argtype(_port), help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    add("--access-key", type=_argtype(_access_key), help="base64 HMAC key (default: the documented dev key)")
    add("--resource-id", type=_argtype(_resource_id), help="immutable resource id GUID = JWT audience")
    add("--tls", action="store_true", default=None, help="serve HTTPS with a local CA (see --state-dir)")
    add("--state-dir", help="where the TLS CA and certificates go (default .callwright/simulator)")
    add("--public-url", type=_argtype(_url), help="base URL to advertise, if not http(s)://host:port")
    add(
        "--subscribe",
        action="append",
        type=_argtype(_url),
        metavar="URL",
        help="Event Grid webhook for IncomingCall (repeatable; may carry a ?secret=...)",
    )
    add("--subscribe-schema", choices=("eventgrid", "cloudevents"), help="delivery schema (default eventgrid)")
    add(
        "--subscribe-header",
        action="append",
        type=_argtype(_header),
        metavar="'NAME: VALUE'",
        help="custom delivery header for the subscriptions (repeatable)",
    )
    add("--subscribe-name", help="subscription name (default callwright; more URLs get -2, -3, ...)")
    add(
        "--owned-number",
        action="append",
        type=_argtype(_phone),
        metavar="+1...",
        help="a number the resource owns (repeatable; replaces the defaults)",
    )
    add(
        "--entra-issuer",
        metavar="ISSUER",
        help="also accept Entra ID bearer tokens (managed identity) from this issuer; needs --entra-jwks",
    )
    add("--entra-jwks", metavar="FILE", help="a JWKS file with the public keys of the --entra-issuer")
    add(
        "--realism",
        action="store_const",
        const=True,
        help="send the variety real ACS sends: CallConnected/ParticipantsUpdated in either order, sequenceNumber "
        "gaps, roster-neutral ParticipantsUpdated",
    )
    add("--realism-seed", type=int, metavar="N", help="seed for --realism choices (default 0)")
    add("--time-scale", type=_argtype(_time_scale), help="multiply simulated durations (default 1; 0.1 = 10x faster)")
    add("--log-level", choices=LOG_LEVELS, help="default info")
    add("--quiet", action="store_true", help="no startup banner (callwright dev prints one for both servers)")
    return parser


_SCALARS: dict[str, Callable[[str], Any]] = {
    "host": str,
    "port": _port,
    "access_key": _access_key,
    "resource_id": _resource_id,
    "tls": _bool,
    "state_dir": str,
    "public_url": _url,
    "subscribe_schema": str,
    "subscribe_name": str,
    "time_scale": _time_scale,
    "log_level": str.lower,
    "entra_issuer": str,
    "entra_jwks": str,
    "realism": _bool,
    "realism_seed": int,
}
_LISTS: dict[str, Callable[[str], Any]] = {
    "subscribe": _url,
    "subscribe_header": _header,
    "owned_number": _phone,
}


def _env_value(parser: argparse.ArgumentParser, dest: str, raw: str, convert: Callable[[str], Any]) -> Any:
    name = ENV_PREFIX + dest.upper()
    try:
        value = convert(raw.strip())
    except ValueError as exc:
        parser.error(f"{name}={raw!r} {exc}")
    if dest == "subscribe_schema" and value not in ("eventgrid", "cloudevents"):
        parser.error(f"{name} must be eventgrid or cloudevents")
    if dest == "log_level" and value not in LOG_LEVELS:
        parser.error(f"{name} must be one of {', '.join(LOG_LEVELS)}")
    return value


def _parse(argv: Sequence[str] | None, environ: Mapping[str, str]) -> tuple[SimulatorConfig, str]:
    parser = build_parser()
    args = parser.parse_args(argv)
    for dest, convert in _SCALARS.items():
        raw = environ.get(ENV_PREFIX + dest.upper())
        if getattr(args, dest) is None and raw is not None:
            setattr(args, dest, _env_value(parser, dest, raw, convert))
    for dest, convert in _LISTS.items():
        raw = environ.get(ENV_PREFIX + dest.upper())
        if getattr(args, dest) is None and raw is not None:
            items = [item for item in raw.split(",") if item.strip()]
            setattr(args, dest, [_env_value(parser, dest, item, convert) for item in items])
    name = args.subscribe_name or "callwright"
    if not re.match(r"^[A-Za-z0-9-]{3,62}$", name):
        parser.error("--subscribe-name must be 3-62 letters, digits or hyphens")
    if bool(args.entra_issuer) != bool(args.entra_jwks):
        parser.error("--entra-issuer and --entra-jwks go together")
    if args.entra_jwks and not os.path.isfile(args.entra_jwks):
        parser.error(f"--entra-jwks {args.entra_jwks!r} is not a file")
    headers = dict(args.subscribe_header or [])
    subscriptions = tuple(
        _Spec(
            url=url,
            schema=args.subscribe_schema or "eventgrid",
            name=name if i == 0 else f"{name}-{i + 1}",
            headers=headers,
        )
        for i, url in enumerate(args.subscribe or [])
    )
    defaults = SimulatorConfig()
    config = dataclasses.replace(
        defaults,
        host=args.host or defaults.host,
        port=args.port if args.port is not None else defaults.port,
        access_key=args.access_key or defaults.access_key,
        resource_id=args.resource_id or defaults.resource_id,
        tls=bool(args.tls),
        subscriptions=subscriptions,
        time_scale=args.time_scale or defaults.time_scale,
        owned_numbers=tuple(args.owned_number) if args.owned_number else defaults.owned_numbers,
        state_dir=args.state_dir or defaults.state_dir,
        public_url=args.public_url,
        entra_issuer=args.entra_issuer,
        entra_jwks=args.entra_jwks,
        realism=bool(args.realism),
        realism_seed=args.realism_seed if args.realism_seed is not None else defaults.realism_seed,
    )
    return config, args.log_level or "info"


def parse_config(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> SimulatorConfig:
    """Options and ``CALLWRIGHT_SIMULATOR_*`` variables → :class:`SimulatorConfig` (exits 2 on bad input).

    Example::

        parse_config(["--port", "0", "--time-scale", "0.1"], environ={})
    """
    return _parse(argv, os.environ if environ is None else environ)[0]


def banner(config: SimulatorConfig, ca_path: str | None = None) -> str:
    """What the emulator prints on start: where it is and how to use it."""
    base = config.base_url
    key = config.access_key if config.access_key == DEV_ACCESS_KEY else "<your --access-key>"
    cacert = f" --cacert {ca_path}" if ca_path else ""
    first_number = config.owned_numbers[0] if config.owned_numbers else "+18005550100"
    lines = [
        "Callwright ACS emulator",
        f"  endpoint           {base}",
        f"  connection string  endpoint={base}/;accesskey={key}",
        f"  resource id        {config.resource_id}   (the JWT audience)",
        f"  JWT issuer         {config.issuer}",
        f"  JWKS               {base}/calling/keys",
    ]
    if ca_path:
        lines += [
            f"  TLS CA             {ca_path}",
            f"    trust it: REQUESTS_CA_BUNDLE={ca_path} (sync SDK), connection_verify='{ca_path}' (async SDK)",
        ]
    else:
        lines.append("  (plain HTTP: use CallAutomationClient(endpoint, AzureKeyCredential(key)); --tls for https)")
    if config.entra_issuer:
        lines.append(f"  Entra ID tokens    accepted from {config.entra_issuer} (keys: {config.entra_jwks})")
    for spec in config.subscriptions:
        lines.append(f"  Event Grid         {spec.name} -> {_redacted(spec.url)} ({spec.schema})")
    lines += [
        f"  owned numbers      {', '.join(config.owned_numbers)}",
        "  place a test call:",
        f"    curl -X POST {base}/simulator/calls{cacert} -H 'content-type: application/json' \\",
        f'      -d \'{{"from":"+15551230001","to":"{first_number}"}}\'',
    ]
    return "\n".join(lines)


def _redacted(url: str) -> str:
    from simulator.delivery.redact import redact_url

    return redact_url(url)


class ConsoleFormatter(logging.Formatter):
    """Lines in the service's development format (``callwright dev`` shows both servers' lines together):
    ``2026-12-01T10:26:09.112803Z [info     ] message                        [logger]``."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        line = f"{stamp} [{record.levelname.lower():<9}] {record.getMessage():<30} [{record.name}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _configure_logging(log_level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(ConsoleFormatter())
    logging.basicConfig(level=log_level.upper(), handlers=[handler], force=True)


async def _serve(config: SimulatorConfig, log_level: str, *, quiet: bool = False) -> None:
    import uvicorn

    from simulator.app import create_simulator
    from simulator.server import KEEP_ALIVE_SECONDS, bind_socket, wait_started
    from simulator.tls import ensure_tls_files

    tls = await asyncio.to_thread(ensure_tls_files, config.state_dir) if config.tls else None
    sock = bind_socket(config.host, config.port)
    try:
        port = sock.getsockname()[1]
        final = dataclasses.replace(config, port=port)
        app = create_simulator(final)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level=log_level,
                log_config=None,  # uvicorn's lines go through the root handler: one format for every line
                ssl_certfile=str(tls.cert_path) if tls else None,
                ssl_keyfile=str(tls.key_path) if tls else None,
                lifespan="on",
                timeout_graceful_shutdown=5,
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
            )
        )
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            await wait_started(server, task)
        except RuntimeError:
            await task  # re-raise the server's own error (e.g. the app failed to start)
            raise
        if not quiet:
            print(banner(final, str(tls.ca_path) if tls else None), flush=True)
        await task
    finally:
        sock.close()


def _fastest_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with ``uvicorn[standard]``): the emulator does less per callback."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until Ctrl-C; returns the process exit code."""
    config, log_level = _parse(argv, os.environ)
    quiet = build_parser().parse_args(argv).quiet
    _configure_logging(log_level)
    try:
        with asyncio.Runner(loop_factory=_fastest_loop()) as runner:
            runner.run(_serve(config, log_level, quiet=quiet))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"error: cannot serve on {config.host}:{config.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
