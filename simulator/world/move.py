"""Move participants (``participants:moveHere``): parties leave another call of the app and join this one.

Each moved party leaves the source call (whose connections get ``ParticipantsUpdated``, or ``CallDisconnected``
when nobody is left) and joins the target call (``ParticipantsUpdated``), then the target connection gets
``MoveParticipantSucceeded`` with ``participant`` and ``fromCall``. A party that left the source call before the
move happened gives ``MoveParticipantFailed`` instead.

Example::

    moved = move_participants(world, room_leg, [caller], from_call=lobby.id, cb=Callback("move"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.world.calls import Connection, Participant
from simulator.world.errors import invalid, not_found
from simulator.world.identity import Identifier
from simulator.world.mediaops import require_connected
from simulator.world.roster import Callback

if TYPE_CHECKING:
    from simulator.world.world import World

MOVE_SECONDS = 0.5  # simulated time a move takes
MOVED = {"code": 200, "subCode": 0, "message": "Action completed successfully."}
GONE = {"code": 400, "subCode": 8523, "message": "Participant is no longer in the source call."}


def move_participants(
    world: World, conn: Connection, targets: list[Identifier], *, from_call: str, cb: Callback
) -> list[Participant]:
    """Validate now (source connection known and live, parties in it, not in this call); move in the background."""
    require_connected(conn)
    source = world.connections.get(from_call)
    if source is None or not source.active:
        raise not_found("Source call")
    if source.call is conn.call:
        raise invalid("'fromCall' is this call.")
    moving: list[Participant] = []
    for who in targets:
        found = source.call.participants.get(who.raw_id)
        if found is None:
            raise invalid(f"participant {who.raw_id} is not in the source call.")
        if who.raw_id in conn.call.participants:
            raise invalid(f"participant {who.raw_id} is already in this call.")
        moving.append(found)

    async def settle() -> None:
        await world.clock.sleep(MOVE_SECONDS)
        for who in targets:
            data = {"participant": who.to_wire(), "fromCall": from_call}
            if who.raw_id not in source.call.participants:
                world.emit(
                    conn, "MoveParticipantFailed", data, url=cb.url, operation_context=cb.operation_context, result=GONE
                )
                continue
            world.timeline.record("party", who.raw_id, "moved", call_connection_id=conn.id, fromCall=from_call)
            world.leave(source.call, who)
            world.join(conn.call, who)
            world.participants_updated(conn.call)
            world.emit(
                conn, "MoveParticipantSucceeded", data, url=cb.url, operation_context=cb.operation_context, result=MOVED
            )

    world.spawn(conn.call, settle())
    return moving
