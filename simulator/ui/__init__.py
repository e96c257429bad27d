"""The dev phone: a browser softphone and live call view served by the emulator at ``/`` (and ``/phone``).

Plain HTML, CSS and JavaScript modules from ``static/`` (no build step, no CDN), fed by ``GET /simulator/stream``
(Server-Sent Events from :class:`simulator.ui.feed.LiveFeed`) and driving calls through the control API.
"""

from __future__ import annotations

from simulator.ui.feed import LiveFeed
from simulator.ui.routes import ui_routes

__all__ = ["LiveFeed", "ui_routes"]
