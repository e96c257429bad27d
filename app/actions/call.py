"""``CallActions``: every call-control action of the seed guide, bound to one call's session.

Handlers receive one as ``call``. It is a stateless façade over the process's SDK client and the call's
:class:`~app.session.CallSession`: it packs operation contexts, builds callback URLs that keep the call bound to
its flow, logs each request, and turns SDK failures into :class:`CallActionError`. The actions that change the
call (``answer``, ``set_language``) change the session, which the dispatcher persists after the handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import structlog
from azure.communication.callautomation import (
    AddParticipantResult,
    CallConnectionProperties,
    CallParticipant,
    CancelAddParticipantOperationResult,
    CommunicationIdentifier,
    MoveParticipantsResult,
    MuteParticipantResult,
    RemoveParticipantResult,
    TransferCallResult,
)
from azure.communication.callautomation.aio import CallAutomationClient, CallConnectionClient

from app.actions.errors import CallActionError
from app.actions.media import MediaActions
from app.actions.outbound import OutboundCalls
from app.actions.packing import ContextLike, callback_url_for, pack
from app.actions.streaming import MediaStreaming, StreamingActions, Transcription, live_media_options
from app.actions.targets import SupportsSdkIdentifier, as_identifier, as_phone_number, raw_id
from app.logging import note_action
from app.session import CallSession
from config.settings import Settings

T = TypeVar("T")
TargetLike = str | CommunicationIdentifier | SupportsSdkIdentifier
RejectReason = Literal["none", "busy", "forbidden"]


class CallActions(MediaActions, StreamingActions):
    """Actions on one call. In an IncomingCall handler it can answer, reject or redirect; after that (or in any
    callback handler) it acts on the call connection.

    Example::

        @router.incoming_call(to="+18005550100")
        async def answer(call: CallActions) -> None:
            await call.answer(context=Menu())

        @router.recognize_completed(context=Menu, when=lambda event: event.digits == "1")
        async def to_agent(call: CallActions, settings: Settings) -> None:
            await call.transfer(settings.flows.agent_number, context="transfer")
    """

    def __init__(self, client: CallAutomationClient, settings: Settings, session: CallSession) -> None:
        super().__init__(client, settings, session)
        self._outbound = OutboundCalls(client, settings)
        self._log = structlog.get_logger("callwright.actions")

    # ---- pre-call: only with an IncomingCall ---------------------------------------------------------------------

    async def answer(
        self,
        *,
        context: ContextLike = None,
        transcription: Transcription | None = None,
        media: MediaStreaming | None = None,
    ) -> CallConnectionProperties:
        """Answer the ringing call; ``CallConnected`` and ``ParticipantsUpdated`` follow (``AnswerFailed`` if not).

        ``transcription`` / ``media`` set up live transcription / audio streaming to this service's ``/media``.
        """
        incoming = self._require_incoming("answer")
        props = await self._repeatable(
            "answer",
            lambda headers: self._client.answer_call(
                incoming_call_context=incoming,
                callback_url=callback_url_for(self.settings, self.flow),
                operation_context=pack(context),
                cognitive_services_endpoint=self.settings.cognitive_services_endpoint,
                headers=headers,
                **live_media_options(self.settings, self.flow, transcription, media),
            ),
            context=context,
            live_media=_live_media_label(transcription, media),
        )
        if not props.call_connection_id:
            raise CallActionError("answer", None, None, "ACS answered without a call connection id")
        self.session.bind(props.call_connection_id, props.server_call_id)
        return props

    async def reject(self, reason: RejectReason = "none") -> None:
        """Decline the ringing call (``none``, ``busy`` or ``forbidden``). ACS publishes no event for a reject."""
        incoming = self._require_incoming("reject")
        await self._repeatable(
            "reject",
            lambda headers: self._client.reject_call(
                incoming_call_context=incoming, call_reject_reason=reason, headers=headers
            ),
            reason=reason,
        )

    async def redirect(self, target: TargetLike) -> None:
        """Send the ringing call elsewhere without answering it. No event follows; the app loses the call.

        The wire has no caller-id field for a redirect: the target sees the original caller's number.
        """
        incoming = self._require_incoming("redirect")
        identifier = as_identifier(target)
        await self._repeatable(
            "redirect",
            lambda headers: self._client.redirect_call(
                incoming_call_context=incoming, target_participant=identifier, headers=headers
            ),
            target=raw_id(identifier),
        )

    # ---- outbound: new calls, bound to this flow ---------------------------------------------------------------

    async def create_call(
        self,
        targets: TargetLike | Sequence[TargetLike],
        *,
        caller_id: str | None = None,
        display_name: str | None = None,
        context: ContextLike = None,
        transcription: Transcription | None = None,
        media: MediaStreaming | None = None,
    ) -> CallActions:
        """Place a new 1:1 call (one target) or group call (several); returns actions bound to the new call."""
        return await self._outbound.create_call(
            targets,
            caller_id=caller_id,
            display_name=display_name,
            context=context,
            flow=self.flow,
            transcription=transcription,
            media=media,
        )

    async def connect(
        self,
        *,
        server_call_id: str | None = None,
        group_call_id: str | None = None,
        room_id: str | None = None,
        context: ContextLike = None,
        transcription: Transcription | None = None,
        media: MediaStreaming | None = None,
    ) -> CallActions:
        """Join an existing call by exactly one locator; returns actions bound to the new call connection."""
        return await self._outbound.connect(
            server_call_id=server_call_id,
            group_call_id=group_call_id,
            room_id=room_id,
            context=context,
            flow=self.flow,
            transcription=transcription,
            media=media,
        )

    def for_connection(self, call_connection_id: str) -> CallActions:
        """Actions on another call connection of this app, with the same flow, party, locale and voice: e.g. the
        caller's leg while handling an event of a room leg the app joined for them. That connection's own
        session is not loaded (it is saved by its own events), so use it for actions only.

        Example::

            lobby = call.for_connection(ctx.lobby)
            await lobby.hang_up()
        """
        return CallActions(self._client, self.settings, self.session.detached(call_connection_id))

    # ---- mid-call ------------------------------------------------------------------------------------------------

    async def transfer(
        self,
        target: TargetLike,
        *,
        transferee: TargetLike | None = None,
        voip_headers: Mapping[str, str] | None = None,
        sip_headers: Mapping[str, str] | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> TransferCallResult:
        """Transfer to ``target``; in a group call name the ``transferee``. ``CallTransferAccepted`` or
        ``CallTransferFailed`` follows; in a 1:1 call the app then leaves the call.

        ``sip_headers`` carries ``User-To-User`` and ``X-``/``X-MS-Custom-`` headers; ``voip_headers`` goes to
        ACS users.
        """
        identifier = as_identifier(target)
        connection = self._connection()
        return await self._repeatable(
            "transfer",
            lambda headers: connection.transfer_call_to_participant(
                identifier,
                transferee=as_identifier(transferee) if transferee is not None else None,
                voip_headers=dict(voip_headers) if voip_headers else None,
                sip_headers=dict(sip_headers) if sip_headers else None,
                operation_context=pack(context),
                operation_callback_url=callback_url,
                headers=headers,
            ),
            target=raw_id(identifier),
            context=context,
        )

    async def add_participant(
        self,
        target: TargetLike,
        *,
        caller_id: str | None = None,
        display_name: str | None = None,
        invitation_timeout: int | None = None,
        voip_headers: Mapping[str, str] | None = None,
        sip_headers: Mapping[str, str] | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> AddParticipantResult:
        """Invite ``target`` into this call; a phone number needs the resource's ``caller_id``.

        ``AddParticipantSucceeded`` or ``AddParticipantFailed`` follows; keep ``result.invitation_id`` to cancel.
        """
        identifier = as_identifier(target)
        connection = self._connection()
        return await self._repeatable(
            "add_participant",
            lambda headers: connection.add_participant(
                identifier,
                invitation_timeout=invitation_timeout,
                source_caller_id_number=as_phone_number(caller_id) if caller_id else None,
                source_display_name=display_name,
                voip_headers=dict(voip_headers) if voip_headers else None,
                sip_headers=dict(sip_headers) if sip_headers else None,
                operation_context=pack(context),
                operation_callback_url=callback_url,
                headers=headers,
            ),
            target=raw_id(identifier),
            context=context,
        )

    async def cancel_add_participant(
        self, invitation_id: str, *, context: ContextLike = None, callback_url: str | None = None
    ) -> CancelAddParticipantOperationResult:
        """Withdraw a pending invitation; ``CancelAddParticipantSucceeded`` or ``...Failed`` follows."""
        connection = self._connection()
        return await self._repeatable(
            "cancel_add_participant",
            lambda headers: connection.cancel_add_participant_operation(
                invitation_id, operation_context=pack(context), operation_callback_url=callback_url, headers=headers
            ),
            invitation_id=invitation_id,
            context=context,
        )

    async def remove_participant(
        self, target: TargetLike, *, context: ContextLike = None, callback_url: str | None = None
    ) -> RemoveParticipantResult:
        """Remove ``target``; ``RemoveParticipantSucceeded`` or ``...Failed`` and ``ParticipantsUpdated`` follow."""
        identifier = as_identifier(target)
        connection = self._connection()
        return await self._repeatable(
            "remove_participant",
            lambda headers: connection.remove_participant(
                identifier, operation_context=pack(context), operation_callback_url=callback_url, headers=headers
            ),
            target=raw_id(identifier),
            context=context,
        )

    async def move_participants(
        self,
        targets: TargetLike | Sequence[TargetLike],
        *,
        from_call: str,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> MoveParticipantsResult:
        """Move participants of another call connection of the app (``from_call``) into this call, without a new
        ring: ``MoveParticipantSucceeded`` (or ``...Failed``) follows here, with both calls' ``ParticipantsUpdated``.

        Example::

            await room.move_participants(session.party, from_call=ctx.lobby)
        """
        many = [targets] if isinstance(targets, str) or not isinstance(targets, Sequence) else list(targets)
        identifiers = [as_identifier(target) for target in many]
        if not identifiers:
            raise ValueError("move_participants needs at least one target")
        return await self._run(
            "move_participants",
            self._connection().move_participants(
                identifiers, from_call, operation_context=pack(context), operation_callback_url=callback_url
            ),
            targets=[raw_id(identifier) for identifier in identifiers],
            from_call=from_call,
            context=context,
        )

    async def mute(self, target: TargetLike, *, context: ContextLike = None) -> MuteParticipantResult:
        """Mute ``target``; a ``ParticipantsUpdated`` with ``isMuted`` follows."""
        identifier = as_identifier(target)
        connection = self._connection()
        return await self._repeatable(
            "mute",
            lambda headers: connection.mute_participant(identifier, operation_context=pack(context), headers=headers),
            target=raw_id(identifier),
            context=context,
        )

    async def hang_up(self, *, for_everyone: bool = True) -> None:
        """End the call for everyone (default), or only remove the app. ``CallDisconnected`` follows."""
        connection = self._connection()
        if for_everyone:  # terminate: repeatable
            await self._repeatable(
                "hang_up", lambda headers: connection.hang_up(is_for_everyone=True, headers=headers), for_everyone=True
            )
        else:  # a DELETE of this leg only: journaled
            await self._journaled("hang_up", connection.hang_up(is_for_everyone=False), for_everyone=False)

    async def get_participant(self, target: TargetLike) -> CallParticipant:
        identifier = as_identifier(target)
        return await self._run(
            "get_participant", self._connection().get_participant(identifier), target=raw_id(identifier)
        )

    async def list_participants(self) -> list[CallParticipant]:
        async def collect() -> list[CallParticipant]:
            return [participant async for participant in self._connection().list_participants()]

        return await self._run("list_participants", collect())

    async def get_properties(self) -> CallConnectionProperties:
        return await self._run("get_properties", self._connection().get_call_properties())

    # ---- plumbing ------------------------------------------------------------------------------------------------

    def _connection(self) -> CallConnectionClient:
        if not self.call_connection_id:
            raise CallActionError(
                "call", None, None, "this call has no call connection yet: answer, create or connect it first"
            )
        return self._client.get_call_connection(self.call_connection_id)

    def _default_target(self, target: TargetLike | None) -> CommunicationIdentifier:
        chosen = target if target is not None else self.party
        if chosen is None:
            raise CallActionError("media", None, None, "no target: pass one, the call has no known remote party")
        return as_identifier(chosen)

    def _require_incoming(self, action: str) -> str:
        if self.session.incoming_call_context is None:
            raise CallActionError(
                action, None, None, f"{action} needs a ringing call: use it in an IncomingCall handler"
            )
        if self.answered:
            raise CallActionError(action, None, None, "this call was already answered")
        return self.session.incoming_call_context

    async def _run(self, action: str, operation: Awaitable[T], **fields: Any) -> T:
        if "context" in fields:
            fields["context"] = pack(fields["context"])
        # One INFO line per event names its actions (app/web/events_endpoint.py); the details are at DEBUG.
        self._log.debug("action_requested", action=action, call_connection_id=self.call_connection_id, **fields)
        note_action(action)
        try:
            return await operation
        except CallActionError:
            raise
        except Exception as error:
            failure = CallActionError.from_sdk(action, error)
            self._log.warning(
                "action_failed",
                action=action,
                status=failure.status,
                code=failure.code,
                message=failure.message,
            )
            raise failure from error


def _live_media_label(transcription: Transcription | None, media: MediaStreaming | None) -> str | None:
    kinds = [name for name, value in (("transcription", transcription), ("media", media)) if value is not None]
    return "+".join(kinds) or None
