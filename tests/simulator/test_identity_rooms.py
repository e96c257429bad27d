"""Identity and Rooms with the official async clients by connection string (https, HMAC): users and tokens,
rooms and their participants, the error shape, and connect by roomCallLocator to a room made this way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.communication.callautomation.aio import CallAutomationClient
from azure.communication.identity import CommunicationTokenScope, CommunicationUserIdentifier
from azure.communication.identity.aio import CommunicationIdentityClient
from azure.communication.rooms import ParticipantRole, RoomParticipant
from azure.communication.rooms.aio import RoomsClient
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

from simulator.server import RunningSimulator, run_asgi, run_simulator
from tests.simulator.conftest import Receiver


@dataclass
class Clients:
    sim: RunningSimulator
    identity: CommunicationIdentityClient
    rooms: RoomsClient
    ca: str


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[Clients]:
    async with run_simulator(tls=True, state_dir=str(tmp_path), time_scale=0.02) as sim:
        ca = str(sim.ca_path)
        identity = CommunicationIdentityClient.from_connection_string(sim.connection_string, connection_verify=ca)
        rooms = RoomsClient.from_connection_string(sim.connection_string, connection_verify=ca)
        async with identity, rooms:
            yield Clients(sim, identity, rooms, ca)


async def test_users_and_tokens(clients: Clients) -> None:
    user = await clients.identity.create_user()
    assert user.properties["id"].startswith(f"8:acs:{clients.sim.config.resource_id}_")
    token = await clients.identity.get_token(user, [CommunicationTokenScope.VOIP], token_expires_in=timedelta(hours=2))
    expires = datetime.fromisoformat(str(token.expires_on))  # the client hands the wire string through
    assert token.token.count(".") == 2 and expires > datetime.now(UTC) + timedelta(minutes=110)
    other, first = await clients.identity.create_user_and_token([CommunicationTokenScope.CHAT])
    assert other.properties["id"] != user.properties["id"] and first.token
    await clients.identity.revoke_tokens(user)
    await clients.identity.delete_user(user)
    with pytest.raises(ResourceNotFoundError) as gone:
        await clients.identity.get_token(user, [CommunicationTokenScope.VOIP])
    assert gone.value.error is not None and gone.value.error.code == "IdentityNotFound"


async def test_a_bad_scope_and_a_wrong_key_are_refused(clients: Clients) -> None:
    user = await clients.identity.create_user()
    with pytest.raises(HttpResponseError) as bad:
        await clients.identity.get_token(user, ["telepathy"])  # type: ignore[list-item]  # on purpose
    assert bad.value.status_code == 400
    wrong = clients.sim.connection_string.replace(clients.sim.config.access_key, "d3Jvbmcta2V5LXdyb25nLWtleQ==")
    async with CommunicationIdentityClient.from_connection_string(wrong, connection_verify=clients.ca) as intruder:
        with pytest.raises(ClientAuthenticationError):
            await intruder.create_user()


async def test_rooms_crud_and_participants(clients: Clients) -> None:
    alice = await clients.identity.create_user()
    bob = await clients.identity.create_user()
    start = datetime.now(UTC).replace(microsecond=0)
    room = await clients.rooms.create_room(
        valid_from=start,
        valid_until=start + timedelta(days=1),
        participants=[RoomParticipant(communication_identifier=alice, role=ParticipantRole.PRESENTER)],
    )
    assert room.id.isdigit() and len(room.id) == 17
    fetched = await clients.rooms.get_room(room_id=room.id)
    assert fetched.id == room.id and fetched.pstn_dial_out_enabled is False
    updated = await clients.rooms.update_room(room_id=room.id, pstn_dial_out_enabled=True)
    assert updated.pstn_dial_out_enabled is True
    assert [r.id async for r in clients.rooms.list_rooms()] == [room.id]

    await clients.rooms.add_or_update_participants(
        room_id=room.id,
        participants=[
            RoomParticipant(communication_identifier=bob),
            RoomParticipant(communication_identifier=alice, role=ParticipantRole.CONSUMER),
        ],
    )
    listed = {p.communication_identifier.raw_id: p.role async for p in clients.rooms.list_participants(room.id)}
    assert listed == {alice.raw_id: "Consumer", bob.raw_id: "Attendee"}
    await clients.rooms.remove_participants(room_id=room.id, participants=[bob])
    assert [p.communication_identifier.raw_id async for p in clients.rooms.list_participants(room.id)] == [alice.raw_id]

    await clients.rooms.delete_room(room_id=room.id)
    with pytest.raises(ResourceNotFoundError) as gone:
        await clients.rooms.get_room(room_id=room.id)
    assert gone.value.error is not None and gone.value.error.code == "UnknownRoom"


async def test_invalid_rooms_are_refused(clients: Clients) -> None:
    start = datetime.now(UTC)
    with pytest.raises(HttpResponseError) as backwards:
        await clients.rooms.create_room(valid_from=start, valid_until=start - timedelta(hours=1))
    assert backwards.value.status_code == 400
    stranger = CommunicationUserIdentifier("8:acs:someone-else_1234")
    with pytest.raises(HttpResponseError) as foreign:
        await clients.rooms.create_room(participants=[RoomParticipant(communication_identifier=stranger)])
    assert foreign.value.status_code == 400


async def test_connect_joins_a_room_made_with_the_rooms_client(clients: Clients) -> None:
    room = await clients.rooms.create_room()
    receiver = Receiver()
    async with run_asgi(receiver.app()) as served:
        client = CallAutomationClient.from_connection_string(
            clients.sim.connection_string, connection_verify=clients.ca
        )
        async with client:
            props = await client.connect_call(f"{served.base_url}/events", room_id=room.id)
            await receiver.event(props.call_connection_id, "CallConnected")
            unknown = await client.connect_call(f"{served.base_url}/events", room_id="99999999999999999")
            failed = await receiver.event(unknown.call_connection_id, "ConnectFailed")
    assert failed.data["resultInformation"]["subCode"] == 8522
