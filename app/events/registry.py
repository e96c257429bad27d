"""``EVENT_TYPES``: every modelled wire type string mapped to its class (read-only).

The registry is an explicit, immutable list rather than something filled in by subclassing, so importing a module
can never change which class parses a payload.

Example::

    EVENT_TYPES["Microsoft.Communication.PlayFailed"]   # PlayFailed
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.events.base import CallEvent
from app.events.call_events import CALL_EVENTS
from app.events.eventgrid_events import EVENT_GRID_EVENTS
from app.events.media_events import MEDIA_EVENTS, SendDtmfTonesCompleted
from app.events.session_events import SESSION_EVENTS

ALL_EVENT_CLASSES: tuple[type[CallEvent], ...] = (*CALL_EVENTS, *MEDIA_EVENTS, *SESSION_EVENTS, *EVENT_GRID_EVENTS)

# Older wire names of modelled events: ACS called SendDtmfTonesCompleted "SendDtmfCompleted" before api-version
# 2023-10-03-preview (the SDK's 2023-10 DTMF live-test capture). The event keeps its wire ``type``.
LEGACY_TYPES: Mapping[str, type[CallEvent]] = {"Microsoft.Communication.SendDtmfCompleted": SendDtmfTonesCompleted}

EVENT_TYPES: Mapping[str, type[CallEvent]] = MappingProxyType(
    {**LEGACY_TYPES, **{cls.TYPE: cls for cls in ALL_EVENT_CLASSES}}
)
