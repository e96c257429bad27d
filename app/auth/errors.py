"""Why an inbound request was refused: a 401/403 the sender should not retry, or a 503 it should.

Example::

    try:
        claims = await validator.validate(request.headers.get("authorization"))
    except AuthUnavailableError as error:
        return Response(status_code=503, headers={"Retry-After": str(error.retry_after)})
    except AuthenticationError as error:
        return Response(status_code=error.status_code)
"""

from __future__ import annotations

from app.errors import CallwrightError


class AuthenticationError(CallwrightError):
    """The request is not authenticated (401). ``reason`` is a fixed, log-safe phrase: never token content."""

    status_code = 401

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ForbiddenError(AuthenticationError):
    """Authenticated shape, but not for us (403): an Event Grid subscription outside the allow-list."""

    status_code = 403


class AuthUnavailableError(CallwrightError):
    """Keys to check the request cannot be obtained right now (503 + ``Retry-After``): the sender should retry."""

    def __init__(self, reason: str = "signing keys unavailable", retry_after: int = 5) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
