"""Call setup and teardown: createCall, answer, redirect, reject, connect, get, hang up, terminate, transfer."""

from __future__ import annotations

from typing import Any

from simulator.streaming import lifecycle as streaming
from simulator.streaming.options import parse_media_streaming, parse_transcription
from simulator.wire.body import Body
from simulator.wire.identifiers import (
    custom_calling_context,
    identifier_field,
    identifier_list,
    phone_value,
    user_field,
)
from simulator.wire.rest import Operation, Reply, RestContext, operation
from simulator.world import roster, setup
from simulator.world.calls import DISCONNECTED
from simulator.world.errors import invalid, not_found
from simulator.world.identity import Identifier

_REJECT_REASONS = ("none", "busy", "forbidden")
_LOCATORS = {"serverCallLocator": "serverCallId", "groupCallLocator": "groupCallId", "roomCallLocator": "roomId"}


@operation("createCall", "POST", "/calling/callConnections")
async def create_call(ctx: RestContext) -> Reply:
    body = ctx.body
    targets = identifier_list(body, "targets", required=True, non_empty=True)
    callback = body.url("callbackUri", required=True)
    caller_id = phone_value(body, "sourceCallerIdNumber")
    if any(t.is_phone for t in targets) and caller_id is None:
        raise invalid("sourceCallerIdNumber is required to call a phone number.")
    if len({t.raw_id for t in targets}) != len(targets):
        raise invalid("targets contain duplicates.")
    source = user_field(body, "source")
    assert callback is not None
    live = _live_media(body)
    conn = setup.create_call(
        ctx.world,
        targets,
        callback,
        source_caller_id=caller_id,
        source_display_name=body.text("sourceDisplayName"),
        source=source,
        operation_context=body.text("operationContext"),
        api_version=ctx.api_version,
    )
    streaming.attach(ctx.world, conn, **live)
    ctx.bind(conn)
    return Reply(201, conn.to_wire())


@operation("answer", "POST", "/calling/callConnections:answer")
async def answer(ctx: RestContext) -> Reply:
    body = ctx.body
    context = body.text("incomingCallContext", required=True)
    callback = body.url("callbackUri", required=True)
    assert context is not None and callback is not None
    live = _live_media(body)
    conn = setup.answer(
        ctx.world,
        context,
        callback,
        operation_context=body.text("operationContext"),
        answered_by=user_field(body, "answeredBy"),
        api_version=ctx.api_version,
    )
    streaming.attach(ctx.world, conn, **live)
    ctx.bind(conn)
    return Reply(200, conn.to_wire())


@operation("redirect", "POST", "/calling/callConnections:redirect")
async def redirect(ctx: RestContext) -> Reply:
    body = ctx.body
    context = body.text("incomingCallContext", required=True)
    target = identifier_field(body, "target", required=True)
    assert context is not None and target is not None
    _bind_ring(ctx, context)
    setup.redirect(ctx.world, context, target, custom_calling_context(body))
    return Reply(204)


@operation("reject", "POST", "/calling/callConnections:reject")
async def reject(ctx: RestContext) -> Reply:
    body = ctx.body
    context = body.text("incomingCallContext", required=True)
    reason = body.choice("callRejectReason", _REJECT_REASONS) or "none"
    assert context is not None
    _bind_ring(ctx, context)
    setup.reject(ctx.world, context, reason)
    return Reply(204)


@operation("connect", "POST", "/calling/callConnections:connect")
async def connect(ctx: RestContext) -> Reply:
    body = ctx.body
    locator = body.obj("callLocator", required=True)
    callback = body.url("callbackUri", required=True)
    assert locator is not None and callback is not None
    kind = locator.choice("kind", tuple(_LOCATORS))
    if kind is None:  # the SDK always sends kind; tolerate its absence by looking at which id is present
        kind = next((k for k, f in _LOCATORS.items() if f in locator.data), None)
    if kind is None:
        raise invalid("'callLocator' needs serverCallId, groupCallId or roomId.")
    value = locator.text(_LOCATORS[kind], required=True)
    assert value is not None
    live = _live_media(body)
    conn = setup.connect(
        ctx.world, kind, value, callback, operation_context=body.text("operationContext"), api_version=ctx.api_version
    )
    streaming.attach(ctx.world, conn, **live)
    ctx.bind(conn)
    return Reply(200, conn.to_wire())


@operation("getCall", "GET", "/calling/callConnections/{id}")
async def get_call(ctx: RestContext) -> Reply:
    conn = ctx.connection(allow_ended=True)
    if conn.state == DISCONNECTED:
        raise not_found("Call")
    return Reply(200, conn.to_wire())


@operation("hangUp", "DELETE", "/calling/callConnections/{id}")
async def hang_up(ctx: RestContext) -> Reply:
    setup.hang_up(ctx.world, ctx.connection())
    return Reply(204)


@operation("terminate", "POST", "/calling/callConnections/{id}:terminate")
async def terminate(ctx: RestContext) -> Reply:
    setup.terminate(ctx.world, ctx.connection())
    return Reply(204)


@operation("transfer", "POST", "/calling/callConnections/{id}:transferToParticipant")
async def transfer(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    target = identifier_field(body, "targetParticipant", required=True)
    assert target is not None
    transferee = identifier_field(body, "transferee")
    context = custom_calling_context(body)
    caller_id = phone_value(body, "sourceCallerIdNumber")
    operation_context = body.text("operationContext")
    cb = roster.Callback(operation_context, body.url("operationCallbackUri"))
    roster.transfer(
        ctx.world,
        conn,
        target,
        transferee,
        custom_context=context,
        caller=_phone(caller_id),
        cb=cb,
    )
    return Reply(202, {"operationContext": operation_context})


def _live_media(body: Body) -> dict[str, Any]:
    """``transcriptionOptions`` and ``mediaStreamingOptions``, checked before the call is touched."""
    return {
        "transcription": parse_transcription(body.obj("transcriptionOptions")),
        "media": parse_media_streaming(body.obj("mediaStreamingOptions")),
    }


def _phone(number: str | None) -> Identifier | None:
    return Identifier.phone(number) if number else None


def _bind_ring(ctx: RestContext, context: str) -> None:
    ring = ctx.world.rings.get(context)
    if ring is not None:
        ctx.server_call_id = ring.call.server_call_id
        ctx.correlation_id = ring.call.correlation_id


OPERATIONS: list[Operation] = [
    create_call,
    answer,
    redirect,
    reject,
    connect,
    get_call,
    hang_up,
    terminate,
    transfer,
]
