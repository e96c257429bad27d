"""``participants:moveHere``: move parties from another call connection of the app into this call."""

from __future__ import annotations

from simulator.wire.identifiers import identifier_list
from simulator.wire.rest import Operation, Reply, RestContext, operation
from simulator.world.move import move_participants
from simulator.world.roster import Callback


@operation("moveParticipants", "POST", "/calling/callConnections/{id}/participants:moveHere")
async def move_here(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    targets = identifier_list(body, "targetParticipants", required=True, non_empty=True)
    from_call = body.text("fromCall", required=True)
    assert from_call is not None
    operation_context = body.text("operationContext")
    moving = move_participants(
        ctx.world, conn, targets, from_call=from_call, cb=Callback(operation_context, body.url("operationCallbackUri"))
    )
    reply = {
        "participants": [p.to_wire() for p in moving],
        "operationContext": operation_context,
        "fromCall": from_call,
    }
    return Reply(202, reply)


OPERATIONS: list[Operation] = [move_here]
