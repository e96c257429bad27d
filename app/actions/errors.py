"""The typed error every call action raises when ACS (or the emulator) refuses it."""

from __future__ import annotations

import json
from typing import Any

from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from app.errors import CallwrightError


class CallActionError(CallwrightError):
    """An action failed: ``status`` is the HTTP status, ``code`` the ACS code string, ``sub_code`` its number.

    Example::

        try:
            await call.transfer("+15555550150")
        except CallActionError as error:
            if error.sub_code == 8522:   # the call is gone
                return
            raise
    """

    def __init__(
        self, action: str, status: int | None, code: str | None, message: str, *, in_flight: bool = False
    ) -> None:
        self.action = action
        self.status = status
        self.code = code
        self.message = message
        self.in_flight = in_flight
        """ACS is still running the first request with this repeatability id (409, ``Repeatability-Result:
        accepted``): the same request, sent again a little later, gets the first one's result."""
        super().__init__(f"{action} failed ({status or 'no response'}/{code or '-'}): {message}")

    @property
    def sub_code(self) -> int | None:
        """ACS puts the numeric subcode in ``error.code`` as a string (e.g. ``"8522"``)."""
        return int(self.code) if self.code and self.code.isdigit() else None

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    @property
    def is_retryable(self) -> bool:
        return self.status is None or self.status in {408, 429, 500, 502, 503, 504}

    @classmethod
    def from_sdk(cls, action: str, error: Exception) -> CallActionError:
        if isinstance(error, HttpResponseError):
            code, message = _error_body(error)
            headers: Any = getattr(error.response, "headers", None) or {}
            # The operation's own conflicts carry a numeric ACS subcode (409/8519); a repeat of a request still
            # running does not.
            in_flight = (
                error.status_code == 409
                and headers.get("repeatability-result", "").lower() == "accepted"
                and not (code or "").isdigit()
            )
            return cls(
                action, error.status_code, code, message or (error.reason or "request failed"), in_flight=in_flight
            )
        if isinstance(error, ServiceRequestError | ServiceResponseError):
            return cls(action, None, None, f"ACS unreachable: {type(error).__name__}")
        return cls(action, None, None, f"{type(error).__name__}: {error}")


def _error_body(error: HttpResponseError) -> tuple[str | None, str]:
    """Read ``{"error": {"code", "message"}}`` from the response; the SDK's own parsing varies by version."""
    try:
        body = json.loads(error.response.text()) if error.response is not None else None
    except (ValueError, TypeError, AttributeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        inner = body["error"]
        return (str(inner["code"]) if "code" in inner else None, str(inner.get("message", "")))
    return None, ""
