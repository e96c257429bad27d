"""Connecting to a running call by server call id, group call id or room id (seed guide: 連線到通話)."""

from __future__ import annotations

from app.testing.harness import Phone
from tests.e2e import seed_flow
from tests.e2e.helpers import (
    all_answered_200,
    callbacks,
    delivered,
    names,
    participants,
    request,
    result,
    wait,
)

CALLER = "+15551230001"


async def test_connect_by_server_call_id_to_a_call_the_service_is_not_in(phone: Phone) -> None:
    # A call between two phones without Call Automation: the service redirected it and never answered.
    placed = await phone.dial(seed_flow.REDIRECT_TO_PSTN, from_=CALLER)
    target = f"4:{seed_flow.PSTN_TARGET}"
    await wait(
        phone,
        placed.server_call_id,
        lambda entries: any(e.kind == "party" and e.actor == target and e.name == "answer" for e in entries),
        "the two phones to be talking",
    )

    call = await phone.trigger("seed", server_call_id=placed.server_call_id)
    assert call.server_call_id == placed.server_call_id
    connected, updated = await delivered(phone, call.server_call_id, "CallConnected", "ParticipantsUpdated")

    entries = await phone.emulator.timeline(call.server_call_id)
    connect = request(entries, "connect")
    assert connect.detail["status"] == 200
    assert connect.detail["body"]["callLocator"] == {
        "serverCallId": placed.server_call_id,
        "kind": "serverCallLocator",
    }
    assert connected.call_connection_id == connect.call_connection_id
    assert participants(updated) == seed_flow.with_app(phone.settings, f"4:{CALLER}", target)
    all_answered_200(entries)


async def test_connect_by_group_call_id(phone: Phone) -> None:
    alice, bob = (seed_flow.acs_user(phone.settings, name) for name in ("alice", "bob"))
    group = await phone.emulator.create_group([alice, bob])
    call = await phone.trigger("seed", group_call_id=group)
    _, updated = await delivered(phone, call.server_call_id, "CallConnected", "ParticipantsUpdated")

    entries = await phone.emulator.timeline(call.server_call_id)
    body = request(entries, "connect").detail["body"]
    assert body["callLocator"] == {"groupCallId": group, "kind": "groupCallLocator"}
    assert participants(updated) == seed_flow.with_app(phone.settings, alice, bob)
    assert names(callbacks(entries)) == ["CallConnected", "ParticipantsUpdated"]


async def test_connect_by_room_id(phone: Phone) -> None:
    carol, dave = (seed_flow.acs_user(phone.settings, name) for name in ("carol", "dave"))
    room = await phone.emulator.create_room([carol, dave])
    call = await phone.trigger("seed", room_id=room)
    _, updated = await delivered(phone, call.server_call_id, "CallConnected", "ParticipantsUpdated")

    entries = await phone.emulator.timeline(call.server_call_id)
    body = request(entries, "connect").detail["body"]
    assert body["callLocator"] == {"roomId": room, "kind": "roomCallLocator"}
    assert "flow=seed" in body["callbackUri"]
    assert participants(updated) == seed_flow.with_app(phone.settings, carol, dave)
    assert names(callbacks(entries)) == ["CallConnected", "ParticipantsUpdated"]


async def test_connect_to_an_unknown_room_gives_connect_failed(phone: Phone) -> None:
    call = await phone.trigger("seed", room_id="no-such-room")
    [failed] = await delivered(phone, call.server_call_id, "ConnectFailed")

    entries = await phone.emulator.timeline(call.server_call_id)
    assert request(entries, "connect").detail["status"] == 200  # accepted; the failure comes as an event
    assert result(failed) == (404, 8522)
    assert names(callbacks(entries)) == ["ConnectFailed"]
