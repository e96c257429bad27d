"""Structured logging for Callwright: structlog for our lines, stdlib (uvicorn, azure) routed through the same
processors, and a ``redact`` processor so secrets never reach a log line.

Every line carries an ISO timestamp, the level, the logger name and the context bound with :func:`bind_call`.
Production renders JSON, development a console format. Run uvicorn with ``log_config=None`` (``callwright serve``
does), or call :func:`configure_logging` after uvicorn has configured its own loggers.

Example::

    configure_logging("json", "INFO")
    log = get_logger("callwright.flows")
    with bind_call(call_connection_id="c-1", correlation_id="k-1", event_type="PlayFailed"):
        log.info("action_requested", action="play")     # carries call_connection_id, correlation_id, ...
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, Literal

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"

# Normalised (lower case, no "_" or "-") key names whose values are always secret, or caller input.
_SECRET_KEYS = frozenset(
    {
        "accesskey",
        "authorization",
        "token",
        "secret",
        "password",
        "connectionstring",
        "incomingcallcontext",
        "apikey",
        "cookie",
        "setcookie",
        # What callers press: PINs, account numbers, read-backs (docs/security.md).
        "digits",
        "tones",
        "dtmf",
        "pin",
        "pins",
    }
)
_SECRET_KEY_SUFFIXES = ("token", "secret", "password", "apikey", "accesskey", "connectionstring", "callcontext", "pin")
# Keys whose values are ids, names and numbers we produce ourselves: never scanned, which keeps INFO lines cheap.
# ("event" is scanned: for stdlib records, such as uvicorn's access lines, it holds the whole message.)
_SAFE_KEYS = frozenset(
    {
        "level",
        "logger",
        "timestamp",
        "call_connection_id",
        "server_call_id",
        "correlation_id",
        "event_id",
        "event_type",
        "channel",
        "flow",
        "action",
        "status",
        "kit",
        "handler",
        "length",
        "attempt",
        "attempts",
        "code",
        "sub_code",
        "received",
        "failed",
        "ms",
    }
)
_UNSCANNED = frozenset({"exc_info", "_record", "_from_structlog"})

_JSON_SECRET_NAMES = (
    "incomingCallContext|incoming_call_context|access_?key|token|secret|password|api_?key|authorization"
)
_DEFAULT_PARAMS = (
    "accesskey",
    "access_key",
    "secret",
    "token",
    "password",
    "pwd",
    "api_key",
    "apikey",
    "sig",
    "key",
    "seed",  # an outbound call's seed token: whoever holds it binds a call to its initial state
)
_MAX_DEPTH = 8

_HANDLER_NAME = "callwright"
_QUIET_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity", "httpx", "httpcore")
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error")
_ACCESS_LOGGER = "uvicorn.access"
_QUEUE_LINES = 10_000


def _secret_pattern(params: Iterable[str]) -> re.Pattern[str]:
    """ONE pattern for every secret shape, so a string is scanned once.

    Alternatives: ``Bearer``/``Basic`` credentials; JWT-shaped values (including the unsigned ``alg: none``
    incomingCallContext, whose signature part is empty); secret JSON members; ``name=value`` in URLs (query
    strings) and connection strings (``endpoint=...;accesskey=...``).
    """
    names = "|".join(sorted({re.escape(name) for name in params}, key=len, reverse=True))
    return re.compile(
        r"(?P<scheme>\b(?i:bearer|basic))\s+[A-Za-z0-9\-_.~+/=]+"
        r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
        rf"|(?P<member>\"(?i:{_JSON_SECRET_NAMES})\"\s*:\s*)\"(?:[^\"\\]|\\.)*\""
        rf"|(?<![A-Za-z0-9_])(?P<param>(?i:{names}))=[^&;\s\"',]+"
    )


def _mask(match: re.Match[str]) -> str:
    if match.group("scheme") is not None:
        return f"{match.group('scheme')} {REDACTED}"
    if match.group("member") is not None:
        return f'{match.group("member")}"{REDACTED}"'
    if match.group("param") is not None:
        return f"{match.group('param')}={REDACTED}"
    return REDACTED


class Redactor:
    """A structlog processor masking secret keys (recursively) and secret-looking patterns in strings.

    Known-safe keys (ids and names Callwright itself logs) are not scanned; everything else is, with one pattern.

    Example::

        redact = Redactor(extra_params=["code"])
        redact(None, "info", {"event": "x", "token": "abc"})   # {"event": "x", "token": "[redacted]"}
    """

    def __init__(self, extra_params: Iterable[str] = ()) -> None:
        self._pattern = _secret_pattern([*_DEFAULT_PARAMS, *extra_params])

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        for key, value in event_dict.items():
            if key in _SAFE_KEYS and isinstance(value, str | int | float | None):
                continue
            if key in _UNSCANNED:
                continue
            event_dict[key] = REDACTED if _is_secret_key(key) else self.clean(value)
        return event_dict

    def clean(self, value: Any, depth: int = 0) -> Any:
        """Return ``value`` with secrets masked; dicts, lists and tuples are rebuilt, other objects kept."""
        if isinstance(value, str):
            return self.clean_text(value)
        if depth >= _MAX_DEPTH:
            return value
        if isinstance(value, Mapping):
            return {
                key: REDACTED if isinstance(key, str) and _is_secret_key(key) else self.clean(item, depth + 1)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return type(value)(self.clean(item, depth + 1) for item in value)
        return value

    def clean_text(self, text: str) -> str:
        """Mask bearer tokens, JWT-shaped strings, ``secret=...`` pairs and secret JSON members in ``text``."""
        return self._pattern.sub(_mask, text)


def redact(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """The default :class:`Redactor` as a plain processor (for ``capture_logs(processors=[redact])``)."""
    return _DEFAULT_REDACTOR(logger, method_name, event_dict)


_DEFAULT_REDACTOR = Redactor()


def _is_secret_key(key: str) -> bool:
    normalised = key.lower().replace("_", "").replace("-", "")
    return normalised in _SECRET_KEYS or normalised.endswith(_SECRET_KEY_SUFFIXES)


_EVENT_TYPE_PREFIX = "Microsoft.Communication."
_SHORT_ID = 8


def shorten_ids(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Console only: ids shortened to a greppable prefix, so a line fits a terminal (JSON keeps them whole).

    The 150-character ``server_call_id`` is left out when the line names its call connection.
    """
    if "call_connection_id" in event_dict and event_dict.get("call_connection_id") is not None:
        event_dict.pop("server_call_id", None)
    for key in ("call_connection_id", "correlation_id", "event_id", "server_call_id"):
        value = event_dict.get(key)
        if isinstance(value, str) and len(value) > _SHORT_ID + 1:
            event_dict[key] = value[:_SHORT_ID] if key != "server_call_id" else "…" + value[-20:]
    event_type = event_dict.get("event_type")
    if isinstance(event_type, str):
        event_dict["event_type"] = event_type.removeprefix(_EVENT_TYPE_PREFIX)
    return event_dict


