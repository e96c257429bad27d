"""The OpenAPI 3.1 document of the control API, served at ``GET /simulator/openapi.json``."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_JSON_ERROR = {"content": {"application/json": {"schema": _ERROR}}}


def _op(summary: str, *, body: dict[str, Any] | None = None, ok: str = "200", params: tuple[str, ...] = ()) -> Any:
    spec: dict[str, Any] = {
        "summary": summary,
        "responses": {ok: {"description": "OK"}, "400": _JSON_ERROR | {"description": "Bad input"}},
    }
    if params:
        spec["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
        spec["responses"]["404"] = _JSON_ERROR | {"description": "Unknown call"}
    if body is not None:
        spec["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return spec


_BEHAVIOUR = {
    "type": "object",
    "properties": {
        "answer": {
            "enum": ["accept", "reject", "busy", "no-answer", "fail", "app", "manual"],
            "description": "manual: rings until answered through .../parties/{raw_id}/answer (the dev phone)",
        },
        "answerAfter": {"type": "number", "description": "simulated seconds before answering"},
        "hangUpAfter": {"type": ["number", "null"], "description": "simulated seconds in the call, then hang up"},
        "dtmf": {
            "type": "array",
            "description": "step N answers the Nth recognize aimed at this party",
            "items": {"type": "object", "properties": {"after": {"type": "number"}, "tones": {"type": "string"}}},
        },
        "say": {
            "type": "array",
            "items": {"type": "object", "properties": {"after": {"type": "number"}, "text": {"type": "string"}}},
        },
        "transfer": {"enum": ["accept", "fail"]},
        "silent": {"type": "boolean"},
    },
}
_PLACE = {
    "type": "object",
    "required": ["from", "to"],
    "properties": {
        "from": {"type": "string", "description": "E.164 number or raw id of the caller"},
        "to": {"type": "string", "description": "E.164 number or raw id called (usually an owned number)"},
        "callerDisplayName": {"type": "string"},
        "customContext": {"type": "object", "properties": {"sipHeaders": {}, "voipHeaders": {}}},
        "behaviour": _BEHAVIOUR,
        "ringingTimeout": {"type": "number", "description": "simulated seconds before the caller gives up"},
    },
}
_PRESET: dict[str, Any] = {
    "type": "object",
    "properties": {"participants": {"type": "array", "items": {"type": "string"}}},
}
_CALL_PARTY = ("server_call_id", "raw_id")

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Callwright ACS emulator control API", "version": "1"},
    "paths": {
        "/simulator/calls": {
            "post": _op("A simulated phone calls in (IncomingCall is published)", body=_PLACE, ok="201"),
            "get": _op("List calls with state and participants"),
        },
        "/simulator/calls/{server_call_id}": {
            "get": _op("One call: state, participants, call connections, timeline", params=("server_call_id",)),
            "delete": _op(
                "End the call for everyone (the dev runner does when the service reloads)",
                body={"type": "object", "properties": {"reason": {"type": "string"}}},
                ok="204",
                params=("server_call_id",),
            ),
        },
        "/simulator/calls/{server_call_id}/parties/{raw_id}/dtmf": {
            "post": _op(
                "The party presses keys",
                body={"type": "object", "required": ["tones"], "properties": {"tones": {"type": "string"}}},
                params=_CALL_PARTY,
            )
        },
        "/simulator/calls/{server_call_id}/parties/{raw_id}/say": {
            "post": _op(
                "The party says something (a choice or free speech)",
                body={"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
                params=_CALL_PARTY,
            )
        },
        "/simulator/calls/{server_call_id}/parties/{raw_id}/hangup": {
            "post": _op("The party hangs up", ok="204", params=_CALL_PARTY)
        },
        "/simulator/calls/{server_call_id}/parties/{raw_id}/silence": {
            "post": _op("The party stays silent: the recognize listening to it times out now", params=_CALL_PARTY)
        },
        "/simulator/calls/{server_call_id}/parties/{raw_id}/answer": {
            "post": _op(
                "The ringing party answers or refuses (409 when it is not ringing)",
                body={
                    "type": "object",
                    "properties": {"answer": {"enum": ["accept", "reject", "busy", "no-answer", "fail"]}},
                },
                ok="204",
                params=_CALL_PARTY,
            )
        },
        "/simulator/stream": {
            "get": _op(
                "Server-Sent Events: a snapshot of recent calls, then batches of timeline entries and call state"
            )
        },
        "/simulator/parties/{raw_id}": {
            "put": _op(
                "Set a party's behaviour (raw_id * sets the default for every party)",
                body=_BEHAVIOUR,
                params=("raw_id",),
            ),
            "get": _op("A party's effective behaviour", params=("raw_id",)),
        },
        "/simulator/rooms": {
            "post": _op(
                "Create a room for connect(roomCallLocator)",
                body=_PRESET | {"properties": {"roomId": {"type": "string"}, **_PRESET["properties"]}},
                ok="201",
            ),
            "get": _op("List rooms"),
        },
        "/simulator/groups": {
            "post": _op(
                "Preset the parties of a group call for connect(groupCallLocator)",
                body=_PRESET | {"properties": {"groupCallId": {"type": "string"}, **_PRESET["properties"]}},
                ok="201",
            ),
            "get": _op("List preset group calls"),
        },
        "/simulator/reset": {"post": _op("Clear calls, timeline, repeatability cache and faults", ok="204")},
        "/simulator/subscriptions": {
            "post": _op(
                "Add an Event Grid subscription for IncomingCall",
                body={
                    "type": "object",
                    "required": ["url"],
                    "properties": {
                        "url": {"type": "string"},
                        "schema": {"enum": ["eventgrid", "cloudevents"]},
                        "name": {"type": "string"},
                        "headers": {"type": "object"},
                    },
                },
                ok="201",
            ),
            "get": _op("List subscriptions"),
        },
        "/simulator/subscriptions/{name}": {"delete": _op("Remove a subscription", ok="204", params=("name",))},
        "/simulator/faults/rest/{operation}": {
            "put": _op(
                "Fault a REST operation",
                body={
                    "type": "object",
                    "properties": {
                        "status": {"type": "integer"},
                        "retryAfter": {"type": "number"},
                        "latency": {"type": "number"},
                        "times": {"type": "integer"},
                    },
                },
                params=("operation",),
            )
        },
        "/simulator/faults/callbacks/{eventType}": {
            "put": _op(
                "Fault a callback event type",
                body={
                    "type": "object",
                    "properties": {
                        "drop": {"type": "boolean"},
                        "duplicate": {"type": "integer"},
                        "delay": {"type": "number"},
                        "reorder": {"type": "boolean"},
                        "times": {"type": "integer"},
                    },
                },
                params=("eventType",),
            )
        },
        "/simulator/faults": {"delete": _op("Clear all faults", ok="204")},
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            }
        }
    },
}
