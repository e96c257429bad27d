"""Structured logging for Callwright: structlog for our lines, stdlib (uvicorn, azure) routed through the same
processors, and redaction so secrets never reach a log line.

Every line carries an ISO timestamp, the level, the logger name and the context bound with :func:`bind_call`.
Production renders JSON, development a console format. Run uvicorn with ``log_config=None`` (``callwright serve``
does), or call :func:`configure_logging` after uvicorn has configured its own loggers.

Example::

    configure_logging("json", "INFO")
    log = get_logger("callwright.flows")
    with bind_call(call_connection_id="c-1", correlation_id="k-1", event_type="PlayFailed"):
        log.info("action_requested", action="play")     # carries call_connection_id, correlation_id, ...
"""

from app.logging.cached import CachedLogger
from app.logging.configuration import configure_logging, flush_logs, write_logs_directly
from app.logging.context import BoundValues, bind_call, collect_actions, get_logger, note_action
from app.logging.processors import add_logger_name, add_trace_ids, shorten_ids
from app.logging.redaction import REDACTED, Redactor, redact

__all__ = [
    "REDACTED",
    "BoundValues",
    "CachedLogger",
    "Redactor",
    "add_logger_name",
    "add_trace_ids",
    "bind_call",
    "collect_actions",
    "configure_logging",
    "flush_logs",
    "get_logger",
    "note_action",
    "redact",
    "shorten_ids",
    "write_logs_directly",
]