class _QueuedHandler(logging.handlers.QueueHandler):
    """Renders each line on the logging thread, writes it on a background thread.

    A blocked stdout (a full pipe, a slow log shipper) then never stalls the event loop. Past ``capacity``
    waiting lines, new lines are dropped and counted (``dropped``) rather than blocking a call.
    """

    def __init__(self, stream: Any, formatter: logging.Formatter, capacity: int = _QUEUE_LINES) -> None:
        lines: queue.Queue[logging.LogRecord] = queue.Queue(capacity)
        super().__init__(lines)
        self.setFormatter(formatter)
        self.dropped = 0
        writer = logging.StreamHandler(stream)
        writer.setFormatter(logging.Formatter("%(message)s"))
        self._writer = writer
        self.listener = logging.handlers.QueueListener(lines, writer)
        self.listener.start()
        self._listening = True

    def enqueue(self, record: logging.LogRecord) -> None:
        if not self._listening:  # shutting down: write in place, nothing is left to stall
            self._writer.handle(record)
            return
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1

    def flush(self) -> None:
        """Wait until every queued line is written."""
        lines = self.queue
        if self._listening and isinstance(lines, queue.Queue):
            lines.join()

    def write_directly(self) -> None:
        """Write what is queued, then write each new line in place (for shutdown: a server that ends by
        re-raising SIGTERM, as uvicorn does, never runs exit handlers that would write the queue)."""
        if self._listening:
            self._listening = False
            self.listener.stop()  # writes what is queued, then ends the thread

    def close(self) -> None:
        # Closed more than once: when replaced by a new configuration, and again by logging.shutdown at exit.
        self.write_directly()
        super().close()


def flush_logs() -> None:
    """Block until every line logged so far has been written (tests, and before a process exits).

    Example::

        log.info("done"); flush_logs(); assert "done" in stream.getvalue()
    """
    for handler in logging.getLogger().handlers:
        if handler.get_name() == _HANDLER_NAME:
            handler.flush()


