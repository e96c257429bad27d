"""What the ``/Events`` endpoint hands events to, and how that receiver reports an infrastructure failure.

Example::

    class RecordingSink:
        async def dispatch(self, event: CallEvent, *, flow: str | None, seed: str | None = None) -> None:
            seen.append(event)
"""

from __future__ import annotations

from typing import Protocol

from app.errors import SinkUnavailable
from app.events import CallEvent

__all__ = ["EventSink", "SinkUnavailable"]


class EventSink(Protocol):
    """Receives every authenticated, parsed event, in delivery order. The dispatcher implements it.

    ``flow`` and ``seed`` are the query parameters of the same names in the request URL: the framework puts them
    in the callback URL it gives ACS, so a call stays bound to its flow and finds the initial state it was
    started with. :class:`~app.errors.SinkUnavailable` is answered 503 with ``Retry-After``; any other exception
    is logged by the endpoint and does not stop the rest of the batch.
    """

    async def dispatch(self, event: CallEvent, *, flow: str | None, seed: str | None = None) -> object: ...
