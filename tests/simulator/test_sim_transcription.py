"""Live transcription with the real async SDK: options at answer, start/update/stop, the WebSocket and its
messages, subscription state, and the failure paths (refused and interrupted sockets)."""

from __future__ import annotations

import jwt
from azure.communication.callautomation import TranscriptionOptions

from tests.simulator.conftest import Env
from tests.simulator.stream_receiver import StreamReceiver, stream_receiver

CALLER = "+15551230001"
OWNED = "+18005550100"


async def _answer(env: Env, receiver: StreamReceiver, *, start: bool, intermediate: bool = False) -> tuple[str, str]:
    placed = await env.control.place_call(CALLER, OWNED)
    incoming = await env.receiver.incoming_call()
    options = TranscriptionOptions(
        transport_url=receiver.url,
        transport_type="websocket",
        locale="en-US",
        start_transcription=start,
        enable_intermediate_results=intermediate,
    )
    props = await env.client.answer_call(incoming["incomingCallContext"], env.callback_url, transcription=options)
    await env.receiver.event(props.call_connection_id, "CallConnected")
    return props.call_connection_id, placed.server_call_id


async def test_start_update_stop_with_events_subscription_state_and_messages(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, server_call_id = await _answer(env, receiver, start=False)
        connection = env.client.get_call_connection(conn_id)
        props = await connection.get_call_properties()
        assert props.transcription_subscription is not None
        assert props.transcription_subscription.state == "inactive"
        assert not receiver.headers  # nothing connects before start

        await connection.start_transcription(locale="en-ca", operation_context="tx")
        started = await env.receiver.event(conn_id, "TranscriptionStarted")
        assert started.data["transcriptionUpdate"] == {
            "transcriptionStatus": "transcriptionStarted",
            "transcriptionStatusDetails": "subscriptionStarted",
        }
        assert started.data["resultInformation"] == {
            "code": 200,
            "subCode": 0,
            "message": "Action completed successfully.",
        }
        assert started.data["operationContext"] == "tx"
        subscription = (await connection.get_call_properties()).transcription_subscription
        assert subscription.state == "active" and subscription.locale == "en-ca"

        headers = receiver.headers[0]
        assert headers["x-ms-call-connection-id"] == conn_id
        token = headers["authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["aud"] == env.sim.config.resource_id and claims["exp"] - claims["iat"] == 24 * 3600
        await receiver.until(lambda: receiver.of("TranscriptionMetadata"))
        metadata = receiver.messages[0]["transcriptionMetadata"]
        assert metadata["callConnectionId"] == conn_id and metadata["locale"] == "en-ca"
        assert metadata["subscriptionId"] == subscription.id

        assert await env.control.say(server_call_id, CALLER, "I want an agent, please")
        await receiver.until(lambda: receiver.of("TranscriptionData"))
        data = receiver.of("TranscriptionData")[0]["transcriptionData"]
        assert data["text"] == "I want an agent, please" and data["resultStatus"] == "Final"
        assert data["participantRawID"] == f"4:{CALLER}" and data["format"] == "display"
        assert [w["text"] for w in data["words"]] == ["i", "want", "an", "agent", "please"]
        assert data["duration"] == 5 * 4_000_000 and data["words"][1]["offset"] == data["offset"] + 4_000_000

        await connection.update_transcription(locale="en-gb")
        updated = await env.receiver.event(conn_id, "TranscriptionUpdated")
        assert updated.data["transcriptionUpdate"]["transcriptionStatusDetails"] == "transcriptionLocaleUpdated"
        assert (await connection.get_call_properties()).transcription_subscription.locale == "en-gb"

        await connection.stop_transcription()
        stopped = await env.receiver.event(conn_id, "TranscriptionStopped")
        assert stopped.data["transcriptionUpdate"]["transcriptionStatus"] == "transcriptionStopped"
        assert (await connection.get_call_properties()).transcription_subscription.state == "inactive"
        assert not await env.control.say(server_call_id, CALLER, "anyone there")
        types = env.receiver.types(conn_id)
        assert (
            types.index("TranscriptionStarted")
            < types.index("TranscriptionUpdated")
            < types.index("TranscriptionStopped")
        )
        await connection.hang_up(is_for_everyone=True)


async def test_start_at_answer_with_intermediate_results(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, server_call_id = await _answer(env, receiver, start=True, intermediate=True)
        await env.receiver.event(conn_id, "TranscriptionStarted")
        subscription = (await env.client.get_call_connection(conn_id).get_call_properties()).transcription_subscription
        assert subscription.subscribed_result_types == ["final", "intermediate"]
        await env.control.say(server_call_id, CALLER, "talk to agent")
        await receiver.until(
            lambda: any(m["transcriptionData"]["resultStatus"] == "Final" for m in receiver.of("TranscriptionData"))
        )
        results = [
            (m["transcriptionData"]["resultStatus"], m["transcriptionData"]["text"])
            for m in receiver.of("TranscriptionData")
        ]
        assert results == [("Intermediate", "talk"), ("Intermediate", "talk to"), ("Final", "talk to agent")]


async def test_a_refused_socket_fails_the_transcription(env: Env) -> None:
    async with stream_receiver(refuse=True) as receiver:
        conn_id, _ = await _answer(env, receiver, start=True)
        failed = await env.receiver.event(conn_id, "TranscriptionFailed")
        assert failed.data["transcriptionUpdate"] == {
            "transcriptionStatus": "transcriptionFailed",
            "transcriptionStatusDetails": "streamConnectionUnsuccessful",
        }
        assert failed.data["resultInformation"]["code"] == 500 and failed.data["resultInformation"]["subCode"] == 8603
        assert "TranscriptionStarted" not in env.receiver.types(conn_id)


async def test_a_socket_closed_mid_call_fails_the_transcription(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, _ = await _answer(env, receiver, start=True)
        await env.receiver.event(conn_id, "TranscriptionStarted")
        await receiver.close_all()
        failed = await env.receiver.event(conn_id, "TranscriptionFailed")
        assert failed.data["transcriptionUpdate"]["transcriptionStatusDetails"] == "streamConnectionInterrupted"
        props = await env.client.get_call_connection(conn_id).get_call_properties()
        assert props.transcription_subscription.state == "inactive"


async def test_start_without_options_fails_with_url_missing(env: Env) -> None:
    placed = await env.control.place_call(CALLER, OWNED)
    incoming = await env.receiver.incoming_call()
    props = await env.client.answer_call(incoming["incomingCallContext"], env.callback_url)
    await env.receiver.event(props.call_connection_id, "CallConnected")
    assert placed.server_call_id
    connection = env.client.get_call_connection(props.call_connection_id)
    assert (await connection.get_call_properties()).transcription_subscription is None
    await connection.start_transcription()
    failed = await env.receiver.event(props.call_connection_id, "TranscriptionFailed")
    assert failed.data["transcriptionUpdate"]["transcriptionStatusDetails"] == "streamUrlMissing"
