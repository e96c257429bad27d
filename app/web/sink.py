"""What the ``/Events`` endpoint hands events to, and how that receiver reports an infrastructure failure.

Example::

    class RecordingSink:
        async def dispatch(self, event: CallEvent, *, flow: str | None, seed: str | None = None) -> None:
            seen.append(event)
"""

from __future__ import annotations

from typing import Protocol

from app.events import CallEvent


class SinkUnavailable(Exception):
    """Raised by a sink when shared infrastructure (the state store) is down: the endpoint answers 503, so the
    sender retries and a later delivery can still be processed exactly once."""


class EventSink(Protocol):
    """Receives every authenticated, parsed event, in delivery order. The dispatcher implements it.

    ``flow`` and ``seed`` are the query parameters of the same names in the request URL: the framework puts them
    in the callback URL it gives ACS, so a call stays bound to its flow and finds the initial state it was
    started with. Any exception other than :class:`SinkUnavailable` is logged by the endpoint and does not stop
    the rest of the batch.
    """

    async def dispatch(self, event: CallEvent, *, flow: str | None, seed: str | None = None) -> object: ...
