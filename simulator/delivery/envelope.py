"""The shapes ACS and Event Grid put on the wire: CloudEvents callbacks and IncomingCall events.

Example::

    event = callback_envelope("CallConnected", {}, call_connection_id="cc-1", server_call_id="sc-1")
    event["type"]        # "Microsoft.Communication.CallConnected"
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from simulator.clock import acs_timestamp
from simulator.delivery.eras import shape
from simulator.faults import EVENT_PREFIX, short_event_type

# The api-version stamped into callback data when the world gave none; the world stamps the api-version of the
# request that created the call connection, as real ACS does (the SDK live-test captures show 2023-10-03-preview,
# 2024-04-15, 2024-09-01-preview and 2026-03-12).
CALLBACK_DATA_VERSION = "2026-03-12"
INCOMING_CALL_TYPE = "Microsoft.Communication.IncomingCall"
VALIDATION_EVENT_TYPE = "Microsoft.EventGrid.SubscriptionValidationEvent"
RESOURCE_GROUP = "callwright-emulator"
RESOURCE_NAME = "callwright-emulator"
_SUCCESS_RESULT = {"code": 200, "subCode": 0, "message": ""}


def eventgrid_time(now: datetime | None = None) -> str:
    """``2023-04-04T17:18:42.5542219Z``: Event Grid's ``eventTime`` style."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def correlation_for(server_call_id: str) -> str:
    """A stable correlation id for a call when the world gave none: every event of a call agrees."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"callwright:{server_call_id}"))


def callback_envelope(
    event_type: str,
    data: Mapping[str, Any],
    *,
    call_connection_id: str,
    server_call_id: str,
) -> dict[str, Any]:
    """One mid-call callback as a CloudEvents 1.0 dict, its ``data`` shaped for its api-version (see eras.py)."""
    short = short_event_type(event_type)
    body = dict(data)
    body.setdefault("callConnectionId", call_connection_id)
    body.setdefault("serverCallId", server_call_id)
    body.setdefault("correlationId", correlation_for(server_call_id))
    body.setdefault("resultInformation", dict(_SUCCESS_RESULT))
    body.setdefault("version", CALLBACK_DATA_VERSION)
    body["publicEventType"] = EVENT_PREFIX + short
    if short == "RecordingStateChanged":
        recording_id = str(body.get("recordingId", ""))
        source = f"calling/recordings/{server_call_id}/{recording_id}/RecordingStateChanged"
    else:
        source = f"calling/callConnections/{call_connection_id}"
    short, body = shape(short, body, source=source)
    full_type = EVENT_PREFIX + short
    return {
        "id": str(uuid.uuid4()),
        "source": source,
        "type": full_type,
        "data": body,
        "time": acs_timestamp(),
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "subject": source,
    }


def resource_topic(resource_id: str) -> str:
    """The ARM path of the emulated Communication Services resource (the Event Grid ``topic``).

    The ARM subscription GUID is derived from the resource id, so it is stable across restarts.
    """
    subscription = uuid.uuid5(uuid.NAMESPACE_URL, f"callwright-subscription:{resource_id}")
    return (
        f"/subscriptions/{subscription}/resourceGroups/{RESOURCE_GROUP}"
        f"/providers/Microsoft.Communication/communicationServices/{RESOURCE_NAME}"
    )


def _raw_id(identifier: Any) -> str:
    if isinstance(identifier, Mapping):
        return str(identifier.get("rawId", ""))
    return ""


def incoming_call_event(
    data: Mapping[str, Any], *, topic: str, schema: str, event_id: str | None = None
) -> dict[str, Any]:
    """``Microsoft.Communication.IncomingCall`` in the Event Grid or CloudEvents schema
    (https://learn.microsoft.com/azure/event-grid/communication-services-voice-video-events)."""
    subject = f"/caller/{_raw_id(data.get('from'))}/recipient/{_raw_id(data.get('to'))}"
    event_id = event_id or str(uuid.uuid4())
    if schema == "cloudevents":
        return {
            "id": event_id,
            "source": topic,
            "subject": subject,
            "data": dict(data),
            "type": INCOMING_CALL_TYPE,
            "time": eventgrid_time(),
            "specversion": "1.0",
        }
    return {
        "id": event_id,
        "topic": topic,
        "subject": subject,
        "data": dict(data),
        "eventType": INCOMING_CALL_TYPE,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": eventgrid_time(),
    }


def validation_event(*, topic: str, code: str, validation_url: str) -> dict[str, Any]:
    """The ``SubscriptionValidationEvent`` Event Grid sends before delivering to a new webhook
    (https://learn.microsoft.com/azure/event-grid/end-point-validation-event-grid-events-schema)."""
    return {
        "id": str(uuid.uuid4()),
        "topic": topic,
        "subject": "",
        "data": {"validationCode": code, "validationUrl": validation_url},
        "eventType": VALIDATION_EVENT_TYPE,
        "eventTime": eventgrid_time(),
        "metadataVersion": "1",
        "dataVersion": "1",
    }
