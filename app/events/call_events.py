"""Mid-call callbacks about the call itself: connection, participants, transfer, hold.

Example::

    @router.add_participant_failed()
    async def sorry(event: AddParticipantFailed, call: CallActions) -> None:
        if event.is_timeout:       # 408/10057: the specialist did not pick up
            ...
"""

from __future__ import annotations

from typing import ClassVar

from app.events.base import CallAutomationEvent
from app.events.identifiers import Identifier
from app.events.wire import WireModel

_NS = "Microsoft.Communication."


class CallConnected(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "CallConnected"


class CallDisconnected(CallAutomationEvent):
    """The last event of a call leg; nothing else arrives for this call connection afterwards."""

    TYPE: ClassVar[str] = _NS + "CallDisconnected"


class CreateCallFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "CreateCallFailed"


class AnswerFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "AnswerFailed"


class ConnectFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "ConnectFailed"


class CallParticipant(WireModel):
    identifier: Identifier
    is_muted: bool | None = None
    is_on_hold: bool | None = None


class ParticipantsUpdated(CallAutomationEvent):
    """The full participant list after a change; ``sequence_number`` increases per call."""

    TYPE: ClassVar[str] = _NS + "ParticipantsUpdated"

    participants: list[CallParticipant] = []
    sequence_number: int | None = None


class _ParticipantResult(CallAutomationEvent):
    participant: Identifier | None = None


class AddParticipantSucceeded(_ParticipantResult):
    TYPE: ClassVar[str] = _NS + "AddParticipantSucceeded"


class AddParticipantFailed(_ParticipantResult):
    TYPE: ClassVar[str] = _NS + "AddParticipantFailed"


class RemoveParticipantSucceeded(_ParticipantResult):
    TYPE: ClassVar[str] = _NS + "RemoveParticipantSucceeded"


class RemoveParticipantFailed(_ParticipantResult):
    TYPE: ClassVar[str] = _NS + "RemoveParticipantFailed"


class MoveParticipantSucceeded(_ParticipantResult):
    TYPE: ClassVar[str] = _NS + "MoveParticipantSucceeded"

    from_call: str | None = None


class MoveParticipantFailed(_ParticipantResult):
    TYPE: ClassVar[str] = _NS + "MoveParticipantFailed"

    from_call: str | None = None


class CancelAddParticipantSucceeded(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "CancelAddParticipantSucceeded"

    invitation_id: str | None = None


class CancelAddParticipantFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "CancelAddParticipantFailed"

    invitation_id: str | None = None


class CallTransferAccepted(CallAutomationEvent):
    """The transferee is connected to the target; in a 1:1 call this leg ends next."""

    TYPE: ClassVar[str] = _NS + "CallTransferAccepted"

    transfer_target: Identifier | None = None
    transferee: Identifier | None = None


class CallTransferFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "CallTransferFailed"


class HoldFailed(CallAutomationEvent):
    TYPE: ClassVar[str] = _NS + "HoldFailed"


CALL_EVENTS: tuple[type[CallAutomationEvent], ...] = (
    CallConnected,
    CallDisconnected,
    CreateCallFailed,
    AnswerFailed,
    ConnectFailed,
    ParticipantsUpdated,
    AddParticipantSucceeded,
    AddParticipantFailed,
    RemoveParticipantSucceeded,
    RemoveParticipantFailed,
    MoveParticipantSucceeded,
    MoveParticipantFailed,
    CancelAddParticipantSucceeded,
    CancelAddParticipantFailed,
    CallTransferAccepted,
    CallTransferFailed,
    HoldFailed,
)
