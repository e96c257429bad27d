"""Control-API errors: JSON ``{"error": {"code", "message"}}`` with 400/404/409/422, never a 500."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.world.errors import AcsError

Endpoint = Callable[[Request], Awaitable[Response]]


def control_error(status: int, code: str, message: str) -> AcsError:
    return AcsError(status, code, message)


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise control_error(400, "BadRequest", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise control_error(422, "BadRequest", "The body must be a JSON object.")
    return data


def guarded(endpoint: Endpoint) -> Endpoint:
    """Turn AcsError into its JSON response."""

    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except AcsError as error:
            return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    run.__name__ = endpoint.__name__
    run.__doc__ = endpoint.__doc__
    return run
