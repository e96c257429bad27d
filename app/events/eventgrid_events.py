"""Events that arrive through Event Grid: ``IncomingCall``, the subscription handshake, and reporting events.

Example::

    @router.incoming_call(to="+18005550102")
    async def answer(event: IncomingCall, call: CallActions) -> None:
        if event.from_number in BLOCKED:
            ...
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from app.events.base import CallEvent
from app.events.identifiers import Identifier
from app.events.wire import WireModel

_NS = "Microsoft.Communication."


class CustomContext(WireModel):
    """Custom calling context sent by the transferring / inviting party (SIP ``X-`` headers, VoIP headers)."""

    sip_headers: dict[str, str] = {}
    voip_headers: dict[str, str] = {}


class IncomingCall(CallEvent):
    """A call is ringing for a number or ACS identity owned by the resource; answer it with the context.

    ``incoming_call_context`` is a credential for this call: it is never shown in ``repr`` and must not be logged.

    Example::

        event.to_number      # "+18005550102" (the number dialed), or None for a VoIP call
        event.from_number    # "+15555550123", or None for an ACS user or an anonymous caller
    """

    TYPE: ClassVar[str] = _NS + "IncomingCall"

    to: Identifier
    from_: Identifier = Field(alias="from")
    caller_display_name: str | None = None
    incoming_call_context: str = Field(repr=False)
    custom_context: CustomContext | None = None
    on_behalf_of_callee: Identifier | None = None

    @property
    def caller(self) -> Identifier:
        return self.from_

    @property
    def callee(self) -> Identifier:
        return self.to

    @property
    def to_number(self) -> str | None:
        return self.to.phone_number

    @property
    def from_number(self) -> str | None:
        return self.from_.phone_number

    @property
    def to_raw_id(self) -> str:
        return self.to.raw_id

    @property
    def from_raw_id(self) -> str:
        return self.from_.raw_id

    @property
    def sip_headers(self) -> dict[str, str]:
        return dict(self.custom_context.sip_headers) if self.custom_context else {}

    @property
    def voip_headers(self) -> dict[str, str]:
        return dict(self.custom_context.voip_headers) if self.custom_context else {}


class SubscriptionValidation(CallEvent):
    """Event Grid's handshake: reply ``{"validationResponse": validation_code}`` with HTTP 200."""

    TYPE: ClassVar[str] = "Microsoft.EventGrid.SubscriptionValidationEvent"

    validation_code: str
    validation_url: str | None = None


class _ReportingEvent(CallEvent):
    """ACS reporting events (VoIP calls only); modelled loosely, the nested objects stay plain dicts."""

    started_by: dict[str, Any] | None = None
    group: dict[str, Any] | None = None
    room: dict[str, Any] | None = None
    is_two_party: bool | None = None
    is_rooms_call: bool | None = None


class CallStarted(_ReportingEvent):
    TYPE: ClassVar[str] = _NS + "CallStarted"


class CallEnded(_ReportingEvent):
    TYPE: ClassVar[str] = _NS + "CallEnded"

    call_duration_in_seconds: float | None = None
    reason: dict[str, Any] | None = None
    ended_by: dict[str, Any] | None = None


class _ParticipantReportingEvent(_ReportingEvent):
    user: dict[str, Any] | None = None
    display_name: str | None = None
    participant_id: str | None = None
    endpoint_type: str | None = None
    user_agent: str | None = None


class CallParticipantAdded(_ParticipantReportingEvent):
    TYPE: ClassVar[str] = _NS + "CallParticipantAdded"


class CallParticipantRemoved(_ParticipantReportingEvent):
    TYPE: ClassVar[str] = _NS + "CallParticipantRemoved"


class RecordingFileStatusUpdated(CallEvent):
    TYPE: ClassVar[str] = _NS + "RecordingFileStatusUpdated"

    recording_storage_info: dict[str, Any] | None = None
    recording_start_time: str | None = None
    recording_duration_ms: int | None = None
    recording_content_type: str | None = None
    recording_channel_type: str | None = None
    recording_format_type: str | None = None
    session_end_reason: str | None = None


EVENT_GRID_EVENTS: tuple[type[CallEvent], ...] = (
    IncomingCall,
    SubscriptionValidation,
    CallStarted,
    CallEnded,
    CallParticipantAdded,
    CallParticipantRemoved,
    RecordingFileStatusUpdated,
)
