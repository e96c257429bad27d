"""Outbound calls, participants and transfer with the real SDK (sync client in a thread, and async client)."""

from __future__ import annotations

import asyncio

import pytest
from azure.communication.callautomation import (
    CallAutomationClient,
    CallInvite,
    CommunicationUserIdentifier,
    PhoneNumberIdentifier,
)
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError

from simulator.world import Timing
from simulator.world.identity import Identifier
from tests.simulator.conftest import Env

APP_NUMBER = "+18005550100"
BOB = "+15551230002"
CAROL = "+15551230003"


async def _call(env: Env, target: str = BOB) -> str:
    props = await env.client.create_call(
        CallInvite(PhoneNumberIdentifier(target), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)),
        env.callback_url,
        operation_context="out",
    )
    await env.receiver.event(props.call_connection_id, "ParticipantsUpdated")
    return str(props.call_connection_id)


async def test_create_call_with_the_sync_client(env: Env) -> None:
    def create() -> object:
        client = CallAutomationClient(env.sim.base_url, AzureKeyCredential(env.key))
        invite = CallInvite(PhoneNumberIdentifier(BOB), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER))
        return client.create_call(invite, env.callback_url)

    props = await asyncio.to_thread(create)
    conn_id = props.call_connection_id  # type: ignore[attr-defined]  # CallConnectionProperties
    assert props.call_connection_state == "connecting"  # type: ignore[attr-defined]
    assert props.source_caller_id_number.raw_id == f"4:{APP_NUMBER}"  # type: ignore[attr-defined]
    await env.receiver.event(conn_id, "ParticipantsUpdated")
    assert env.receiver.types(conn_id) == ["CallConnected", "ParticipantsUpdated"]


async def test_pstn_target_without_caller_id_is_8523(env: Env) -> None:
    with pytest.raises(HttpResponseError) as caught:
        await env.client.create_call(CallInvite(PhoneNumberIdentifier(BOB)), env.callback_url)
    assert caught.value.status_code == 400 and "8523" in str(caught.value)


@pytest.mark.parametrize(("number", "sub_code"), [("+15550000486", 8539), ("+15550000603", 8538)])
async def test_busy_and_declined_numbers_fail_the_call(env: Env, number: str, sub_code: int) -> None:
    props = await env.client.create_call(
        CallInvite(PhoneNumberIdentifier(number), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)),
        env.callback_url,
    )
    failed = await env.receiver.event(props.call_connection_id, "CallDisconnected")
    assert env.receiver.types(props.call_connection_id) == ["CreateCallFailed", "CallDisconnected"]
    assert failed.data["resultInformation"]["subCode"] == sub_code


async def test_group_call_hang_up_leaves_the_others_talking(env: Env) -> None:
    user = f"8:acs:{env.sim.config.resource_id}_11111111-1111-4111-8111-111111111111"
    props = await env.client.create_group_call(
        [PhoneNumberIdentifier(BOB), CommunicationUserIdentifier(user)],
        env.callback_url,
        source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER),
    )
    conn_id = props.call_connection_id
    await env.receiver.until(lambda: len(env.receiver.of(conn_id, "ParticipantsUpdated")) >= 2)
    updates = env.receiver.of(conn_id, "ParticipantsUpdated")
    assert [u.data["sequenceNumber"] for u in updates] == [1, 2]
    assert {p["identifier"]["rawId"] for p in updates[-1].data["participants"]} == {f"4:{BOB}", user, env.app_id}
    await env.client.get_call_connection(conn_id).hang_up(is_for_everyone=False)
    await env.receiver.event(conn_id, "CallDisconnected")
    assert (await env.control.get_call(props.server_call_id)).state == "established"


async def test_add_mute_remove_participant(env: Env) -> None:
    conn_id = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    result = await connection.add_participant(
        PhoneNumberIdentifier(CAROL), operation_context="add", invitation_timeout=30
    )
    assert result.invitation_id and result.participant.identifier.raw_id == f"4:{CAROL}"
    added = await env.receiver.event(conn_id, "AddParticipantSucceeded")
    assert added.data["participant"]["rawId"] == f"4:{CAROL}" and added.data["operationContext"] == "add"

    with pytest.raises(HttpResponseError) as refused:  # ACS mutes ACS users only
        await connection.mute_participant(PhoneNumberIdentifier(CAROL))
    assert refused.value.status_code == 400 and "8523" in str(refused.value)
    dave = f"8:acs:{env.sim.config.resource_id}_0000aaaa-0000-0000-0000-00000000dave"
    await connection.add_participant(CommunicationUserIdentifier(dave))
    await env.receiver.until(lambda: len(env.receiver.of(conn_id, "AddParticipantSucceeded")) == 2)
    await connection.mute_participant(CommunicationUserIdentifier(dave))
    await env.receiver.until(
        lambda: any(
            p["isMuted"] for e in env.receiver.of(conn_id, "ParticipantsUpdated") for p in e.data["participants"]
        )
    )
    await connection.remove_participant(PhoneNumberIdentifier(CAROL), operation_context="rm")
    removed = await env.receiver.event(conn_id, "RemoveParticipantSucceeded")
    assert removed.data["operationContext"] == "rm"
    await env.receiver.until(lambda: env.receiver.types(conn_id)[-1] == "ParticipantsUpdated")
    last = env.receiver.of(conn_id, "ParticipantsUpdated")[-1]
    assert [p["identifier"]["rawId"] for p in last.data["participants"]] == [f"4:{BOB}", dave, env.app_id]
    sequence = [e.data["sequenceNumber"] for e in env.receiver.of(conn_id, "ParticipantsUpdated")]
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)


