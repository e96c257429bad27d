"""Simulated time: every duration the emulator waits is multiplied by ``time_scale``."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime


class Clock:
    """Scales simulated durations. ``Clock(0.05)`` runs 20x faster than real time.

    Example::

        clock = Clock(time_scale=0.05)
        await clock.sleep(10)   # waits 0.5 s of real time
    """

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.time_scale = time_scale

    def scaled(self, seconds: float) -> float:
        return max(0.0, seconds) * self.time_scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.scaled(seconds))

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()


def acs_timestamp(now_ns: int | None = None) -> str:
    """``2026-09-14T05:53:13.2376389+00:00``: UTC in 100 ns ticks, trailing zeros dropped (1 to 7 digits), ``+00:00``.

    This is how real ACS writes callback ``time`` and ``startDateTime`` in the SDK live-test captures
    (``…58.783729+00:00``, ``…02.43489+00:00``, ``…08.4550984+00:00``).

    Example::

        acs_timestamp(1_789_365_193_237_638_900)   # "2026-09-14T05:53:13.2376389+00:00"
    """
    ns = time.time_ns() if now_ns is None else now_ns
    seconds, rest = divmod(ns, 1_000_000_000)
    whole = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    ticks = f"{rest // 100:07d}".rstrip("0") or "0"
    return f"{whole}.{ticks}+00:00"
