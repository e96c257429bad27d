"""The simulated world: calls, connections, parties, media and recordings, moving in (scaled) time."""

from __future__ import annotations

from simulator.world.world import Timing, World

__all__ = ["Timing", "World"]