async def test_add_participant_no_answer_times_out_and_cancel(env: Env) -> None:
    conn_id = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    await connection.add_participant(PhoneNumberIdentifier("+15550000404"), invitation_timeout=2)
    failed = await env.receiver.event(conn_id, "AddParticipantFailed")
    assert failed.data["resultInformation"]["code"] == 408
    assert failed.data["resultInformation"]["subCode"] == 10057

    pending = await connection.add_participant(PhoneNumberIdentifier("+15550010404"))
    cancel = await connection.cancel_add_participant_operation(pending.invitation_id, operation_context="c")
    assert cancel.invitation_id == pending.invitation_id
    done = await env.receiver.event(conn_id, "CancelAddParticipantSucceeded")
    assert done.data["invitationId"] == pending.invitation_id
    await connection.cancel_add_participant_operation(pending.invitation_id)
    await env.receiver.event(conn_id, "CancelAddParticipantFailed")


async def test_add_acs_user_announces_incoming_call_with_custom_context(env: Env) -> None:
    conn_id = await _call(env)
    user = f"8:acs:{env.sim.config.resource_id}_22222222-2222-4222-8222-222222222222"
    connection = env.client.get_call_connection(conn_id)
    await connection.add_participant(
        CommunicationUserIdentifier(user), sip_headers=None, voip_headers={"ticket": "T-42"}
    )
    incoming = await env.receiver.incoming_call(lambda d: d["to"]["rawId"] == user)
    assert incoming["customContext"] == {"voipHeaders": {"ticket": "T-42"}}
    await env.receiver.event(conn_id, "AddParticipantSucceeded")


async def test_invalid_custom_calling_context_is_8523(env: Env) -> None:
    conn_id = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    with pytest.raises(HttpResponseError) as caught:
        await connection.transfer_call_to_participant(PhoneNumberIdentifier(CAROL), sip_headers={"Bad-Header": "x"})
    assert "8523" in str(caught.value)
    with pytest.raises(HttpResponseError):
        await connection.transfer_call_to_participant(
            PhoneNumberIdentifier(CAROL), sip_headers={f"X-MS-Custom-{i}": "v" for i in range(6)}
        )


async def test_transfer_in_a_one_to_one_call_disconnects_the_app(env: Env) -> None:
    conn_id = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    result = await connection.transfer_call_to_participant(
        PhoneNumberIdentifier(CAROL), operation_context="xfer", sip_headers={"User-To-User": "abc;encoding=hex"}
    )
    assert result.operation_context == "xfer"
    await env.receiver.event(conn_id, "CallDisconnected")
    accepted = env.receiver.of(conn_id, "CallTransferAccepted")[0]
    assert accepted.data["transferTarget"]["rawId"] == f"4:{CAROL}"
    assert accepted.data["transferee"]["rawId"] == f"4:{BOB}"
    assert env.receiver.types(conn_id)[-2:] == ["CallTransferAccepted", "CallDisconnected"]


async def test_transfer_to_failing_target(env: Env) -> None:
    conn_id = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    await connection.transfer_call_to_participant(PhoneNumberIdentifier("+15550000500"))
    await env.receiver.event(conn_id, "CallTransferFailed")
    props = await connection.get_call_properties()
    assert props.call_connection_state == "connected"


async def test_party_hang_up_in_one_to_one_disconnects(env: Env) -> None:
    conn_id = await _call(env)
    server_call_id = (await env.client.get_call_connection(conn_id).get_call_properties()).server_call_id
    await env.control.hang_up_party(server_call_id, BOB)
    await env.receiver.event(conn_id, "CallDisconnected")
    with pytest.raises(HttpResponseError) as caught:
        await env.client.get_call_connection(conn_id).play_media_to_all([])
    assert caught.value.status_code in (400, 404)


async def test_participant_list_pages_with_next_link(env: Env) -> None:
    conn_id = await _call(env)
    call = env.world.connections[conn_id].call
    for i in range(4):
        env.world.join(call, Identifier(f"4:+1555999000{i}"))
    env.world.timing = Timing(page_size=2)
    participants = [p async for p in env.client.get_call_connection(conn_id).list_participants()]
    assert len(participants) == 6  # five parties and the app itself
    assert len({p.identifier.raw_id for p in participants}) == 6
    requests = [e for e in env.sim.app.state.timeline.for_call(call.server_call_id) if e.name == "listParticipants"]
    assert len(requests) == 3  # pages of 2, 2 and 2: the SDK followed nextLink twice
