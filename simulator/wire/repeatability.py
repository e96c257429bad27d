"""Repeatability-Request-ID: a repeated id within the window replays the first response, without re-executing."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

WINDOW_SECONDS = 3600.0
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


class RepeatabilityCache:
    """Responses by request id; concurrent duplicates wait for the first to finish.

    Example::

        response = await cache.run(request_id, execute)
    """

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self._window = window
        self._entries: OrderedDict[str, tuple[float, asyncio.Future[StoredResponse]]] = OrderedDict()

    def clear(self) -> None:
        self._entries.clear()

    async def run(
        self, request_id: str, execute: Callable[[], Awaitable[StoredResponse]]
    ) -> tuple[StoredResponse, bool]:
        """The response for ``request_id`` and whether it was replayed."""
        self._expire()
        entry = self._entries.get(request_id)
        if entry is not None:
            return await asyncio.shield(entry[1]), True
        future: asyncio.Future[StoredResponse] = asyncio.get_running_loop().create_future()
        self._entries[request_id] = (time.monotonic(), future)
        try:
            response = await execute()
        except BaseException as error:
            del self._entries[request_id]
            future.set_exception(error)
            future.exception()  # retrieved here so an unawaited future does not warn
            raise
        if response.status >= 500 or response.status == 429:
            del self._entries[request_id]  # transient failures may be retried with the same id
        future.set_result(response)
        return response, False

    def _expire(self) -> None:
        cutoff = time.monotonic() - self._window
        while self._entries:
            _, (stamp, _future) = next(iter(self._entries.items()))
            if stamp >= cutoff and len(self._entries) <= MAX_ENTRIES:
                break
            self._entries.popitem(last=False)
