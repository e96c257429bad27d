"""Outbound calls (create, connect), usable from handlers, the HTTP trigger and the console command."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import structlog
from azure.communication.callautomation import CallConnectionProperties, CommunicationIdentifier
from azure.communication.callautomation.aio import CallAutomationClient

from app.actions.errors import CallActionError
from app.actions.packing import ContextLike, callback_url_for, pack
from app.actions.streaming import MediaStreaming, Transcription, live_media_options
from app.actions.targets import SupportsSdkIdentifier, as_identifier, as_phone_number, raw_id
from app.session import CallSession
from config.settings import Settings

if TYPE_CHECKING:
    from app.actions.call import CallActions

TargetLike = str | CommunicationIdentifier | SupportsSdkIdentifier


class OutboundCalls:
    """Starts calls bound to a flow.

    Example::

        call = await OutboundCalls(client, settings).create_call(
            "+15555550150", caller_id="+18005550103", flow="appointment_reminder"
        )
    """

    def __init__(self, client: CallAutomationClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._log = structlog.get_logger("callwright.actions")

    async def create_call(
        self,
        targets: TargetLike | Sequence[TargetLike],
        *,
        caller_id: str | None = None,
        display_name: str | None = None,
        context: ContextLike = None,
        flow: str | None = None,
        seed: str | None = None,
        transcription: Transcription | None = None,
        media: MediaStreaming | None = None,
    ) -> CallActions:
        """One target → a 1:1 call; several → a group call. A phone-number target needs ``caller_id``.

        ``seed`` names initial state already stored with ``store.put_seed``: the call's first event takes it.
        """
        many = [targets] if isinstance(targets, str) or not isinstance(targets, Sequence) else list(targets)
        identifiers = [as_identifier(target) for target in many]
        if not identifiers:
            raise ValueError("create_call needs at least one target")
        source = as_phone_number(caller_id) if caller_id else None
        url = callback_url_for(self._settings, flow, seed)
        live = live_media_options(self._settings, flow, transcription, media)
        fields = {"targets": [raw_id(i) for i in identifiers], "context": pack(context), "flow": flow}
        self._log.info("action_requested", action="create_call", **fields)
        try:
            if len(identifiers) == 1:
                props = await self._client.create_call(
                    identifiers[0],
                    url,
                    source_caller_id_number=source,
                    source_display_name=display_name,
                    operation_context=pack(context),
                    cognitive_services_endpoint=self._settings.cognitive_services_endpoint,
                    **live,
                )
            else:
                props = await self._client.create_group_call(
                    identifiers,
                    url,
                    source_caller_id_number=source,
                    source_display_name=display_name,
                    operation_context=pack(context),
                    cognitive_services_endpoint=self._settings.cognitive_services_endpoint,
                    **live,
                )
        except Exception as error:
            raise self._failed("create_call", error) from error
        return self._bound(props, flow, party=raw_id(identifiers[0]) if len(identifiers) == 1 else None)

    async def connect(
        self,
        *,
        server_call_id: str | None = None,
        group_call_id: str | None = None,
        room_id: str | None = None,
        context: ContextLike = None,
        flow: str | None = None,
        seed: str | None = None,
        transcription: Transcription | None = None,
        media: MediaStreaming | None = None,
    ) -> CallActions:
        """Join a running call by exactly one of server call id, group call id or room id."""
        locators = {"server_call_id": server_call_id, "group_call_id": group_call_id, "room_id": room_id}
        given = {key: value for key, value in locators.items() if value}
        if len(given) != 1:
            raise ValueError("connect needs exactly one of server_call_id, group_call_id or room_id")
        url = callback_url_for(self._settings, flow, seed)
        ai = self._settings.cognitive_services_endpoint
        live = live_media_options(self._settings, flow, transcription, media)
        self._log.info("action_requested", action="connect", context=pack(context), flow=flow, **given)
        try:
            if server_call_id:
                props = await self._client.connect_call(
                    url,
                    server_call_id=server_call_id,
                    operation_context=pack(context),
                    cognitive_services_endpoint=ai,
                    **live,
                )
            elif group_call_id:
                props = await self._client.connect_call(
                    url,
                    group_call_id=group_call_id,
                    operation_context=pack(context),
                    cognitive_services_endpoint=ai,
                    **live,
                )
            else:
                props = await self._client.connect_call(
                    url, room_id=str(room_id), operation_context=pack(context), cognitive_services_endpoint=ai, **live
                )
        except Exception as error:
            raise self._failed("connect", error) from error
        return self._bound(props, flow, party=None)

    def _bound(self, props: CallConnectionProperties, flow: str | None, *, party: str | None) -> CallActions:
        from app.actions.call import CallActions  # the two modules refer to each other

        session = CallSession(
            flow=flow, party=party, call_connection_id=props.call_connection_id, server_call_id=props.server_call_id
        )
        return CallActions(self._client, self._settings, session)

    def _failed(self, action: str, error: Exception) -> CallActionError:
        failure = CallActionError.from_sdk(action, error)
        self._log.warning("action_failed", action=action, status=failure.status, code=failure.code)
        return failure
