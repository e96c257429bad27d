"""Turn a decoded ``/Events`` body into typed events, whatever the schema.

Accepted bodies: an Event Grid array (``eventType`` + ``data``), a CloudEvents array (``type`` + ``specversion`` /
``source``), or one event object of either schema. The schema is detected per item. Unknown types become
:class:`UnknownEvent`; anything malformed raises :class:`EventParseError` with a short message that is safe to log
(it names the item, the event id and the failing fields, never field values).

Choices where the wire is vague: a body is all-or-nothing (one malformed item rejects the body, as an Event Grid
batch is delivered all-or-none; use :func:`parse_event` to go item by item); a missing ``data`` reads as ``{}``;
an unparseable envelope time becomes ``None`` rather than rejecting the event; ``id``/``type``/``time``/
``source``/``subject`` always come from the envelope, never from keys of the same name inside ``data``; the
Event Grid ``topic`` is exposed as ``source`` and ``eventTime`` as ``time``.

Example::

    events = parse_events(json.loads(body))
    for event in events:
        if isinstance(event, SubscriptionValidation):
            return JSONResponse({"validationResponse": event.validation_code})
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from app.errors import EventParseError, parse_problem
from app.events.base import CallEvent, Envelope, ResultInformation, UnknownEvent
from app.events.registry import EVENT_TYPES

# Event Grid batches hold at most 5000 events (batching, in
# https://learn.microsoft.com/azure/event-grid/delivery-and-retry); anything larger is not from Event Grid.
MAX_EVENTS = 5000

_ENVELOPE_KEYS = frozenset({"id", "type", "time", "source", "subject", "envelope", "raw"})
_COMMON_KEYS = ("callConnectionId", "serverCallId", "correlationId", "operationContext")
_MAX_ERRORS_SHOWN = 3
_PLAIN = re.compile(r"[A-Za-z0-9_]{1,40}")


def parse_events(payload: object) -> list[CallEvent]:
    """Parse a whole delivery body (already JSON-decoded) into typed events, in delivery order.

    Example::

        [event] = parse_events({"id": "1", "type": "Microsoft.Communication.CallConnected", ...})
    """
    if isinstance(payload, dict):
        items: list[Any] = [payload]
    elif isinstance(payload, list):
        items = payload
    else:
        raise EventParseError("the body must be a JSON array of events or a single event object")
    if len(items) > MAX_EVENTS:
        raise EventParseError(f"the body holds {len(items)} events; at most {MAX_EVENTS} are accepted")
    return [parse_event(item, index=index) for index, item in enumerate(items)]


def parse_event(item: object, *, index: int = 0) -> CallEvent:
    """Parse one Event Grid or CloudEvents object; ``index`` only labels error messages."""
    where = f"event #{index}"
    if not isinstance(item, dict):
        raise EventParseError(parse_problem(where, "must be a JSON object"))
    envelope, event_type, time, source = _envelope(item, where)
    event_id = item.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise EventParseError(parse_problem(where, "has no `id` string"))
    where = f"event #{index} (id {_short(event_id)})"
    data = item.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EventParseError(parse_problem(where, "`data` must be a JSON object"))
    facts: dict[str, Any] = {
        "id": event_id,
        "type": event_type,
        "time": time,
        "source": source if isinstance(source, str) else None,
        "subject": item["subject"] if isinstance(item.get("subject"), str) else None,
        "envelope": envelope,
        "raw": data,
    }
    cls = EVENT_TYPES.get(event_type)
    try:
        if cls is None:
            return UnknownEvent.model_validate({**_safe_common(data), **facts})
        fields = {key: value for key, value in data.items() if key not in _ENVELOPE_KEYS}
        return cls.model_validate({**fields, **facts})
    except ValidationError as error:
        label = cls.__name__ if cls is not None else "event"
        raise EventParseError(parse_problem(where, f"invalid {label} data: {_summary(error)}")) from None
    except (ValueError, TypeError, RecursionError):
        raise EventParseError(parse_problem(where, "data could not be read")) from None


def _envelope(item: dict[str, Any], where: str) -> tuple[Envelope, str, object, object]:
    if "eventType" in item:
        envelope: Envelope = "eventgrid"
        event_type, time, source = item["eventType"], item.get("eventTime"), item.get("topic")
    elif "type" in item:
        envelope = "cloudevents"
        event_type, time, source = item["type"], item.get("time"), item.get("source")
    else:
        raise EventParseError(parse_problem(where, "has neither `type` (CloudEvents) nor `eventType` (Event Grid)"))
    if not isinstance(event_type, str) or not event_type:
        raise EventParseError(parse_problem(where, "the event type must be a non-empty string"))
    return envelope, event_type, time, source


def _safe_common(data: dict[str, Any]) -> dict[str, Any]:
    """The common fields of an unmodelled event, kept only when well-formed (an unknown type never fails)."""
    common: dict[str, Any] = {key: data[key] for key in _COMMON_KEYS if isinstance(data.get(key), str)}
    try:
        common["resultInformation"] = ResultInformation.model_validate(data.get("resultInformation"))
    except ValidationError:
        pass
    return common


def _summary(error: ValidationError) -> str:
    problems = []
    for detail in error.errors(include_url=False, include_input=False, include_context=False)[:_MAX_ERRORS_SHOWN]:
        location = ".".join(_safe_part(part) for part in detail["loc"]) or "data"
        problems.append(f"{location}: {detail['msg']}")
    more = error.error_count() - _MAX_ERRORS_SHOWN
    return "; ".join(problems) + (f" (+{more} more)" if more > 0 else "")


def _safe_part(part: str | int) -> str:
    # Locations can contain keys chosen by the sender (e.g. SIP header names): keep them short and printable.
    text = str(part)
    return text if _PLAIN.fullmatch(text) else "<key>"


def _short(text: str, limit: int = 64) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
