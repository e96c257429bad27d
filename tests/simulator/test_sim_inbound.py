"""Inbound calls: IncomingCall, answer, reject, redirect, and what the app sees afterwards (real async SDK)."""

from __future__ import annotations

from azure.communication.callautomation import CommunicationUserIdentifier, PhoneNumberIdentifier
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.simulator.conftest import Env

CALLER = "+15551230001"
OWNED = "+18005550100"


async def test_incoming_call_answer_connects_and_lists_the_caller(env: Env) -> None:
    placed = await env.control.place_call(CALLER, OWNED, callerDisplayName="Alice")
    incoming = await env.receiver.incoming_call()
    assert incoming["serverCallId"] == placed.server_call_id
    assert incoming["from"] == {"kind": "phoneNumber", "rawId": f"4:{CALLER}", "phoneNumber": {"value": CALLER}}
    assert incoming["to"]["rawId"] == f"4:{OWNED}"
    assert incoming["callerDisplayName"] == "Alice"
    assert incoming["incomingCallContext"].startswith("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.")

    props = await env.client.answer_call(incoming["incomingCallContext"], env.callback_url, operation_context="hi")
    assert props.server_call_id == placed.server_call_id
    conn_id = props.call_connection_id

    connected = await env.receiver.event(conn_id, "CallConnected")
    assert connected.data["operationContext"] == "hi"
    updated = await env.receiver.event(conn_id, "ParticipantsUpdated")
    assert updated.data["sequenceNumber"] == 1
    # The app answered a phone call: it is in the roster as the resource's own identity.
    assert [p["identifier"]["rawId"] for p in updated.data["participants"]] == [f"4:{CALLER}", env.app_id]
    assert env.receiver.types(conn_id)[:2] == ["CallConnected", "ParticipantsUpdated"]

    connection = env.client.get_call_connection(conn_id)
    props = await connection.get_call_properties()
    assert props.call_connection_state == "connected"
    participants = [p async for p in connection.list_participants()]
    assert [p.identifier.raw_id for p in participants] == [f"4:{CALLER}", env.app_id]
    one = await connection.get_participant(PhoneNumberIdentifier(CALLER))
    assert one.identifier.raw_id == f"4:{CALLER}" and not one.is_muted

    await connection.hang_up(is_for_everyone=False)
    disconnected = await env.receiver.event(conn_id, "CallDisconnected")
    assert disconnected.data["resultInformation"]["subCode"] == 7000
    info = await env.control.get_call(placed.server_call_id)
    assert info.state == "ended"
    assert any(e.kind == "request" and e.name == "answer" for e in info.timeline)
    try:
        await connection.get_call_properties()
    except ResourceNotFoundError as error:
        assert "8522" in str(error)
    else:
        raise AssertionError("a disconnected call must not be found")


async def test_reject_publishes_nothing_and_ends_the_call(env: Env) -> None:
    placed = await env.control.place_call(CALLER, OWNED)
    incoming = await env.receiver.incoming_call()
    await env.client.reject_call(incoming["incomingCallContext"], call_reject_reason="busy")
    info = await env.control.get_call(placed.server_call_id)
    assert info.state == "ended"
    assert env.receiver.events == []
    try:
        await env.client.answer_call(incoming["incomingCallContext"], env.callback_url)
    except HttpResponseError:
        raise AssertionError("answer of a rejected call is accepted, then fails with AnswerFailed") from None


async def test_answer_after_reject_gives_answer_failed(env: Env) -> None:
    await env.control.place_call(CALLER, OWNED)
    incoming = await env.receiver.incoming_call()
    await env.client.reject_call(incoming["incomingCallContext"])
    props = await env.client.answer_call(incoming["incomingCallContext"], env.callback_url)
    failed = await env.receiver.event(props.call_connection_id, "AnswerFailed")
    assert failed.data["resultInformation"]["code"] == 400
    assert env.receiver.types(props.call_connection_id) == ["AnswerFailed"]


async def test_redirect_to_an_acs_user_produces_a_new_incoming_call(env: Env) -> None:
    user = f"8:acs:{env.sim.config.resource_id}_00000000-0000-4000-8000-000000000001"
    await env.control.set_behaviour(user, answer="app")
    placed = await env.control.place_call(CALLER, OWNED)
    first = await env.receiver.incoming_call()
    await env.client.redirect_call(first["incomingCallContext"], CommunicationUserIdentifier(user))
    second = await env.receiver.incoming_call(lambda d: d["to"]["rawId"] == user)
    assert second["serverCallId"] == placed.server_call_id
    assert second["to"]["kind"] == "communicationUser"
    assert env.receiver.events == []
    props = await env.client.answer_call(second["incomingCallContext"], env.callback_url)
    await env.receiver.event(props.call_connection_id, "CallConnected")


async def test_caller_gives_up_after_ringing_timeout(env: Env) -> None:
    placed = await env.control.place_call(CALLER, OWNED, ringingTimeout=2)
    await env.control.wait_for(placed.server_call_id, lambda es: any(e.name == "gave up" for e in es))
    assert (await env.control.get_call(placed.server_call_id)).state == "ended"


async def test_unknown_incoming_call_context_is_404(env: Env) -> None:
    try:
        await env.client.answer_call("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.", env.callback_url)
    except ResourceNotFoundError as error:
        assert "8522" in str(error)
    else:
        raise AssertionError("expected 404")
