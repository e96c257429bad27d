"""Participants: list (paged), get, add, remove, mute, cancel add."""

from __future__ import annotations

from simulator.wire.identifiers import custom_calling_context, identifier_field, identifier_list, phone_value
from simulator.wire.rest import Operation, Reply, RestContext, operation
from simulator.world import roster
from simulator.world.calls import Connection
from simulator.world.errors import invalid, not_found
from simulator.world.identity import Identifier

MAX_INVITATION_TIMEOUT = 180


@operation("listParticipants", "GET", "/calling/callConnections/{id}/participants")
async def list_participants(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    participants = [p.to_wire() for p in conn.call.roster()]
    page_size = ctx.world.timing.page_size
    try:
        skip = max(0, int((ctx.query.get("skipToken") or ["0"])[0]))
    except ValueError:
        raise invalid("'skipToken' is not valid.") from None
    page = participants[skip : skip + page_size]
    body: dict[str, object] = {"value": page}
    if skip + page_size < len(participants):
        body["nextLink"] = f"{ctx.request_path}?skipToken={skip + page_size}"
    return Reply(200, body)


@operation("getParticipant", "GET", "/calling/callConnections/{id}/participants/{participant}")
async def get_participant(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    found = conn.call.member(Identifier.parse_loose(ctx.params["participant"]).raw_id)
    if found is None:
        raise not_found("Participant")
    return Reply(200, found.to_wire())


@operation("addParticipant", "POST", "/calling/callConnections/{id}/participants:add")
async def add_participant(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    target = identifier_field(body, "participantToAdd", required=True)
    assert target is not None
    caller_id = phone_value(body, "sourceCallerIdNumber")
    if target.is_phone and caller_id is None and _known_number(conn) is None:
        raise invalid("sourceCallerIdNumber is required to add a phone number.")
    timeout = body.number("invitationTimeoutInSeconds", minimum=1, maximum=MAX_INVITATION_TIMEOUT)
    context = custom_calling_context(body)
    operation_context = body.text("operationContext")
    cb = roster.Callback(operation_context, body.url("operationCallbackUri"))
    caller = Identifier.phone(caller_id) if caller_id else (_known_number(conn) or ctx.world.app_identity)
    ring = roster.add_participant(
        ctx.world,
        conn,
        target,
        timeout=timeout if timeout is not None else ctx.world.timing.invitation_timeout,
        custom_context=context,
        caller=caller,
        cb=cb,
    )
    participant = {"identifier": target.to_wire(), "isMuted": False, "isOnHold": False}
    reply = {"participant": participant, "operationContext": operation_context, "invitationId": ring.invitation_id}
    return Reply(202, reply)


@operation("removeParticipant", "POST", "/calling/callConnections/{id}/participants:remove")
async def remove_participant(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    target = identifier_field(ctx.body, "participantToRemove", required=True)
    assert target is not None
    operation_context = ctx.body.text("operationContext")
    cb = roster.Callback(operation_context, ctx.body.url("operationCallbackUri"))
    roster.remove_participant(ctx.world, conn, target, cb)
    return Reply(202, {"operationContext": operation_context})


@operation("mute", "POST", "/calling/callConnections/{id}/participants:mute")
async def mute(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    targets = identifier_list(ctx.body, "targetParticipants", required=True, non_empty=True)
    if len(targets) != 1:
        raise invalid("exactly one participant can be muted per request.")
    if targets[0].is_phone:
        # ACS's REST reference: "Participants to be muted from the call. Only ACS Users are supported."
        raise invalid("only ACS users can be muted; PSTN participants are not supported.")
    operation_context = ctx.body.text("operationContext")
    roster.mute(ctx.world, conn, targets[0])
    return Reply(200, {"operationContext": operation_context})


@operation("cancelAddParticipant", "POST", "/calling/callConnections/{id}/participants:cancelAddParticipant")
async def cancel_add_participant(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    invitation_id = ctx.body.text("invitationId", required=True)
    assert invitation_id is not None
    operation_context = ctx.body.text("operationContext")
    cb = roster.Callback(operation_context, ctx.body.url("operationCallbackUri"))
    roster.cancel_add_participant(ctx.world, conn, invitation_id, cb)
    return Reply(202, {"invitationId": invitation_id, "operationContext": operation_context})


def _known_number(conn: Connection) -> Identifier | None:
    """A number the app's leg already presents (its caller id, or the owned number that was called)."""
    if conn.source_caller_id:
        return Identifier.phone(conn.source_caller_id)
    callee = conn.call.callee
    return callee if callee is not None and callee.is_phone else None


OPERATIONS: list[Operation] = [
    list_participants,
    get_participant,
    add_participant,
    remove_participant,
    mute,
    cancel_add_participant,
]
