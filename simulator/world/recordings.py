"""Call recordings: start, pause, resume, stop; each state change is a RecordingStateChanged event."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.world.calls import CONNECTED, ESTABLISHED, Call, Connection
from simulator.world.errors import AcsError, not_established, not_found

if TYPE_CHECKING:
    from simulator.world.world import World

RECORDING_KIND = "azureCommunicationServices"


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
    ) -> Recording:
        if call.state != ESTABLISHED:
            raise not_established()
        conn = next((c for c in call.active_connections() if c.state == CONNECTED), None)
        if conn is None:
            raise not_established()
        if any(r.call is call and r.state == "active" for r in self._by_id.values()):
            raise AcsError(409, 8519, "A recording is already in progress for this call.")
        raw = json.dumps({"PlatformEndpointId": str(uuid.uuid4()), "ResourceSpecificId": str(uuid.uuid4())})
        recording = Recording(
            recording_id=base64.b64encode(raw.encode()).decode(),
            call=call,
            connection=conn,
            state="inactive" if pause_on_start else "active",
            started=dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            callback_uri=callback_uri,
            **options,
        )
        self._by_id[recording.recording_id] = recording
        self._changed(recording)
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
