"""The one error type of the emulator: an ACS error with HTTP status and sub-code."""

from __future__ import annotations

from typing import Any


class AcsError(Exception):
    """An error the emulator answers with ``{"error": {"code": "<subCode>", "message": ...}}``.

    Example::

        raise AcsError(404, 8522, "Call not found.")
    """

    def __init__(self, status: int, sub_code: int | str, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.sub_code = str(sub_code)
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.sub_code, "message": self.message}}


def not_found(what: str = "Call") -> AcsError:
    return AcsError(404, 8522, f"{what} not found.")


def invalid(message: str) -> AcsError:
    return AcsError(400, 8523, f"Invalid request, {message}")


def terminated() -> AcsError:
    return AcsError(400, 8528, "Action is invalid, call is already terminated.")


def not_established() -> AcsError:
    return AcsError(400, 8501, "Action is not valid when call is not in Established state.")


def invalid_state(message: str = "Action is not valid in the current call state.") -> AcsError:
    return AcsError(400, 8585, message)
