"""The emulator's control API (``/simulator/...``): what tests and developers use to steer the world."""

from __future__ import annotations

from simulator.control.routes import control_routes

__all__ = ["control_routes"]
