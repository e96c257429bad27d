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
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from contextlib import AbstractContextManager
from typing import Any, Literal

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"

# Normalised (lower case, no "_" or "-") key names whose values are always secret.
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
    }
)
_SECRET_KEY_SUFFIXES = ("token", "secret", "password", "apikey", "accesskey", "connectionstring", "callcontext")

_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-_.~+/=]+")
# JWT-shaped values (including the unsigned `alg: none` incomingCallContext, whose signature part is empty).
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_JSON_SECRET = re.compile(
    r"(?i)(\"(?:incomingCallContext|incoming_call_context|access_?key|token|secret|password|api_?key|authorization)\""
    r"\s*:\s*)\"(?:[^\"\\]|\\.)*\""
)
_DEFAULT_PARAMS = ("accesskey", "access_key", "secret", "token", "password", "pwd", "api_key", "apikey", "sig", "key")
_MAX_DEPTH = 8

_HANDLER_NAME = "callwright"
_QUIET_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity", "httpx", "httpcore")
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _param_pattern(names: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted({re.escape(name) for name in names}, key=len, reverse=True))
    # `name=value` in URLs (query strings) and in connection strings (`endpoint=...;accesskey=...`).
    return re.compile(rf"(?i)(?<![A-Za-z0-9_])({alternatives})=([^&;\s\"',]+)")


class Redactor:
    """A structlog processor masking secret keys (recursively) and secret-looking patterns in strings.

    Example::

        redact = Redactor(extra_params=["code"])
        redact(None, "info", {"event": "x", "token": "abc"})   # {"event": "x", "token": "[redacted]"}
    """

    def __init__(self, extra_params: Iterable[str] = ()) -> None:
        self._params = _param_pattern([*_DEFAULT_PARAMS, *extra_params])

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        for key, value in list(event_dict.items()):
            if key in ("exc_info", "_record", "_from_structlog"):
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
        text = _BEARER.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
        text = _JWT.sub(REDACTED, text)
        text = _JSON_SECRET.sub(lambda match: f'{match.group(1)}"{REDACTED}"', text)
        return self._params.sub(lambda match: f"{match.group(1)}={REDACTED}", text)


def redact(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """The default :class:`Redactor` as a plain processor (for ``capture_logs(processors=[redact])``)."""
    return _DEFAULT_REDACTOR(logger, method_name, event_dict)


_DEFAULT_REDACTOR = Redactor()


def _is_secret_key(key: str) -> bool:
    normalised = key.lower().replace("_", "").replace("-", "")
    return normalised in _SECRET_KEYS or normalised.endswith(_SECRET_KEY_SUFFIXES)


def configure_logging(
    format: Literal["json", "console"],
    level: str,
    *,
    secret_params: Iterable[str] = (),
    stream: Any = None,
) -> None:
    """Configure structlog and the stdlib root logger. Safe to call again (it replaces its own handler only).

    Args:
        format: ``"json"`` (production) or ``"console"`` (development).
        level: ``"DEBUG"``, ``"INFO"``, ``"WARNING"`` or ``"ERROR"``.
        secret_params: extra query-parameter names to mask in URLs (e.g. the Event Grid secret's name).
        stream: where lines go (default ``sys.stdout``).

    Example::

        configure_logging("console", "DEBUG")
    """
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
        final += [redactor, structlog.dev.ConsoleRenderer(colors=False)]

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
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=final))

    root = logging.getLogger()
    for old in [existing for existing in root.handlers if existing.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
        server_logger.disabled = False  # an earlier dictConfig may have disabled or raised it
        server_logger.setLevel(logging.NOTSET)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))


def add_trace_ids(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: ``trace_id`` and ``span_id`` of the current OpenTelemetry span, on every line logged
    inside one (with tracing off there is no valid span, and nothing is added)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


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
