"""``POST /api/calls``: start an outbound call (create or connect) bound to a flow, from outside a handler.

Protected by ``CALLWRIGHT_TRIGGER_API_KEY`` (``Authorization: Bearer <key>`` or ``X-Api-Key: <key>``).

Create::

    curl -X POST http://127.0.0.1:8000/api/calls -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \\
      -d '{"flow": "front_desk", "to": "+15555550150", "callerId": "+18005550100", "state": {"note": "hi"}}'

Connect::

    -d '{"flow": "conference", "connect": {"roomId": "room-1"}}'

Answers 202 ``{"callConnectionId", "serverCallId", "flow"}``; 400 bad body, 401 bad key, 404 unknown flow,
502 when ACS refuses (with its code), 503 before the service has started.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import Callable, Set
from typing import Any

import structlog
from azure.communication.callautomation.aio import CallAutomationClient
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from app.actions.errors import CallActionError
from app.actions.outbound import OutboundCalls
from app.actions.targets import as_identifier, raw_id
from app.session import CallSession
from app.state.base import StateStore
from app.web.body import BodyError, decode_json, read_limited
from app.web.errors import error_response
from config.settings import Settings

MAX_TRIGGER_BODY = 65_536
SEED_TTL_SECONDS = 600  # a call that has not connected within 10 minutes never will


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ConnectTarget(_Model):
    server_call_id: str | None = None
    group_call_id: str | None = None
    room_id: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ConnectTarget:
        if sum(value is not None for value in (self.server_call_id, self.group_call_id, self.room_id)) != 1:
            raise ValueError("connect takes exactly one of serverCallId, groupCallId or roomId")
        return self


class TriggerRequest(_Model):
    flow: str
    to: str | list[str] | None = None
    caller_id: str | None = None
    display_name: str | None = None
    connect: ConnectTarget | None = None
    context: str | None = Field(default=None, max_length=4096)
    state: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _create_or_connect(self) -> TriggerRequest:
        if (self.to is None) == (self.connect is None):
            raise ValueError("give either `to` (create a call) or `connect` (join a call)")
        return self


class TriggerEndpoint:
    """ASGI endpoint over the process's SDK client; ``started`` is True once the app's lifespan has opened it."""

    def __init__(
        self,
        settings: Settings,
        client: CallAutomationClient,
        flows: Set[str],
        store: StateStore,
        *,
        started: Callable[[], bool],
    ) -> None:
        self._settings = settings
        self._client = client
        self._started = started
        self._flows = flows
        self._store = store
        self._log = structlog.get_logger("callwright.trigger")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._handle(Request(scope, receive))
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> Response:
        if not self._authorized(request):
            return _error(401, "unauthorized", "a valid API key is required (Authorization: Bearer <key> or X-Api-Key)")
        try:
            payload = decode_json(await read_limited(request, MAX_TRIGGER_BODY))
        except BodyError as error:
            return _error(error.status, error.code, f"invalid request: {error.detail}")
        try:
            trigger = TriggerRequest.model_validate(payload)
        except (ValueError, ValidationError, RecursionError) as error:
            return _error(400, "invalid_request", f"invalid request: {_summary(error)}")
        if trigger.flow not in self._flows:
            return _error(
                404, "unknown_flow", f"unknown flow {trigger.flow!r}; known: {', '.join(sorted(self._flows))}"
            )
        if not self._started():
            return _error(503, "starting", "the service is starting")
        outbound = OutboundCalls(self._client, self._settings)
        # The initial session is stored before dialing, so the call's first event cannot miss it.
        seed = secrets.token_urlsafe(16)
        initial = CallSession(flow=trigger.flow, state=dict(trigger.state))
        if isinstance(trigger.to, str):
            with contextlib.suppress(ValueError):  # an invalid target is refused by create_call below
                initial.party = raw_id(as_identifier(trigger.to))
        await self._store.put_seed(seed, initial.to_document(), SEED_TTL_SECONDS)
        try:
            if trigger.to is not None:
                call = await outbound.create_call(
                    trigger.to,
                    caller_id=trigger.caller_id,
                    display_name=trigger.display_name,
                    context=trigger.context,
                    flow=trigger.flow,
                    seed=seed,
                )
            else:
                assert trigger.connect is not None
                call = await outbound.connect(
                    server_call_id=trigger.connect.server_call_id,
                    group_call_id=trigger.connect.group_call_id,
                    room_id=trigger.connect.room_id,
                    context=trigger.context,
                    flow=trigger.flow,
                    seed=seed,
                )
        except (ValueError, CallActionError) as error:
            await self._store.drop_seed(seed)
            if isinstance(error, ValueError):
                return _error(400, "invalid_request", str(error))
            return error_response(502, "acs_refused", error.message, acsStatus=error.status, acsCode=error.code)
        self._log.info("outbound_call_started", flow=trigger.flow, call_connection_id=call.call_connection_id)
        return JSONResponse(
            {"callConnectionId": call.call_connection_id, "serverCallId": call.server_call_id, "flow": trigger.flow},
            202,
        )

    def _authorized(self, request: Request) -> bool:
        expected = self._settings.trigger_api_key
        if expected is None:
            return False
        header = request.headers.get("authorization", "")
        offered = header[7:] if header.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
        return hmac.compare_digest(offered.encode(), expected.get_secret_value().encode())


def _summary(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()[:5])
    return "the body could not be read"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return error_response(status, code, message)
