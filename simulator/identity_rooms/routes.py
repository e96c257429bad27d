"""The Identity (``/identities``) and Rooms (``/rooms``) REST surfaces, as the official clients call them.

Same HMAC-SHA256 (or Entra bearer) check as ``/calling``; errors are ``{"error":{"code","message"}}``. The table of
operations is in simulator/README.md (Identity and Rooms).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulator.identity_rooms.directory import Directory
from simulator.wire.body import Body, parse_json
from simulator.world.errors import AcsError

if TYPE_CHECKING:
    from simulator.wire.rest import RestApi

IDENTITY_VERSIONS = frozenset({"2021-03-07", "2022-06-01", "2022-10-01", "2023-08-01", "2023-10-01", "2025-06-30"})
ROOMS_VERSIONS = frozenset(
    {"2022-02-01", "2023-03-31-preview", "2023-06-14", "2023-10-30-preview", "2024-04-15", "2025-03-13"}
)

Endpoint = Callable[[Request, Body], Awaitable[Response]]


def identity_rooms_routes(rest: RestApi, directory: Directory) -> list[BaseRoute]:
    def guarded(versions: frozenset[str], endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            raw = await request.body()
            try:
                rest.authenticate_request(request, raw)
                version = request.query_params.get("api-version")
                if not version:
                    raise AcsError(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
                if version not in versions:
                    raise AcsError(400, "UnsupportedApiVersion", f"The api-version '{version}' is not supported.")
                return await endpoint(request, Body(parse_json(raw)))
            except AcsError as error:
                return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

        return run

    async def create_identity(request: Request, body: Body) -> Response:
        scopes = _strings(body, "createTokenWithScopes")
        minutes = _minutes(body)
        raw_id = directory.create_user()
        reply: dict[str, Any] = {"identity": {"id": raw_id}}
        if scopes:
            reply["accessToken"] = directory.issue_token(raw_id, scopes, minutes)
        return JSONResponse(reply, status_code=201)

    async def delete_identity(request: Request, body: Body) -> Response:
        directory.delete_user(request.path_params["id"])
        return Response(status_code=204)

    async def issue_token(request: Request, body: Body) -> Response:
        scopes = _strings(body, "scopes", required=True)
        return JSONResponse(directory.issue_token(request.path_params["id"], scopes, _minutes(body)))

    async def revoke_tokens(request: Request, body: Body) -> Response:
        directory.revoke_tokens(request.path_params["id"])
        return Response(status_code=204)

    async def create_room(request: Request, body: Body) -> Response:
        room = directory.create_room(
            valid_from=_time(body, "validFrom"),
            valid_until=_time(body, "validUntil"),
            pstn_dial_out_enabled=body.flag("pstnDialOutEnabled"),
            participants=_participants(body, allow_removal=False),  # type: ignore[arg-type]  # no None values
        )
        return JSONResponse(room.to_wire(), status_code=201)

    async def list_rooms(request: Request, body: Body) -> Response:
        return JSONResponse({"value": [room.to_wire() for room in directory.rooms.values()]})

    async def get_room(request: Request, body: Body) -> Response:
        return JSONResponse(directory.room(request.path_params["room_id"]).to_wire())

    async def update_room(request: Request, body: Body) -> Response:
        changes: dict[str, Any] = {"valid_from": _time(body, "validFrom"), "valid_until": _time(body, "validUntil")}
        if body.data.get("pstnDialOutEnabled") is not None:
            changes["pstn_dial_out_enabled"] = body.flag("pstnDialOutEnabled")
        return JSONResponse(directory.update_room(request.path_params["room_id"], changes).to_wire())

    async def delete_room(request: Request, body: Body) -> Response:
        directory.delete_room(request.path_params["room_id"])
        return Response(status_code=204)

    async def list_participants(request: Request, body: Body) -> Response:
        room = directory.room(request.path_params["room_id"])
        return JSONResponse({"value": [{"rawId": raw, "role": role} for raw, role in room.participants.items()]})

    async def update_participants(request: Request, body: Body) -> Response:
        if body.data.get("participants") is None:
            raise AcsError(400, "BadArgument", "'participants' is required.")
        directory.update_participants(request.path_params["room_id"], _participants(body, allow_removal=True))
        return JSONResponse({})

    table: list[tuple[str, str, frozenset[str], Endpoint]] = [
        ("/identities", "POST", IDENTITY_VERSIONS, create_identity),
        ("/identities/{id}", "DELETE", IDENTITY_VERSIONS, delete_identity),
        ("/identities/{id}/:issueAccessToken", "POST", IDENTITY_VERSIONS, issue_token),
        ("/identities/{id}/:revokeAccessTokens", "POST", IDENTITY_VERSIONS, revoke_tokens),
        ("/rooms", "POST", ROOMS_VERSIONS, create_room),
        ("/rooms", "GET", ROOMS_VERSIONS, list_rooms),
        ("/rooms/{room_id}", "GET", ROOMS_VERSIONS, get_room),
        ("/rooms/{room_id}", "PATCH", ROOMS_VERSIONS, update_room),
        ("/rooms/{room_id}", "DELETE", ROOMS_VERSIONS, delete_room),
        ("/rooms/{room_id}/participants", "GET", ROOMS_VERSIONS, list_participants),
        ("/rooms/{room_id}/participants", "PATCH", ROOMS_VERSIONS, update_participants),
    ]
    return [Route(path, guarded(versions, endpoint), methods=[method]) for path, method, versions, endpoint in table]


def _strings(body: Body, key: str, *, required: bool = False) -> list[str]:
    values = body.array(key, required=required) or []
    if not all(isinstance(v, str) for v in values):
        raise AcsError(400, "ValidationError", f"'{key}' must be a list of strings.")
    return list(values)


def _minutes(body: Body) -> int | None:
    value = body.data.get("expiresInMinutes")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise AcsError(400, "ValidationError", "expiresInMinutes must be an integer.")
    return value


def _time(body: Body, key: str) -> datetime | None:
    value = body.data.get(key)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise AcsError(400, "BadArgument", f"'{key}' is not an ISO 8601 time.") from None
    if parsed.tzinfo is None:
        raise AcsError(400, "BadArgument", f"'{key}' needs a time zone.")
    return parsed


def _participants(body: Body, *, allow_removal: bool) -> dict[str, str | None]:
    value = body.data.get("participants")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AcsError(400, "BadArgument", "'participants' must be an object keyed by raw id.")
    result: dict[str, str | None] = {}
    for raw_id, entry in value.items():
        if entry is None and allow_removal:
            result[raw_id] = None
        elif isinstance(entry, dict) and isinstance(entry.get("role", "Attendee"), str):
            result[raw_id] = entry.get("role") or "Attendee"
        else:
            raise AcsError(400, "BadArgument", f"participant {raw_id} needs {{'role': ...}}.")
    return result
