"""Which events each ``/Events`` channel may carry, so a credential for one channel cannot drive the other.

The Event Grid secret authenticates Event Grid deliveries: ``IncomingCall``, the subscription handshake and the
other Event Grid system events (reporting events such as ``CallEnded``, ``RecordingFileStatusUpdated``, and
event types Callwright does not model yet, as long as they are not about a call connection). It never carries a
Call Automation callback (``RecognizeCompleted``, ``CallConnected`` ...): those act on a live call, and ACS sends
them itself, signed.

The callback JWT authenticates ACS Call Automation callbacks: CloudEvents that name their call connection. It
never carries an Event Grid event. ACS documents only ``iss``, ``aud`` and ``exp`` in that token (docs/security.md),
none of which names a call, so the only claim-to-body tie is the audience (checked by the validator); within the
body, a ``source`` of ``calling/callConnections/<id>`` must name the same call as ``data.callConnectionId``.

Example::

    problem = channel_problem(event, "eventgrid")
    if problem is not None:
        return 403   # a 4xx neither Event Grid nor ACS retries
"""

from __future__ import annotations

from typing import Literal

from app.events import EVENT_TYPES, CallAutomationEvent, CallEvent, UnknownEvent
from app.events.eventgrid_events import EVENT_GRID_EVENTS

Channel = Literal["eventgrid", "callback"]

EVENT_GRID_TYPES = frozenset(cls.TYPE for cls in EVENT_GRID_EVENTS)
CALLBACK_TYPES = frozenset(kind for kind, cls in EVENT_TYPES.items() if issubclass(cls, CallAutomationEvent))
_CONNECTION_SOURCE = "calling/callConnections/"


def channel_problem(event: CallEvent, channel: Channel) -> str | None:
    """Why ``event`` may not arrive on ``channel`` (a short, log-safe phrase), or None when it may."""
    if channel == "eventgrid":
        if event.type in EVENT_GRID_TYPES:
            return None
        if isinstance(event, UnknownEvent) and event.call_connection_id is None and event.type not in CALLBACK_TYPES:
            return None
        return f"{event.event_name} is a Call Automation callback, not an Event Grid event"
    if event.type in EVENT_GRID_TYPES:
        return f"{event.event_name} is an Event Grid event, not a Call Automation callback"
    if event.envelope != "cloudevents":
        return "Call Automation callbacks are CloudEvents"
    if event.call_connection_id is None:
        return "a Call Automation callback names its call connection"
    source = event.source or ""
    if source.startswith(_CONNECTION_SOURCE):
        named = source.removeprefix(_CONNECTION_SOURCE).split("/", 1)[0]
        if named != event.call_connection_id:
            return "the event's source names another call connection than its data"
    return None
