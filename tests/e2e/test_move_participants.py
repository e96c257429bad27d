"""call.move_participants through the real service, SDK and emulator: a caller in a lobby call is moved into a
call the flow placed, with no second ring."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app import CallActions, OperationContext, Router
from app.testing.harness import Phone
from tests.e2e.helpers import OWNED_CALLER_ID, WAIT, callbacks, names, requests

CALLER = "+15551230001"
ROOM_PARTY = "+15551230003"
LOBBY_NUMBER = "+18005550101"

router = Router(name="mover")


class Lobby(OperationContext, prefix="mv-lobby"):
    pass


class Room(OperationContext, prefix="mv-room"):
    lobby: str
    caller: str


@router.incoming_call(to=LOBBY_NUMBER)
async def answer(call: CallActions) -> None:
    await call.answer(context=Lobby())


@router.call_connected(context=Lobby)
async def place_room(call: CallActions) -> None:
    assert call.call_connection_id and call.party
    room = Room(lobby=call.call_connection_id, caller=call.party.removeprefix("4:"))
    await call.create_call(ROOM_PARTY, caller_id=OWNED_CALLER_ID, context=room)


@router.call_connected(context=Room)
async def move_caller(call: CallActions, ctx: Room) -> None:
    await call.move_participants(ctx.caller, from_call=ctx.lobby, context="moved")


@pytest.fixture
def callwright_flows() -> Sequence[Router]:
    return [router]


async def test_the_caller_is_moved_into_the_new_call(phone: Phone) -> None:
    lobby = await phone.dial(LOBBY_NUMBER, from_=CALLER)
    await lobby.expect_answered()
    await lobby.expect_hangup()  # the lobby ends once its only party has moved out
    calls = await phone.emulator.list_calls()
    room = next(c for c in calls if c.server_call_id != lobby.server_call_id)

    def moved(entries: list) -> bool:  # type: ignore[type-arg]  # timeline entries
        return "MoveParticipantSucceeded" in names(callbacks(entries))

    entries = await phone.emulator.wait_for(room.server_call_id, moved, timeout=WAIT)
    [request] = requests(entries, "moveParticipants")
    assert request.detail["status"] == 202 and request.detail["body"]["fromCall"]
    info = await phone.emulator.get_call(room.server_call_id)
    assert {p.raw_id for p in info.participants} == {f"4:{CALLER}", f"4:{ROOM_PARTY}"}
