"""The state of calls, call connections and participants (no behaviour here; see world.py and its helpers)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.world.identity import Identifier

if TYPE_CHECKING:
    from simulator.streaming.media import MediaStreaming
    from simulator.streaming.transcription import Transcription

# callConnectionState values (the SDK's CallConnectionState)
CONNECTING = "connecting"
CONNECTED = "connected"
TRANSFERRING = "transferring"
TRANSFER_ACCEPTED = "transferAccepted"
DISCONNECTING = "disconnecting"
DISCONNECTED = "disconnected"

# What the SDK 1.6.0 sends by default; a leg created without a request (tests) uses it too.
DEFAULT_API_VERSION = "2026-03-12"

# Call (server call) states
RINGING = "ringing"
ESTABLISHED = "established"
ENDED = "ended"


@dataclass
class Participant:
    """One entry of a call's roster: a simulated party, or an identity the app's own leg holds in the call."""

    identifier: Identifier
    muted: bool = False
    on_hold: bool = False
    recognizes: int = 0  # how many recognizes targeted this party (indexes its script)

    def to_wire(self) -> dict[str, Any]:
        return {"identifier": self.identifier.to_wire(), "isMuted": self.muted, "isOnHold": self.on_hold}


@dataclass
class ContinuousDtmf:
    """One participant's continuous DTMF recognition: tones are numbered, and carry the start's context."""

    operation_context: str | None = None
    sequence: int = 0


@dataclass
class Connection:
    """The app's leg in a call: what a callConnectionId names."""

    id: str
    call: Call
    callback_uri: str
    state: str = CONNECTING
    source: Identifier | None = None
    source_caller_id: str | None = None
    source_display_name: str | None = None
    targets: list[Identifier] = field(default_factory=list)
    answered_by: str | None = None
    # The identity this leg holds in the call's roster (createCall: the source, else the resource's own identity;
    # answer: answeredBy or the ACS user that was called); None for a connect that joins an app-held call.
    identity: Identifier | None = None
    api_version: str = DEFAULT_API_VERSION  # of the request that created this leg; stamped into its events
    operation_context: str | None = None
    # rawId → continuous DTMF recognition of that participant (its last sequenceId, the start's operationContext)
    continuous_dtmf: dict[str, ContinuousDtmf] = field(default_factory=dict)
    # Live media (transcriptionOptions / mediaStreamingOptions given at answer, createCall or connect)
    transcription: Transcription | None = None
    media_streaming: MediaStreaming | None = None

    @property
    def active(self) -> bool:
        return self.state not in (DISCONNECTING, DISCONNECTED)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "callConnectionId": self.id,
            "serverCallId": self.call.server_call_id,
            "targets": [t.to_wire() for t in self.targets],
            "callConnectionState": self.state,
            "callbackUri": self.callback_uri,
            "correlationId": self.call.correlation_id,
        }
        if self.source is not None:
            body["source"] = self.source.to_wire()
        if self.source_caller_id:
            body["sourceCallerIdNumber"] = {"value": self.source_caller_id}
        if self.source_display_name:
            body["sourceDisplayName"] = self.source_display_name
        if self.answered_by:
            body["answeredBy"] = {"id": self.answered_by}
        if self.transcription is not None:
            body["transcriptionSubscription"] = self.transcription.to_wire()
        if self.media_streaming is not None:
            body["mediaStreamingSubscription"] = self.media_streaming.to_wire()
        return body


@dataclass
class Call:
    """A server call: its parties, the app's connections to it, and where it came from."""

    server_call_id: str
    correlation_id: str
    state: str = RINGING
    participants: dict[str, Participant] = field(default_factory=dict)  # the simulated parties
    app_members: dict[str, Participant] = field(default_factory=dict)  # identities the app's legs hold
    connections: dict[str, Connection] = field(default_factory=dict)
    group_call_id: str | None = None
    room_id: str | None = None
    caller: Identifier | None = None  # for calls placed through the control API
    callee: Identifier | None = None
    sequence: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def active_connections(self) -> list[Connection]:
        return [c for c in self.connections.values() if c.active]

    def roster(self) -> list[Participant]:
        """Everyone ACS lists for the call: the parties, then the app's own identities (not twice)."""
        apps = [p for raw, p in self.app_members.items() if raw not in self.participants]
        return [*self.participants.values(), *apps]

    def member(self, raw_id: str) -> Participant | None:
        return self.participants.get(raw_id) or self.app_members.get(raw_id)

    def next_sequence(self, step: int = 1) -> int:
        """sequenceNumber is per call, shared by every leg (the connect_call capture: 1 caller, 2 and 3 connect)."""
        self.sequence += step
        return self.sequence

    def summary(self) -> dict[str, Any]:
        return {
            "serverCallId": self.server_call_id,
            "correlationId": self.correlation_id,
            "state": self.state,
            "from": self.caller.raw_id if self.caller else None,
            "to": self.callee.raw_id if self.callee else None,
            "groupCallId": self.group_call_id,
            "roomId": self.room_id,
            "participants": [p.to_wire() for p in self.participants.values()],
            "appParticipants": [raw for raw in self.app_members if raw not in self.participants],
            "callConnections": [
                {"callConnectionId": c.id, "state": c.state, "callbackUri": c.callback_uri}
                for c in self.connections.values()
            ],
        }
