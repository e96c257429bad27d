"""ACS-shaped error responses: ``{"error": {"code": "<subCode>", "message": ...}}``."""

from __future__ import annotations

from starlette.responses import JSONResponse

from simulator.world.errors import AcsError, invalid, not_found

__all__ = ["AcsError", "error_response", "invalid", "not_found"]


def error_response(error: AcsError) -> JSONResponse:
    """The HTTP response for ``error``.

    Example::

        error_response(AcsError(404, 8522, "Call not found."))
    """
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
