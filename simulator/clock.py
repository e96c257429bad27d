"""Simulated time: every duration the emulator waits is multiplied by ``time_scale``."""

from __future__ import annotations

import asyncio
import time


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
