"""Bookkeeping of outstanding deliveries, so ``drain()`` knows when everything due has been sent.

Example::

    tracker = WorkTracker()
    tracker.begin()
    await tracker.sleep(0.5)   # a scheduled retry: drain(0.1) will not wait for it
    tracker.end()
"""

from __future__ import annotations

import asyncio
import itertools
import time


class WorkTracker:
    """Counts queued/in-flight deliveries and knows when their sleeping retries are due."""

    def __init__(self) -> None:
        self._active = 0
        self._sleeping: dict[int, float] = {}
        self._ids = itertools.count()
        self._changed = asyncio.Event()

    @property
    def active(self) -> int:
        return self._active

    def begin(self) -> None:
        self._active += 1
        self._changed.set()

    def end(self) -> None:
        self._active = max(0, self._active - 1)
        self._changed.set()

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of real time, telling drain() when this work becomes due again."""
        token = next(self._ids)
        self._sleeping[token] = time.monotonic() + seconds
        self._changed.set()
        try:
            await asyncio.sleep(seconds)
        finally:
            del self._sleeping[token]
            self._changed.set()

    def _busy(self, deadline: float) -> bool:
        later = sum(1 for due in self._sleeping.values() if due > deadline)
        return self._active - later > 0

    async def drain(self, within: float) -> bool:
        """Wait until nothing is due before ``within`` seconds pass; True if drained, False on timeout."""
        deadline = time.monotonic() + within
        while self._busy(deadline):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return not self._busy(deadline)
        return True
