"""Media streaming with the real async SDK: options, start/stop, AudioMetadata and paced 20 ms AudioData frames
with deterministic audio (speech, DTMF, silence), DtmfData, bidirectional audio and StopAudio, failures."""

from __future__ import annotations

import base64
from datetime import datetime

from azure.communication.callautomation import MediaStreamingOptions, TextSource

from simulator.streaming.audio import frames_of, tone_pcm, word_pcm
from tests.simulator.conftest import Env
from tests.simulator.stream_receiver import StreamReceiver, stream_receiver

CALLER = "+15551230001"
OWNED = "+18005550100"


async def _answer(env: Env, receiver: StreamReceiver, **options: object) -> tuple[str, str]:
    placed = await env.control.place_call(CALLER, OWNED)
    incoming = await env.receiver.incoming_call()
    streaming = MediaStreamingOptions(
        transport_url=receiver.url,
        transport_type="websocket",
        content_type="audio",
        audio_channel_type=str(options.pop("channel", "mixed")),
        **options,  # type: ignore[arg-type]  # the SDK's keyword options, passed through
    )
    props = await env.client.answer_call(incoming["incomingCallContext"], env.callback_url, media_streaming=streaming)
    await env.receiver.event(props.call_connection_id, "CallConnected")
    return props.call_connection_id, placed.server_call_id


def _pcm(message: dict[str, object]) -> bytes:
    audio = message["audioData"]
    assert isinstance(audio, dict)
    return base64.b64decode(audio["data"])


