"""Media with the real async SDK: play, recognize (dtmf, choices, speech), cancel, continuous DTMF, hold."""

from __future__ import annotations

import pytest
from azure.communication.callautomation import (
    CallInvite,
    DtmfTone,
    FileSource,
    PhoneNumberIdentifier,
    RecognitionChoice,
    RecognizeInputType,
    SsmlSource,
    TextSource,
)
from azure.core.exceptions import HttpResponseError

from tests.simulator.conftest import Env

APP_NUMBER = "+18005550100"
BOB = "+15551230002"
PHONE = PhoneNumberIdentifier(BOB)


async def _call(env: Env) -> tuple[str, str]:
    props = await env.client.create_call(
        CallInvite(PHONE, source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)), env.callback_url
    )
    await env.receiver.event(props.call_connection_id, "ParticipantsUpdated")
    return str(props.call_connection_id), str(props.server_call_id)


async def test_play_text_then_file_completes_in_order(env: Env) -> None:
    conn_id, _ = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    await connection.play_media_to_all([TextSource(text="Hello there")], operation_context="greet")
    await connection.play_media(FileSource(url=env.audio("a.wav")), [PHONE], operation_context="two")
    await env.receiver.until(lambda: len(env.receiver.of(conn_id, "PlayCompleted")) == 2)
    media = [(e.type, e.data["operationContext"]) for e in env.receiver.of(conn_id, "PlayStarted", "PlayCompleted")]
    assert media == [
        ("PlayStarted", "greet"),
        ("PlayCompleted", "greet"),
        ("PlayStarted", "two"),
        ("PlayCompleted", "two"),
    ]


@pytest.mark.parametrize("name", ["page.html", "missing.wav", "https://dummy.com/dummyurl.wav"])
async def test_play_of_an_unfetchable_or_non_audio_file_fails_before_it_starts(env: Env, name: str) -> None:
    conn_id, _ = await _call(env)
    url = name if name.startswith("https:") else env.audio(name)
    await env.client.get_call_connection(conn_id).play_media_to_all([TextSource(text="hi"), FileSource(url=url)])
    failed = await env.receiver.event(conn_id, "PlayFailed")
    assert (failed.data["resultInformation"]["code"], failed.data["resultInformation"]["subCode"]) == (400, 8535)
    assert failed.data["resultInformation"]["message"] == "Action failed, file format is invalid."
    assert failed.data["failedPlaySourceIndex"] == 1
    assert env.receiver.of(conn_id, "PlayStarted") == []  # the capture: PlayFailed with no PlayStarted


async def test_play_of_a_loopback_wav_and_mp3_completes(env: Env) -> None:
    conn_id, _ = await _call(env)
    sources = [FileSource(url=env.audio("a.wav")), FileSource(url=env.audio("b.mp3"))]
    await env.client.get_call_connection(conn_id).play_media_to_all(sources)
    await env.receiver.event(conn_id, "PlayCompleted")
    assert env.receiver.of(conn_id, "PlayFailed") == []


async def test_play_to_one_participant_holds_them_until_it_ends(env: Env) -> None:
    conn_id, _ = await _call(env)
    await env.client.get_call_connection(conn_id).play_media(FileSource(url=env.audio("page.html")), [PHONE])
    await env.receiver.event(conn_id, "PlayFailed")
    await env.receiver.until(lambda: env.receiver.types(conn_id)[-1] == "ParticipantsUpdated")
    after_connect = env.receiver.types(conn_id)[2:]
    assert after_connect == ["ParticipantsUpdated", "PlayFailed", "ParticipantsUpdated"]
    held, released = env.receiver.of(conn_id, "ParticipantsUpdated")[1:]
    on_hold = {p["identifier"]["rawId"]: p["isOnHold"] for p in held.data["participants"]}
    assert on_hold == {f"4:{BOB}": True, env.app_id: False}
    assert not any(p["isOnHold"] for p in released.data["participants"])


