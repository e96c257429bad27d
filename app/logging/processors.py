"""The structlog processors Callwright adds to every line, besides redaction: the logger's name, the current trace,
ids shortened to fit a terminal (console), and the JSON rendering (production).

Example::

    structlog.configure(processors=[add_logger_name, add_trace_ids, render_json])
"""

from __future__ import annotations

import json
import time

import orjson
from opentelemetry import trace
from structlog.typing import EventDict, WrappedLogger


def add_logger_name(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """``logger``: the name the logger was created with (``get_logger("callwright.web")``); stdlib records carry
    their own."""
    record = event_dict.get("_record")
    event_dict["logger"] = record.name if record is not None else getattr(logger, "name", "")
    return event_dict


def add_trace_ids(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: ``trace_id`` and ``span_id`` of the current OpenTelemetry span, on every line logged
    inside one (with tracing off there is no valid span, and nothing is added)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


class IsoTimestamp:
    """A structlog processor: ``timestamp``, now, in UTC, exactly as ``structlog.processors.TimeStamper(fmt="iso",
    utc=True)`` writes it (``2026-12-01T15:24:45.123456Z``; no fraction when the microseconds are 0), with the date
    and time of day formatted once per second rather than through a ``datetime`` on every line.

    Example::

        structlog.configure(processors=[IsoTimestamp(), render_json])
    """

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")  # one tuple: a thread logging at the same time reads a whole pair

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        event_dict["timestamp"] = self.format(time.time_ns())
        return event_dict

    def format(self, ns: int) -> str:
        """The timestamp of ``ns`` nanoseconds since the epoch (microseconds truncated)."""
        second, rest = divmod(ns, 1_000_000_000)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        micro = rest // 1000
        return f"{cached[1]}.{micro:06d}Z" if micro else cached[1] + "Z"


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


def render_json(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> str:
    """The line as one JSON object: orjson (a tenth of the stdlib encoder's cost per line), with ``repr`` for what
    JSON cannot hold, and the stdlib encoder for the rare value orjson refuses (an integer past 64 bits)."""
    try:
        return orjson.dumps(event_dict, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(event_dict, default=repr)
