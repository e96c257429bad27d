"""The emulator's REST surface: ``/calling/...`` exactly as ACS Call Automation answers the SDK."""

from __future__ import annotations

from simulator.wire import (
    routes_calls,
    routes_media,
    routes_move,
    routes_participants,
    routes_recordings,
    routes_streaming,
)
from simulator.wire.rest import Operation, RestApi

ALL_OPERATIONS: tuple[Operation, ...] = (
    *routes_calls.OPERATIONS,
    *routes_move.OPERATIONS,
    *routes_participants.OPERATIONS,
    *routes_media.OPERATIONS,
    *routes_recordings.OPERATIONS,
    *routes_streaming.OPERATIONS,
)

__all__ = ["ALL_OPERATIONS", "RestApi"]