async def test_cancel_all_cancels_active_and_queued(env: Env) -> None:
    conn_id, _ = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    await connection.play_media_to_all([TextSource(text="x" * 200)], loop=True, operation_context="a")
    await connection.play_media(TextSource(text="queued"), [PHONE], operation_context="b")
    await env.receiver.event(conn_id, "PlayStarted")
    await connection.cancel_all_media_operations()
    await env.receiver.until(lambda: len(env.receiver.of(conn_id, "PlayCanceled")) == 2)
    canceled = env.receiver.of(conn_id, "PlayCanceled")
    assert {e.data["operationContext"] for e in canceled} == {"a", "b"}
    assert all(e.data["resultInformation"]["subCode"] == 8508 for e in canceled)


async def test_recognize_dtmf_with_live_presses(env: Env) -> None:
    conn_id, server_call_id = await _call(env)
    await env.client.get_call_connection(conn_id).start_recognizing_media(
        RecognizeInputType.DTMF,
        PHONE,
        play_prompt=TextSource(text="Enter your PIN"),
        dtmf_max_tones_to_collect=4,
        dtmf_stop_tones=[DtmfTone.POUND],
        interrupt_prompt=True,
        operation_context="pin",
    )
    await env.control.wait_for(server_call_id, lambda es: any(e.name == "recognize" for e in es))
    assert await env.control.press(server_call_id, BOB, "12#")
    done = await env.receiver.event(conn_id, "RecognizeCompleted")
    assert done.data["dtmfResult"]["tones"] == ["one", "two"]
    assert done.data["resultInformation"]["subCode"] == 8514
    assert done.data["recognitionType"] == "dtmf" and done.data["operationContext"] == "pin"


async def test_recognize_with_scripted_party_max_digits(env: Env) -> None:
    await env.control.set_behaviour(BOB, dtmf=[{"after": 0.5, "tones": "4321"}])
    conn_id, _ = await _call(env)
    await env.client.get_call_connection(conn_id).start_recognizing_media(
        RecognizeInputType.DTMF, PHONE, dtmf_max_tones_to_collect=3
    )
    done = await env.receiver.event(conn_id, "RecognizeCompleted")
    assert done.data["dtmfResult"]["tones"] == ["four", "three", "two"]
    assert done.data["resultInformation"]["subCode"] == 8531


async def test_recognize_initial_silence(env: Env) -> None:
    conn_id, _ = await _call(env)
    await env.client.get_call_connection(conn_id).start_recognizing_media(
        RecognizeInputType.DTMF, PHONE, initial_silence_timeout=2
    )
    failed = await env.receiver.event(conn_id, "RecognizeFailed")
    assert failed.data["resultInformation"] == {
        "code": 400,
        "subCode": 8510,
        "message": "Action failed, initial silence timeout reached.",
    }


async def test_recognize_choices_by_speech_and_by_tone(env: Env) -> None:
    await env.control.set_behaviour(
        BOB,
        say=[{"after": 0.5, "text": "Billing"}, {"after": 9, "text": "nope"}],
        dtmf=[{"after": 9, "tones": "9"}, {"after": 0.5, "tones": "2"}],
    )
    conn_id, _ = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    choices = [
        RecognitionChoice(label="billing", phrases=["billing", "bills"], tone=DtmfTone.ONE),
        RecognitionChoice(label="support", phrases=["support"], tone=DtmfTone.TWO),
    ]
    await connection.start_recognizing_media(
        RecognizeInputType.CHOICES, PHONE, choices=choices, play_prompt=SsmlSource(ssml_text="<speak>Menu</speak>")
    )
    first = await env.receiver.event(conn_id, "RecognizeCompleted")
    assert first.data["choiceResult"]["label"] == "billing"
    assert first.data["resultInformation"]["subCode"] == 8545
    await connection.start_recognizing_media(RecognizeInputType.CHOICES, PHONE, choices=choices)
    await env.receiver.until(lambda: len(env.receiver.of(conn_id, "RecognizeCompleted")) == 2)
    second = env.receiver.of(conn_id, "RecognizeCompleted")[1]
    assert second.data["choiceResult"]["label"] == "support"
    assert second.data["resultInformation"]["subCode"] == 8533


