"""Repeatable requests, as ACS implements the OASIS Repeatable Requests 1.0 headers.

A POST carrying ``Repeatability-Request-ID`` (a GUID) and ``Repeatability-First-Sent`` (an IMF-fixdate) is executed
at most once while it is tracked (5 minutes from its first-sent time). The rules, from ACS's "Repeatability of
requests" page (learn.microsoft.com/rest/api/communication/repeatable-requests):

- Request id not a GUID (or missing), or first-sent not an IMF-fixdate (or missing): rejected, 400.
- First-sent outside the tracked duration: rejected, 412.
- A new id within the duration: accepted, the operation's own status.
- A repeated id with a different request: rejected, 400.
- A repeated id with the same request: accepted; 409 while the first is still running, its 2xx/4xx replayed once
  it finished, and executed again if it ended in a 5xx.

"Same request" means the same method, path, body and first-sent time. A 429 is treated like a 5xx (nothing was
executed). Every answer carries ``Repeatability-Result: accepted|rejected``.

Example::

    outcome = await cache.run(headers, fingerprint, execute)
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

REQUEST_ID_HEADER = "repeatability-request-id"
FIRST_SENT_HEADER = "repeatability-first-sent"
RESULT_HEADER = "repeatability-result"
WINDOW_SECONDS = 300.0
# A first-sent time this far in the future is still accepted: client clocks drift.
_FUTURE_SKEW_SECONDS = 300.0
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    server_call_id: str | None = None  # the call the first execution acted on (for the timeline)


@dataclass(frozen=True)
class Outcome:
    """What to answer: the response, and whether it was replayed (or refused) rather than executed."""

    response: StoredResponse
    replayed: bool
    rejected: bool = False


@dataclass
class _Entry:
    fingerprint: str
    first_sent: float
    response: StoredResponse | None = None  # None while the first request is still running


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests with one id "the same request" (besides the first-sent time)."""
    return hashlib.sha256(method.encode() + b"\n" + path.encode() + b"\n" + body).hexdigest()


class RepeatabilityCache:
    """Tracks repeatable requests by id. ``now`` is wall-clock seconds (the first-sent header is wall-clock).

    Example::

        cache = RepeatabilityCache()
        outcome = await cache.run(request.headers, fingerprint("POST", path, body), execute)
    """

    def __init__(self, window: float = WINDOW_SECONDS, *, now: Callable[[], float] = time.time) -> None:
        self._window = window
        self._now = now
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def clear(self) -> None:
        self._entries.clear()

    @staticmethod
    def applies(headers: Mapping[str, str]) -> bool:
        """True when the request asks for repeatability (either header present)."""
        return REQUEST_ID_HEADER in headers or FIRST_SENT_HEADER in headers

    async def run(
        self, headers: Mapping[str, str], request_fingerprint: str, execute: Callable[[], Awaitable[StoredResponse]]
    ) -> Outcome:
        """Execute, replay or refuse the request according to the table in the module docstring."""
        request_id = headers.get(REQUEST_ID_HEADER, "").strip()
        first_sent_text = headers.get(FIRST_SENT_HEADER, "").strip()
        if not _is_guid(request_id):
            return _rejected(400, "Repeatability-Request-ID must be a GUID.")
        first_sent = _parse_imf_fixdate(first_sent_text)
        if first_sent is None:
            return _rejected(400, "Repeatability-First-Sent must be an IMF-fixdate (Tue, 01 Dec 2026 09:30:00 GMT).")
        now = self._now()
        if first_sent < now - self._window or first_sent > now + _FUTURE_SKEW_SECONDS:
            return _rejected(412, "Repeatability-First-Sent header is not within the 5 minute window.")
        self._expire(now)
        key = request_id.lower()
        entry = self._entries.get(key)
        if entry is not None:
            if entry.fingerprint != request_fingerprint or entry.first_sent != first_sent:
                return _rejected(400, "The repeated request does not match the original request.")
            if entry.response is None:
                return Outcome(_accepted(_error(409, "The original request is still in progress.")), replayed=True)
            return Outcome(_accepted(entry.response), replayed=True)
        entry = _Entry(request_fingerprint, first_sent)
        self._entries[key] = entry
        try:
            response = await execute()
        except BaseException:
            self._entries.pop(key, None)
            raise
        if response.status >= 500 or response.status == 429:
            self._entries.pop(key, None)  # not executed: a retry with the same id runs it again
        else:
            entry.response = response
        return Outcome(_accepted(response), replayed=False)

    def _expire(self, now: float) -> None:
        # Entries are kept in arrival order; first-sent times are close to arrival, so the head is the oldest.
        while self._entries:
            entry = next(iter(self._entries.values()))
            expired = entry.first_sent < now - self._window and entry.response is not None
            if not expired and len(self._entries) <= MAX_ENTRIES:
                break  # a running request is kept, so a concurrent repeat is answered 409, not executed
            self._entries.popitem(last=False)


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) in (32, 36, 38)


def _parse_imf_fixdate(value: str) -> float | None:
    if not value.endswith(" GMT"):
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.timestamp()


def _error(status: int, message: str) -> StoredResponse:
    code = {400: "BadRequest", 409: "Conflict", 412: "PreconditionFailed"}[status]
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return StoredResponse(status, body, (("content-type", "application/json; charset=utf-8"),))


def _accepted(response: StoredResponse) -> StoredResponse:
    headers = (*response.headers, (RESULT_HEADER, "accepted"))
    return StoredResponse(response.status, response.body, headers, response.server_call_id)


def _rejected(status: int, message: str) -> Outcome:
    error = _error(status, message)
    return Outcome(StoredResponse(error.status, error.body, (*error.headers, (RESULT_HEADER, "rejected"))), True, True)
