"""Callback data shaped by the api-version it carries, as real ACS shaped it in each era.

The SDK live-test captures show the key set of ``data`` changing with the api-version of the request that created
the call connection (which ACS stamps into ``data.version``):

- before 2023-10-03-preview (the 2023-10-04 capture): no ``version`` or ``publicEventType``, and the send-DTMF
  event is called ``SendDtmfCompleted`` (later ``SendDtmfTonesCompleted``);
- 2023-10-03-preview: ``eventSource`` (= the envelope ``source``), no ``resultInformation`` on successes, no
  ``isOnHold``;
- 2024-04-15: no ``resultInformation`` on CallConnected, ParticipantsUpdated and CallDisconnected, no ``isOnHold``;
- 2024-06-15-preview: ``isOnHold`` appears; ``resultInformation`` still absent on those three;
- 2024-09-01-preview and later: ``resultInformation`` on every event.

Example::

    shape("SendDtmfTonesCompleted", {"version": "2023-06-15-preview", ...}, source="calling/...")
    # ("SendDtmfCompleted", {...without version...})
"""

from __future__ import annotations

from typing import Any

LEGACY_NAMES = {"SendDtmfTonesCompleted": "SendDtmfCompleted"}
_ROSTER_EVENTS = frozenset({"CallConnected", "ParticipantsUpdated", "CallDisconnected"})


def _before(version: str, date: str) -> bool:
    return version[:10] < date


def shape(event_type: str, data: dict[str, Any], *, source: str) -> tuple[str, dict[str, Any]]:
    """The event type and ``data`` (a new dict) as ACS sent them for ``data["version"]``."""
    version = str(data.get("version", ""))
    body = dict(data)
    if _before(version, "2024-06-15") and isinstance(body.get("participants"), list):
        body["participants"] = [
            {k: v for k, v in p.items() if k != "isOnHold"} if isinstance(p, dict) else p for p in body["participants"]
        ]
    result = body.get("resultInformation")
    succeeded = isinstance(result, dict) and result.get("code") == 200
    if _before(version, "2024-09-01") and event_type in _ROSTER_EVENTS:
        body.pop("resultInformation", None)
    if _before(version, "2024-01-01") and succeeded:
        body.pop("resultInformation", None)
    if version.startswith("2023-10-03"):
        body["eventSource"] = source
    if _before(version, "2023-10-03"):
        body.pop("version", None)
        body.pop("publicEventType", None)
        event_type = LEGACY_NAMES.get(event_type, event_type)
    return event_type, body
