"""The SDK actions of each live test, in the live test's order (see ../../../../shared notes in the README).

Each scenario takes a :class:`Live` run, performs the actions with real SDK clients, and records which call
connection is which (``caller``, ``connect``) in ``run.connections``. Live-test sleeps are simulated seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from azure.communication.callautomation import (
    AudioFormat,
    ChannelAffinity,
    CommunicationUserIdentifier,
    DtmfTone,
    FileSource,
    MediaStreamingAudioChannelType,
    MediaStreamingContentType,
    MediaStreamingOptions,
    PhoneNumberIdentifier,
    StreamingTransportType,
    TranscriptionOptions,
)
from azure.communication.callautomation.aio import CallAutomationClient, CallConnectionClient

from tests.simulator.conformance.harness import Live

CALLER_PHONE = "+18005550101"  # owned numbers of the emulated resource
TARGET_PHONE = "+18005550100"
UNIQUE = "caller-target"  # the live tests' ?q=<uniqueId>
Scenario = Callable[[Live], Awaitable[None]]


async def _setup(run: Live, **create: object) -> tuple[CallAutomationClient, CallConnectionClient]:
    """create_call with the caller's source, wait for IncomingCall, answer as the target, wait for the caller's
    CallConnected and ParticipantsUpdated."""
    caller = run.client(run.user("caller"))
    target = run.user("target")
    created = await caller.create_call(target, run.callback(UNIQUE), **create)  # type: ignore[arg-type]
    run.connections["caller"] = str(created.call_connection_id)
    await run.capture.until(lambda: run.capture.incoming)
    async with run.client(target) as answering:
        await answering.answer_call(run.capture.incoming[-1]["incomingCallContext"], run.callback())
    await run.capture.event(run.connections["caller"], "CallConnected")
    await run.capture.event(run.connections["caller"], "ParticipantsUpdated")
    return caller, caller.get_call_connection(run.connections["caller"])


async def _teardown(run: Live, caller: CallAutomationClient, connection: CallConnectionClient) -> None:
    await connection.hang_up(is_for_everyone=True)
    await run.capture.event(run.connections["caller"], "CallDisconnected")
    await run.sleep(1)
    await caller.close()


async def _add_nobody_answers(run: Live, connection: CallConnectionClient) -> str:
    result = await connection.add_participant(run.user("third", "-noanswer"))  # nobody answers in the live tests
    return str(result.invitation_id)


async def answer_then_hangup(run: Live) -> None:
    caller, connection = await _setup(run)
    await _teardown(run, caller, connection)


async def add_then_cancel(run: Live) -> None:
    caller, connection = await _setup(run)
    invitation = await _add_nobody_answers(run, connection)
    await run.sleep(3)
    await connection.cancel_add_participant_operation(invitation)
    await run.capture.event(run.connections["caller"], "CancelAddParticipantSucceeded")
    await _teardown(run, caller, connection)


async def play_media(run: Live) -> None:
    caller, connection = await _setup(run)
    await connection.play_media_to_all([FileSource(url=run.audio("prompt.wav"))])
    await run.capture.event(run.connections["caller"], "PlayCompleted")
    await _teardown(run, caller, connection)


async def hold_unhold(run: Live) -> None:
    caller, connection = await _setup(run)
    target = CommunicationUserIdentifier(run.roles["target"])
    await _add_nobody_answers(run, connection)
    await run.sleep(3)
    await connection.hold(target, operation_context="hold")
    await run.sleep(2)
    assert (await connection.get_participant(target)).is_on_hold is True, "get_participant after hold: is_on_hold"
    await connection.unhold(target, operation_context="unhold")
    await run.sleep(2)
    assert (await connection.get_participant(target)).is_on_hold is False, "get_participant after unhold: is_on_hold"
    await _teardown(run, caller, connection)


async def mute(run: Live) -> None:
    caller, connection = await _setup(run)
    target = CommunicationUserIdentifier(run.roles["target"])
    await _add_nobody_answers(run, connection)
    await run.sleep(3)
    await connection.mute_participant(target, operation_context="mute")
    await run.sleep(2)
    assert (await connection.get_participant(target)).is_muted is True, "get_participant after mute: is_muted"
    await _teardown(run, caller, connection)


async def dtmf_pstn(run: Live) -> None:
    caller = run.client()  # the PSTN test builds its client without a source
    run.roles["target_phone"] = f"4:{TARGET_PHONE}"
    target = PhoneNumberIdentifier(TARGET_PHONE)
    created = await caller.create_call(
        target, run.callback(UNIQUE), source_caller_id_number=PhoneNumberIdentifier(CALLER_PHONE)
    )
    run.connections["caller"] = str(created.call_connection_id)
    await run.capture.until(lambda: run.capture.incoming)
    async with run.client() as answering:
        await answering.answer_call(run.capture.incoming[-1]["incomingCallContext"], run.callback())
    connection = caller.get_call_connection(run.connections["caller"])
    await run.capture.event(run.connections["caller"], "ParticipantsUpdated")
    await connection.start_continuous_dtmf_recognition(target)
    await connection.send_dtmf_tones([DtmfTone.POUND], target)
    await run.capture.event(run.connections["caller"], "SendDtmfTonesCompleted")
    await connection.stop_continuous_dtmf_recognition(target)
    await run.capture.event(run.connections["caller"], "ContinuousDtmfRecognitionStopped")
    await _teardown(run, caller, connection)


async def media_streaming(run: Live) -> None:
    options = MediaStreamingOptions(
        transport_url=run.stream_url("/media"),
        transport_type=StreamingTransportType.WEBSOCKET,
        content_type=MediaStreamingContentType.AUDIO,
        audio_channel_type=MediaStreamingAudioChannelType.MIXED,
        start_media_streaming=False,
        audio_format=AudioFormat.PCM16_K_MONO,
    )
    caller, connection = await _setup(run, media_streaming=options)
    await connection.start_media_streaming()
    await run.capture.event(run.connections["caller"], "MediaStreamingStarted")
    await run.sleep(3)
    properties = await connection.get_call_properties()
    assert properties.media_streaming_subscription.state == "active", "media streaming state after start"
    await connection.stop_media_streaming()
    await run.capture.event(run.connections["caller"], "MediaStreamingStopped")
    await _teardown(run, caller, connection)


async def transcription(run: Live) -> None:
    options = TranscriptionOptions(
        transport_url=run.stream_url("/transcription"),
        transport_type=StreamingTransportType.WEBSOCKET,
        locale="en-US",
        start_transcription=False,
    )
    caller, connection = await _setup(run, transcription=options, cognitive_services_endpoint="https://127.0.0.1/")
    await connection.start_transcription(locale="en-ca")
    await run.capture.event(run.connections["caller"], "TranscriptionStarted")
    await run.sleep(3)
    await connection.update_transcription(locale="en-gb")
    await run.capture.event(run.connections["caller"], "TranscriptionUpdated")
    await run.sleep(3)
    await connection.stop_transcription()
    await run.capture.event(run.connections["caller"], "TranscriptionStopped")
    await _teardown(run, caller, connection)


async def recording(run: Live) -> None:
    caller, connection = await _setup(run)
    await connection.get_call_properties()
    recording = await caller.start_recording(
        call_connection_id=run.connections["caller"],
        recording_state_callback_url=run.callback(UNIQUE),
        channel_affinity=[ChannelAffinity(target_participant=CommunicationUserIdentifier("testId"), channel=0)],
    )
    await run.sleep(5)
    await run.capture.event(run.connections["caller"], "RecordingStateChanged")
    await caller.stop_recording(str(recording.recording_id))
    await run.sleep(3)
    await _teardown(run, caller, connection)


async def connect_then_hangup(run: Live) -> None:
    caller, connection = await _setup(run)
    server_call_id = (await connection.get_call_properties()).server_call_id
    connected = await caller.connect_call(run.callback(UNIQUE), server_call_id=str(server_call_id))
    run.connections["connect"] = str(connected.call_connection_id)
    await run.capture.event(run.connections["connect"], "CallConnected")
    await connection.hang_up(is_for_everyone=True)
    await run.capture.event(run.connections["connect"], "CallDisconnected")
    await run.sleep(1)
    await caller.close()


async def get_participant(run: Live) -> None:
    caller, connection = await _setup(run)
    participant = await connection.get_participant(CommunicationUserIdentifier(run.roles["target"]))
    assert participant.identifier.raw_id == run.roles["target"], "get_participant(target).identifier"
    await _teardown(run, caller, connection)


async def play_invalid_file(run: Live) -> None:
    caller, connection = await _setup(run)
    target = CommunicationUserIdentifier(run.roles["target"])
    await connection.play_media(FileSource(url="https://dummy.com/dummyurl.wav"), [target])
    await run.capture.event(run.connections["caller"], "PlayFailed")
    await run.sleep(1)
    await _teardown(run, caller, connection)


async def answer_custom_context(run: Live) -> None:
    caller, connection = await _setup(run)
    await _teardown(run, caller, connection)


SCENARIOS: dict[str, Scenario] = {
    "test_create_VOIP_call_and_answer_then_hangup": answer_then_hangup,
    "test_add_participant_then_cancel_request": add_then_cancel,
    "test_play_media_in_a_call": play_media,
    "test_add_and_hold_unhold_participant_in_a_call": hold_unhold,
    "test_add_and_mute_participant_in_a_call": mute,
    "test_dtmf_actions_in_a_call": dtmf_pstn,
    "test_start_stop_media_streaming_in_a_call": media_streaming,
    "test_start_stop_transcription_in_call": transcription,
    "test_start_recording_with_call_connection_id": recording,
    "test_create_VOIP_call_and_connect_call_then_hangup": connect_then_hangup,
    "test_get_participant": get_participant,
    "test_play_with_invalid_file_sources_with_play_media": play_invalid_file,
    "test_create_VOIP_call_and_answer_custom_context": answer_custom_context,
}
