"""Call recordings: start, pause, resume, stop; each state change is a RecordingStateChanged event."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.clock import acs_timestamp
from simulator.world.calls import CONNECTED, ESTABLISHED, Call, Connection
from simulator.world.errors import AcsError, not_established, not_found

if TYPE_CHECKING:
    from simulator.world.world import World

RECORDING_KIND = "azureCommunicationServices"


def mint_recording_id(call_connection_id: str) -> str:
    """Unpadded base64url of compact JSON naming the call connection, as in the recording live-test capture.

    Example::

        json.loads(base64.urlsafe_b64decode(mint_recording_id("05004980-...") + "=="))["PlatformEndpointId"]
    """
    document = {"PlatformEndpointId": call_connection_id, "ResourceSpecificId": str(uuid.uuid4())}
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Recording:
    recording_id: str
    call: Call
    connection: Connection
    state: str  # active | inactive
    started: str
    callback_uri: str | None
    content_type: str = "audio"
    channel_type: str = "mixed"
    format_type: str = "wav"

    def to_wire(self) -> dict[str, Any]:
        return {"recordingId": self.recording_id, "recordingState": self.state, "recordingKind": RECORDING_KIND}


class Recordings:
    """The recordings of all calls, by recording id."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._by_id: dict[str, Recording] = {}

    def clear(self) -> None:
        self._by_id.clear()

    def start(
        self,
        call: Call,
        *,
        callback_uri: str | None,
        pause_on_start: bool,
        options: dict[str, str],
        connection_id: str | None = None,
    ) -> Recording:
        """Start recording ``call``; its events name ``connection_id`` when the request did, else a live leg."""
        if call.state != ESTABLISHED:
            raise not_established()
        legs = [c for c in call.active_connections() if c.state == CONNECTED]
        conn = next((c for c in legs if c.id == connection_id), legs[0] if legs else None)
        if conn is None:
            raise not_established()
        if any(r.call is call and r.state == "active" for r in self._by_id.values()):
            raise AcsError(409, 8519, "A recording is already in progress for this call.")
        recording = Recording(
            recording_id=mint_recording_id(conn.id),
            call=call,
            connection=conn,
            state="inactive" if pause_on_start else "active",
            started=acs_timestamp(),
            callback_uri=callback_uri,
            **options,
        )
        self._by_id[recording.recording_id] = recording
        self._changed(recording)
        realism = self._world.realism
        if realism is not None and recording.state == "active":
            self._world.neutral_updates(call, realism.recording_burst())
        return recording

    def get(self, recording_id: str) -> Recording:
        recording = self._by_id.get(recording_id)
        if recording is None:
            raise not_found("Recording")
        return recording

    def set_state(self, recording_id: str, state: str) -> None:
        recording = self.get(recording_id)
        if recording.state != state:
            recording.state = state
            self._changed(recording)

    def stop(self, recording_id: str) -> None:
        recording = self.get(recording_id)
        del self._by_id[recording_id]
        recording.state = "inactive"
        self._changed(recording)

    def _changed(self, recording: Recording) -> None:
        data = {
            "recordingId": recording.recording_id,
            "state": recording.state,
            "startDateTime": recording.started,
            "recordingKind": RECORDING_KIND,
        }
        self._world.emit(recording.connection, "RecordingStateChanged", data, url=recording.callback_uri)
