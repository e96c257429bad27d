"""Move participants with the real async SDK: the party leaves the source call and joins this one, with
MoveParticipantSucceeded and both calls' ParticipantsUpdated; refused and failed moves."""

from __future__ import annotations

import pytest
from azure.communication.callautomation import PhoneNumberIdentifier
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from simulator.world import move
from tests.simulator.conftest import Env

APP_NUMBER = "+18005550100"
ALICE, BOB, CAROL = "+15551230001", "+15551230002", "+15551230003"


async def _group(env: Env, *numbers: str) -> str:
    props = await env.client.create_group_call(
        [PhoneNumberIdentifier(n) for n in numbers],
        env.callback_url,
        source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER),
    )
    conn_id = props.call_connection_id
    wanted = {f"4:{n}" for n in numbers}
    await env.receiver.until(
        lambda: env.receiver.of(conn_id, "ParticipantsUpdated") and _roster(env, conn_id) == wanted
    )
    return conn_id


def _roster(env: Env, conn_id: str) -> set[str]:
    """The parties of the last ParticipantsUpdated (the app's own identity, listed too, left out)."""
    last = env.receiver.of(conn_id, "ParticipantsUpdated")[-1]
    return {p["identifier"]["rawId"] for p in last.data["participants"]} - {env.world.app_identity.raw_id}


async def test_a_moved_party_leaves_the_source_and_joins_this_call(env: Env) -> None:
    source = await _group(env, ALICE, BOB)
    target = await _group(env, CAROL)
    connection = env.client.get_call_connection(target)
    result = await connection.move_participants([PhoneNumberIdentifier(ALICE)], source, operation_context="move")
    assert result.from_call == source and [p.identifier.raw_id for p in result.participants] == [f"4:{ALICE}"]

    moved = await env.receiver.event(target, "MoveParticipantSucceeded")
    assert moved.data["participant"]["rawId"] == f"4:{ALICE}" and moved.data["fromCall"] == source
    assert moved.data["operationContext"] == "move"
    assert _roster(env, target) == {f"4:{CAROL}", f"4:{ALICE}"}
    assert _roster(env, source) == {f"4:{BOB}"}
    participants = {p.identifier.raw_id async for p in connection.list_participants()}
    assert participants - {env.world.app_identity.raw_id} == {f"4:{CAROL}", f"4:{ALICE}"}


async def test_moving_the_last_party_ends_the_source_call(env: Env) -> None:
    source = await _group(env, ALICE)
    target = await _group(env, CAROL)
    await env.client.get_call_connection(target).move_participants([PhoneNumberIdentifier(ALICE)], source)
    await env.receiver.event(target, "MoveParticipantSucceeded")
    await env.receiver.event(source, "CallDisconnected")


async def test_a_party_gone_before_the_move_fails_it(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(move, "MOVE_SECONDS", 50.0)  # 1 s of real time: room for the party to hang up first
    source = await _group(env, ALICE, BOB)
    target = await _group(env, CAROL)
    await env.client.get_call_connection(target).move_participants([PhoneNumberIdentifier(ALICE)], source)
    info = next(c for c in await env.control.list_calls() if f"4:{ALICE}" in {p.raw_id for p in c.participants})
    await env.control.hang_up_party(info.server_call_id, ALICE)
    failed = await env.receiver.event(target, "MoveParticipantFailed")
    assert failed.data["resultInformation"]["subCode"] == 8523
    assert "MoveParticipantSucceeded" not in env.receiver.types(target)


async def test_moves_that_cannot_happen_are_refused(env: Env) -> None:
    source = await _group(env, ALICE)
    target = await _group(env, CAROL)
    connection = env.client.get_call_connection(target)
    with pytest.raises(ResourceNotFoundError):
        await connection.move_participants([PhoneNumberIdentifier(ALICE)], "no-such-call")
    with pytest.raises(HttpResponseError) as absent:
        await connection.move_participants([PhoneNumberIdentifier(BOB)], source)
    assert absent.value.status_code == 400
