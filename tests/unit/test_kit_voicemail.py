"""Voicemail kit: prompt, recording, stop on # or on the length limit, thank-you, hang-up; ids kept and logged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from structlog.testing import capture_logs

from app import CallActions, OperationContext, Router
from app.actions.errors import CallActionError
from app.testing.fakes import (
    CallScript,
    HangUp,
    Play,
    Recognize,
    StartRecording,
    StopRecording,
    make_app,
    make_settings,
)
from handlers import CLOCK, Voicemail

LINE = "+18005550100"


class Start(OperationContext, prefix="tkv.start"):
    pass


def build(name: str, **options: Any) -> Router:
    router = Router(name=name)
    kit = router.include(Voicemail(name="vm", **options))

    @router.incoming_call(to=LINE)
    async def answer(call: CallActions) -> None:
        await call.answer(context=Start())

    @router.call_connected(context=Start)
    async def go(call: CallActions) -> None:
        await kit.start(call)

    return router


async def start(router: Router, **extras: object) -> CallScript:
    app, acs = make_app(make_settings(voicemail_max_seconds=60), router, extras=dict(extras))
    script = CallScript(app, acs)
    await script.incoming(to=LINE)
    await script.connected()
    return script


async def recording(script: CallScript) -> str:
    with capture_logs() as logs:
        await script.play_completed()
    started = script.last_of(StartRecording)
    logged = [entry for entry in logs if entry["event"] == "voicemail_recording_started"]
    assert logged and logged[0]["recording_id"] == started.recording_id
    assert (await script.state())["vm_recording_id"] == started.recording_id
    listen_for = Recognize(None, f"{script.flow_name}.vm:record", stop_tones="#", interrupt_prompt=False)
    assert script.last == replace(listen_for, initial_silence_timeout=60, target="4:+15555550123")
    listen = script.last
    assert isinstance(listen, Recognize) and listen.initial_silence_timeout == 60
    return started.recording_id


async def test_prompt_mentions_the_pound_key() -> None:
    script = await start(build("tkv1"))
    prompt = script.last
    assert isinstance(prompt, Play)
    assert "leave a message" in prompt.text and "pound" in prompt.text
    assert prompt.context == "tkv1.vm:prompt"


async def test_pound_stops_recording_thanks_and_hangs_up() -> None:
    script = await start(build("tkv2"))
    recording_id = await recording(script)
    await script.press("#")
    assert script.actions[-2] == StopRecording(recording_id)
    thanks = script.last
    assert isinstance(thanks, Play) and "Thank you" in thanks.text
    assert (await script.state())["vm_result"] == "pound"
    await script.play_completed()
    assert script.last == HangUp()


async def test_reaching_the_length_limit_stops_like_silence() -> None:
    script = await start(build("tkv3"))
    recording_id = await recording(script)
    await script.silence()
    assert script.actions[-2] == StopRecording(recording_id)
    assert (await script.state())["vm_result"] == "max_length"


async def test_another_key_keeps_listening_for_the_remaining_time() -> None:
    now = [datetime(2026, 1, 7, 10, tzinfo=UTC)]
    script = await start(build("tkv4"), **{CLOCK: lambda: now[0]})
    await recording(script)
    now[0] += timedelta(seconds=20)
    await script.press("5")
    again = script.last
    assert isinstance(again, Recognize) and again.initial_silence_timeout == 40
    assert not script.acs.of_type(StopRecording)


async def test_hanging_up_mid_message_logs_the_recording() -> None:
    script = await start(build("tkv5"))
    recording_id = await recording(script)
    with capture_logs() as logs:
        await script.disconnected()
    saved = [entry for entry in logs if entry["event"] == "voicemail_recorded"]
    assert saved and saved[0]["recording_id"] == recording_id and saved[0]["reason"] == "hang_up"


async def test_recording_refused_apologises_and_hangs_up() -> None:
    script = await start(build("tkv6"))
    script.acs.fail["start_recording"] = CallActionError("start_recording", 403, "7504", "not allowed")
    await script.play_completed()
    sorry = script.last
    assert isinstance(sorry, Play) and "cannot take a message" in sorry.text
    await script.play_completed()
    assert script.last == HangUp()
