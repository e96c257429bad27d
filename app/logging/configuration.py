"""Configure logging once per process: structlog renders our lines, stdlib records (uvicorn, azure) go through the
same processors, and one background writer writes both.

A line below its logger's level is dropped first. A line at or above it is rendered (context, level, name,
timestamp, trace, redaction, JSON) and handed to the writer (:mod:`app.logging.writer`) without passing through the
stdlib ``logging`` machinery, which keeps an INFO line at a few tens of microseconds; only when another handler
listens (pytest's ``caplog``, an OpenTelemetry or Azure Monitor log exporter) does it go through ``logging``, so
that handler receives it too.

Example::

    configure_logging("json", "INFO")
    get_logger("callwright.web").info("event_received", flow="front_desk")
    flush_logs()
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import IO, Any, Literal

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from app.logging.processors import IsoTimestamp, add_logger_name, add_trace_ids, render_json, shorten_ids
from app.logging.redaction import Redactor
from app.logging.writer import LineWriter

_HANDLER_NAME = "callwright"
_QUIET_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity", "httpx", "httpcore")
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error")
_ACCESS_LOGGER = "uvicorn.access"


class _LineLogger:
    """The logger structlog wraps: it receives a rendered line and hands it to the writer. ``stdlib`` is the
    standard logger of the same name, whose level (and whose other listeners) decide what happens to a line."""

    __slots__ = ("name", "stdlib", "_writer")

    def __init__(self, name: str, writer: LineWriter) -> None:
        self.name = name
        self.stdlib = logging.getLogger(name)
        self._writer = writer

    def msg(self, line: str) -> None:
        self._writer.put(line)

    debug = info = warning = error = critical = exception = fatal = msg


class _LineLoggerFactory:
    def __init__(self, writer: LineWriter) -> None:
        self._writer = writer

    def __call__(self, *args: Any) -> _LineLogger:
        return _LineLogger(str(args[0]) if args else "", self._writer)


class _StdlibLevelLogger(structlog.make_filtering_bound_logger(logging.DEBUG)):  # type: ignore[misc]
    """structlog's filtering logger, letting every level through to :func:`_filter_by_level`, and answering
    ``is_enabled_for`` with the standard logger's level, so ``if log.is_enabled_for(DEBUG)`` skips work as it should."""

    def is_enabled_for(self, level: int) -> bool:
        return bool(self._logger.stdlib.isEnabledFor(level))

    def get_effective_level(self) -> int:
        return int(self._logger.stdlib.getEffectiveLevel())


_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


def _filter_by_level(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Lines below the standard logger's level are dropped: levels stay the stdlib's to set (``LOG_LEVEL``, a
    test's ``caplog.set_level``, one noisy logger raised)."""
    if not logger.stdlib.isEnabledFor(_LEVELS.get(method_name, logging.INFO)):
        raise structlog.DropEvent
    return event_dict


def _forward_when_others_listen(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """When a handler other than ours listens (pytest's ``caplog``, an Azure Monitor exporter, a handler of the
    user's), the line goes through the standard ``logging`` call as a structlog record, so they receive it, and
    our handler renders it there. Otherwise it skips the stdlib machinery, which costs more than the rendering."""
    stdlib: logging.Logger = logger.stdlib
    if not _others_listen(stdlib):
        return event_dict
    stdlib.log(
        _LEVELS.get(method_name, logging.INFO),
        event_dict,
        extra={"_logger": logger, "_name": method_name},
        stacklevel=4,
    )
    raise structlog.DropEvent


def _others_listen(logger: logging.Logger) -> bool:
    current: logging.Logger | None = logger
    while current is not None:
        if any(not isinstance(handler, _StdlibLines) for handler in current.handlers):
            return True
        current = current.parent if current.propagate else None
    return False


class _StdlibLines(logging.Handler):
    """Renders stdlib records (uvicorn's, azure's) with the same processors, onto the same writer."""

    def __init__(self, writer: LineWriter, formatter: logging.Formatter) -> None:
        super().__init__()
        self.writer = writer
        self.setFormatter(formatter)
        self.set_name(_HANDLER_NAME)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.writer.put(self.format(record))
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        # Closed more than once: when replaced by a new configuration, and again by logging.shutdown at exit.
        self.writer.stop()
        super().close()


def configure_logging(
    format: Literal["json", "console"],
    level: str,
    *,
    secret_params: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> None:
    """Configure structlog and the stdlib root logger. Safe to call again (it replaces its own configuration only).

    Lines are written by a background thread (:class:`~app.logging.writer.LineWriter`); :func:`flush_logs` waits
    for them. uvicorn's access log stays off when uvicorn switched it off (``--no-access-log``,
    ``access_log=False``); when on, its lines are redacted like ours.

    Args:
        format: ``"json"`` (production) or ``"console"`` (development).
        level: ``"DEBUG"``, ``"INFO"``, ``"WARNING"`` or ``"ERROR"``, in any case.
        secret_params: extra query-parameter names to mask in URLs (e.g. the Event Grid secret's name).
        stream: where lines go (default ``sys.stdout``).

    Example::

        configure_logging("console", "DEBUG")
    """
    level = level.upper()
    numeric_level = logging.getLevelName(level)
    redactor = Redactor(secret_params)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        add_logger_name,
        IsoTimestamp(),
    ]
    # Redacted before anything leaves: a line forwarded to other handlers (an exporter) carries no secret either.
    if format == "json":
        redacted: list[Processor] = [structlog.processors.format_exc_info, redactor]
        rendered: list[Processor] = [render_json]
    else:
        redacted = [redactor]
        rendered = [shorten_ids, structlog.dev.ConsoleRenderer(colors=False)]
    final = [*redacted, *rendered]

    writer = LineWriter(stream if stream is not None else sys.stdout)
    structlog.configure(
        processors=[
            _filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            *redacted,
            _forward_when_others_listen,
            *rendered,
        ],
        wrapper_class=_StdlibLevelLogger,
        logger_factory=_LineLoggerFactory(writer),
        # Not cached: a reconfiguration (a test, a reload) must reach loggers created before it.
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )

    root = logging.getLogger()
    for old in [existing for existing in root.handlers if existing.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(_StdlibLines(writer, formatter))
    root.setLevel(level)
    for name in _SERVER_LOGGERS:
        _route_to_root(logging.getLogger(name))
    access = logging.getLogger(_ACCESS_LOGGER)
    if access.handlers or access.propagate:  # uvicorn turns it off by clearing both: keep it off then
        _route_to_root(access)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric_level))


def _route_to_root(server_logger: logging.Logger) -> None:
    server_logger.handlers.clear()
    server_logger.propagate = True
    server_logger.disabled = False  # an earlier dictConfig may have disabled or raised it
    server_logger.setLevel(logging.NOTSET)


def _writers() -> list[LineWriter]:
    return [handler.writer for handler in logging.getLogger().handlers if isinstance(handler, _StdlibLines)]


def flush_logs() -> None:
    """Block until every line logged so far has been written (tests, and before a process exits).

    Example::

        log.info("done"); flush_logs(); assert "done" in stream.getvalue()
    """
    for writer in _writers():
        writer.flush()


def write_logs_directly() -> None:
    """From now on, write log lines in place (call it when the service stops; see :meth:`LineWriter.stop`).

    Example::

        log.info("service_stopping"); write_logs_directly()
    """
    for writer in _writers():
        writer.stop()
