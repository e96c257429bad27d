"""The one JSON error shape of the service's own endpoints (``/Events``, ``/api/calls``), the same as ACS's:

    {"error": {"code": "unauthorized", "message": "not authenticated"}}

``code`` is a stable, snake_case machine word; ``message`` a short, safe sentence (never request data). An error
may add fields inside ``error`` (``/api/calls`` adds ``acsStatus`` and ``acsCode`` when ACS refused the call).

Example::

    return error_response(404, "unknown_flow", "unknown flow 'x'; known: front_desk")
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse


def error_response(
    status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None, **extra: object
) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status, headers=headers)