async def test_speech_recognition_and_unmatched_choice(env: Env) -> None:
    conn_id, server_call_id = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    await connection.start_recognizing_media(RecognizeInputType.SPEECH, PHONE, end_silence_timeout=1)
    await env.control.wait_for(server_call_id, lambda es: any(e.name == "recognize" for e in es))
    assert await env.control.say(server_call_id, BOB, "I want to cancel")
    speech = await env.receiver.event(conn_id, "RecognizeCompleted")
    assert speech.data["speechResult"]["speech"] == "I want to cancel"
    assert speech.data["resultInformation"]["subCode"] == 8569
    await connection.start_recognizing_media(
        RecognizeInputType.CHOICES, PHONE, choices=[RecognitionChoice(label="yes", phrases=["yes"])]
    )
    await env.control.wait_for(server_call_id, lambda es: sum(e.name == "recognize" for e in es) == 2)
    await env.control.say(server_call_id, BOB, "maybe")
    failed = await env.receiver.event(conn_id, "RecognizeFailed")
    assert failed.data["resultInformation"]["subCode"] == 8547


async def test_continuous_dtmf_send_dtmf_hold_unhold(env: Env) -> None:
    conn_id, server_call_id = await _call(env)
    connection = env.client.get_call_connection(conn_id)
    await connection.start_continuous_dtmf_recognition(PHONE, operation_context="keys")
    await env.control.press(server_call_id, BOB, "5*")
    await env.receiver.until(lambda: len(env.receiver.of(conn_id, "ContinuousDtmfRecognitionToneReceived")) == 2)
    tones = env.receiver.of(conn_id, "ContinuousDtmfRecognitionToneReceived")
    assert [(e.data["tone"], e.data["sequenceId"]) for e in tones] == [("five", 1), ("asterisk", 2)]
    assert {e.data["operationContext"] for e in tones} == {"keys"}  # the start's context tags every tone
    await connection.stop_continuous_dtmf_recognition(PHONE, operation_context="stop")
    await env.receiver.event(conn_id, "ContinuousDtmfRecognitionStopped")

    result = await connection.send_dtmf_tones([DtmfTone.ONE, DtmfTone.POUND], PHONE, operation_context="send")
    assert result.operation_context == "send"
    await env.receiver.event(conn_id, "SendDtmfTonesCompleted")
    with pytest.raises(HttpResponseError):
        await connection.send_dtmf_tones([DtmfTone.ONE] * 19, PHONE)

    await connection.hold(PHONE, play_source=FileSource(url=env.audio("music.mp3")))
    await env.receiver.until(
        lambda: any(
            p["isOnHold"] for e in env.receiver.of(conn_id, "ParticipantsUpdated") for p in e.data["participants"]
        )
    )
    await connection.unhold(PHONE)
    await env.receiver.until(
        lambda: not env.receiver.of(conn_id, "ParticipantsUpdated")[-1].data["participants"][0]["isOnHold"]
    )
    await connection.hold(PHONE, play_source=FileSource(url=env.audio("music.html")))
    await env.receiver.event(conn_id, "HoldFailed")


async def test_recording_lifecycle(env: Env) -> None:
    conn_id, server_call_id = await _call(env)
    from azure.communication.callautomation import ServerCallLocator

    started = await env.client.start_recording(
        call_locator=ServerCallLocator(server_call_id), recording_state_callback_url=env.callback_url + "/rec"
    )
    assert started.recording_state == "active"
    await env.client.pause_recording(started.recording_id)
    assert (await env.client.get_recording_properties(started.recording_id)).recording_state == "inactive"
    await env.client.resume_recording(started.recording_id)
    await env.client.stop_recording(started.recording_id)
    await env.receiver.until(lambda: len(env.receiver.of(conn_id, "RecordingStateChanged")) == 4)
    states = [e.data["state"] for e in env.receiver.of(conn_id, "RecordingStateChanged")]
    assert states == ["active", "inactive", "active", "inactive"]
    assert all(e.url_path == "/events/rec" for e in env.receiver.of(conn_id, "RecordingStateChanged"))
    with pytest.raises(HttpResponseError) as caught:
        await env.client.get_recording_properties(started.recording_id)
    assert caught.value.status_code == 404