async def test_start_stop_with_metadata_paced_frames_and_subscription_state(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, _ = await _answer(env, receiver, start_media_streaming=False)
        connection = env.client.get_call_connection(conn_id)
        subscription = (await connection.get_call_properties()).media_streaming_subscription
        assert subscription.state == "inactive" and subscription.subscribed_content_types == ["audio"]

        await connection.start_media_streaming(operation_context="ms")
        started = await env.receiver.event(conn_id, "MediaStreamingStarted")
        assert started.data["mediaStreamingUpdate"] == {
            "contentType": "Audio",
            "mediaStreamingStatus": "mediaStreamingStarted",
            "mediaStreamingStatusDetails": "subscriptionStarted",
        }
        assert started.data["operationContext"] == "ms"
        assert (await connection.get_call_properties()).media_streaming_subscription.state == "active"
        assert receiver.headers[0]["x-ms-call-connection-id"] == conn_id
        assert receiver.headers[0]["authorization"].startswith("Bearer ey")

        await receiver.until(lambda: len(receiver.of("AudioData")) >= 10)
        assert receiver.messages[0] == {
            "kind": "AudioMetadata",
            "audioMetadata": {
                "subscriptionId": subscription.id,
                "encoding": "PCM",
                "sampleRate": 16000,
                "channels": 1,
                "length": 640,
            },
        }
        frames = receiver.of("AudioData")[:10]
        assert all(f["audioData"]["silent"] and _pcm(f) == bytes(640) for f in frames)
        stamps = [datetime.fromisoformat(f["audioData"]["timestamp"].replace("Z", "+00:00")) for f in frames]
        assert all((b - a).total_seconds() == 0.02 for a, b in zip(stamps, stamps[1:], strict=False))

        await connection.stop_media_streaming()
        stopped = await env.receiver.event(conn_id, "MediaStreamingStopped")
        assert stopped.data["mediaStreamingUpdate"]["mediaStreamingStatusDetails"] == "subscriptionStopped"
        assert (await connection.get_call_properties()).media_streaming_subscription.state == "inactive"
        await connection.hang_up(is_for_everyone=True)


async def test_speech_and_dtmf_arrive_as_their_documented_signals(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, server_call_id = await _answer(
            env, receiver, start_media_streaming=True, enable_dtmf_tones=True, audio_format="pcm24KMono"
        )
        await env.receiver.event(conn_id, "MediaStreamingStarted")
        assert await env.control.say(server_call_id, CALLER, "agent")
        await env.control.press(server_call_id, CALLER, "5")
        expected = list(frames_of(word_pcm("agent", 24000), 24000)) + list(frames_of(tone_pcm("5", 24000), 24000))

        def voiced() -> list[bytes]:
            return [_pcm(f) for f in receiver.of("AudioData") if not f["audioData"]["silent"]]

        await receiver.until(lambda: len(voiced()) >= len(expected))
        assert voiced()[: len(expected)] == expected
        speaking = [f for f in receiver.of("AudioData") if not f["audioData"]["silent"]]
        assert {f["audioData"]["participantRawID"] for f in speaking} == {f"4:{CALLER}"}
        dtmf = receiver.of("DtmfData")
        assert [d["dtmfData"]["data"] for d in dtmf] == ["5"]


async def test_unmixed_sends_one_frame_per_participant(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, _ = await _answer(env, receiver, start_media_streaming=True, channel="unmixed")
        await env.receiver.event(conn_id, "MediaStreamingStarted")
        await receiver.until(lambda: len(receiver.of("AudioData")) >= 3)
        assert all(f["audioData"]["participantRawID"] == f"4:{CALLER}" for f in receiver.of("AudioData"))


async def test_bidirectional_audio_is_played_and_stop_audio_drops_the_rest(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, server_call_id = await _answer(env, receiver, start_media_streaming=True, enable_bidirectional=True)
        await env.receiver.event(conn_id, "MediaStreamingStarted")
        await receiver.until(lambda: receiver.of("AudioData"))
        half_second = base64.b64encode(bytes(16000)).decode()  # 0.5 s of 16 kHz PCM
        await receiver.send({"Kind": "AudioData", "AudioData": {"Data": half_second}, "StopAudio": None})
        entries = await env.control.wait_for(
            server_call_id, lambda es: any(e.name == "stream audio finished" for e in es)
        )
        finished = next(e for e in entries if e.name == "stream audio finished")
        assert finished.detail["playedMs"] == 500 and finished.detail["droppedMs"] == 0

        ten_seconds = base64.b64encode(bytes(320000)).decode()
        await receiver.send({"Kind": "AudioData", "AudioData": {"Data": ten_seconds}, "StopAudio": None})
        await receiver.send({"Kind": "StopAudio", "AudioData": None, "StopAudio": {}})
        entries = await env.control.wait_for(
            server_call_id, lambda es: any(e.name == "stream audio stopped" for e in es)
        )
        stopped = next(e for e in entries if e.name == "stream audio stopped")
        assert stopped.detail["droppedMs"] > 9000


async def test_bidirectional_audio_interrupts_a_running_play_like_a_play_does(env: Env) -> None:
    async with stream_receiver() as receiver:
        conn_id, server_call_id = await _answer(env, receiver, start_media_streaming=True, enable_bidirectional=True)
        await env.receiver.event(conn_id, "MediaStreamingStarted")
        connection = env.client.get_call_connection(conn_id)
        await connection.play_media_to_all([TextSource(text="Please hold. " * 20)], loop=True, operation_context="hold")
        await env.receiver.event(conn_id, "PlayStarted")
        speech = base64.b64encode(bytes(3200)).decode()  # 0.1 s the bot says
        await receiver.send({"Kind": "AudioData", "AudioData": {"Data": speech}, "StopAudio": None})
        canceled = await env.receiver.event(conn_id, "PlayCanceled")
        assert canceled.data["operationContext"] == "hold"
        entries = await env.control.wait_for(
            server_call_id, lambda es: any(e.name == "stream audio finished" for e in es)
        )
        started = next(e for e in entries if e.name == "stream audio started")
        assert started.detail["interrupted"] == "play"


async def test_a_refused_socket_fails_media_streaming(env: Env) -> None:
    async with stream_receiver(refuse=True) as receiver:
        conn_id, _ = await _answer(env, receiver, start_media_streaming=True)
        failed = await env.receiver.event(conn_id, "MediaStreamingFailed")
        assert failed.data["mediaStreamingUpdate"]["mediaStreamingStatusDetails"] == "streamConnectionUnsuccessful"
        assert failed.data["resultInformation"] == {
            "code": 500,
            "subCode": 8603,
            "message": "Action failed, not able to establish websocket connection.",
        }