def write_logs_directly() -> None:
    """From now on, write log lines in place (call it when the service stops: see ``_QueuedHandler``).

    Example::

        log.info("service_stopping"); write_logs_directly()
    """
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _QueuedHandler):
            handler.write_directly()


def configure_logging(
    format: Literal["json", "console"],
    level: str,
    *,
    secret_params: Iterable[str] = (),
    stream: Any = None,
) -> None:
    """Configure structlog and the stdlib root logger. Safe to call again (it replaces its own handler only).

    Lines are written by a background thread (see :class:`_QueuedHandler`); :func:`flush_logs` waits for them.
    uvicorn's access log stays off when uvicorn switched it off (``--no-access-log``, ``access_log=False``);
    when on, its lines are redacted like ours.

    Args:
        format: ``"json"`` (production) or ``"console"`` (development).
        level: ``"DEBUG"``, ``"INFO"``, ``"WARNING"`` or ``"ERROR"``, in any case.
        secret_params: extra query-parameter names to mask in URLs (e.g. the Event Grid secret's name).
        stream: where lines go (default ``sys.stdout``).

    Example::

        configure_logging("console", "DEBUG")
    """
    level = level.upper()
    redactor = Redactor(secret_params)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if format == "json":
        final += [structlog.processors.format_exc_info, redactor, structlog.processors.JSONRenderer()]
    else:
        final += [redactor, shorten_ids, structlog.dev.ConsoleRenderer(colors=False)]

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = _QueuedHandler(
        stream if stream is not None else sys.stdout,
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=final),
    )
    handler.set_name(_HANDLER_NAME)

    root = logging.getLogger()
    for old in [existing for existing in root.handlers if existing.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    for name in _SERVER_LOGGERS:
        _route_to_root(logging.getLogger(name))
    access = logging.getLogger(_ACCESS_LOGGER)
    if access.handlers or access.propagate:  # uvicorn turns it off by clearing both: keep it off then
        _route_to_root(access)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _route_to_root(server_logger: logging.Logger) -> None:
    server_logger.handlers.clear()
    server_logger.propagate = True
    server_logger.disabled = False  # an earlier dictConfig may have disabled or raised it
    server_logger.setLevel(logging.NOTSET)


def add_trace_ids(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: ``trace_id`` and ``span_id`` of the current OpenTelemetry span, on every line logged
    inside one (with tracing off there is no valid span, and nothing is added)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


_ACTIONS: ContextVar[list[str] | None] = ContextVar("callwright_actions", default=None)


@contextmanager
def collect_actions() -> Iterator[list[str]]:
    """Collect the names of the actions requested inside the block (see :func:`note_action`).

    The web edge logs ONE line per event at INFO, after its handler ran, naming what the handler asked ACS to do;
    each action's own line (target, prompt, context) is at DEBUG.

    Example::

        with collect_actions() as actions:
            await dispatcher.dispatch(event)
        log.info("event_received", actions=actions)      # actions == ["answer"]
    """
    actions: list[str] = []
    token = _ACTIONS.set(actions)
    try:
        yield actions
    finally:
        _ACTIONS.reset(token)


def note_action(action: str) -> None:
    """Record that ``action`` was requested, for the enclosing :func:`collect_actions` (if any)."""
    actions = _ACTIONS.get()
    if actions is not None:
        actions.append(action)


def bind_call(
    *,
    call_connection_id: str | None = None,
    server_call_id: str | None = None,
    correlation_id: str | None = None,
    event_type: str | None = None,
    operation_context: str | None = None,
    **extra: object,
) -> AbstractContextManager[None]:
    """Bind call ids to every line logged inside the ``with`` block (None values are left out).

    Example::

        with bind_call(call_connection_id=event.call_connection_id, event_type=event.type):
            await handler(event)
    """
    values: MutableMapping[str, object] = {
        "call_connection_id": call_connection_id,
        "server_call_id": server_call_id,
        "correlation_id": correlation_id,
        "event_type": event_type,
        "operation_context": operation_context,
        **extra,
    }
    return structlog.contextvars.bound_contextvars(**{k: v for k, v in values.items() if v is not None})


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger named ``name`` (the stdlib logger name, e.g. ``callwright.dispatch``).

    Example::

        log = get_logger("callwright.web")
        log.info("event_received", event_id="...")
    """
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
