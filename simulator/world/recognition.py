"""Recognizing input: DTMF, choices, speech and speech-or-DTMF, with ACS's resultInformation
codes (https://learn.microsoft.com/azure/communication-services/how-tos/call-automation/control-mid-call-media-actions)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.world.media import Input, MediaOp
from simulator.world.playback import PlaySource, first_failure, heard
from simulator.world.tones import parse_keys

if TYPE_CHECKING:
    from simulator.world.calls import Connection
    from simulator.world.world import World

KEY_SPACING = 0.1  # simulated seconds between scripted key presses
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Choice:
    label: str
    phrases: tuple[str, ...]
    tone: str | None = None


@dataclass(frozen=True)
class RecognizeSpec:
    """A validated recognize request."""

    input_type: str  # dtmf | choices | speech | speechOrDtmf
    prompts: tuple[PlaySource, ...] = ()
    interrupt_prompt: bool = False
    initial_silence: float = 5.0
    inter_tone: float = 2.0
    max_tones: int = 1
    stop_tones: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()


def _result(code: int, sub_code: int, message: str) -> dict[str, Any]:
    return {"code": code, "subCode": sub_code, "message": message}


INITIAL_SILENCE = _result(400, 8510, "Action failed, initial silence timeout reached.")
INTER_TONE_FAILED = _result(400, 8532, "Action failed, inter-digit silence timeout reached.")
INTER_TONE_PARTIAL = _result(200, 8532, "Action completed, inter-digit silence timeout reached.")
MAX_TONES = _result(200, 8531, "Action completed, max digits received.")
STOP_TONE = _result(200, 8514, "Action completed as stop tone was detected.")
DTMF_CHOICE = _result(200, 8533, "Action completed, DTMF option matched.")
SPEECH_CHOICE = _result(200, 8545, "Action completed, speech option matched.")
SPEECH = _result(200, 8569, "Action completed, speech recognized.")
NOT_MATCHED = _result(400, 8547, "Action failed, speech option not matched.")
INCORRECT_TONE = _result(500, 8534, "Action failed, incorrect tone entered.")
PROMPT_FAILED = _result(500, 8511, "Action failed, encountered failure while trying to play the prompt.")


def recognize_body(world: World, conn: Connection, spec: RecognizeSpec) -> Any:
    """The coroutine factory for a recognize operation."""

    async def run(op: MediaOp) -> None:
        assert op.target is not None
        _start_script(world, conn, op)
        first = await _prompt(world, conn, op, spec)
        if first is False:
            return
        outcome = await _collect(world, op, spec, first if isinstance(first, Input) else None)
        event, data, result = outcome
        world.emit(conn, event, data, url=op.url, operation_context=op.operation_context, result=result)

    return run


def _start_script(world: World, conn: Connection, op: MediaOp) -> None:
    assert op.target is not None
    participant = conn.call.participants.get(op.target.raw_id)
    if participant is None:
        return
    step = world.parties.behaviour_for(op.target).step_for(participant.recognizes)
    participant.recognizes += 1
    if step is None:
        return

    async def act() -> None:
        await world.clock.sleep(step.after)
        if step.tones:
            for index, tone in enumerate(parse_keys(step.tones)):
                if index:
                    await world.clock.sleep(KEY_SPACING)
                world.timeline.record(
                    "party", op.target.raw_id if op.target else "?", f"press {tone}", call_connection_id=conn.id
                )
                op.inputs.put_nowait(Input(tone=tone))
        else:
            world.timeline.record(
                "party", op.target.raw_id if op.target else "?", f"say {step.text}", call_connection_id=conn.id
            )
            op.inputs.put_nowait(Input(text=step.text))

    assert op.task is not None
    script = world.spawn(conn.call, act())
    op.task.add_done_callback(lambda _: script.cancel())


async def _prompt(world: World, conn: Connection, op: MediaOp, spec: RecognizeSpec) -> Input | bool:
    """Play the prompt; returns the input that interrupted it, True when it finished, False when it failed."""
    failed = await first_failure(world, conn, list(spec.prompts))
    if failed is not None:
        world.emit(
            conn,
            "RecognizeFailed",
            {"failedPlaySourceIndex": failed[0]},
            url=op.url,
            operation_context=op.operation_context,
            result=PROMPT_FAILED,
        )
        return False
    assert op.target is not None
    for source in spec.prompts:
        async with heard(world, conn, source, "recognize", [op.target]):
            if not spec.interrupt_prompt:
                await world.clock.sleep(source.duration())
                continue
            item = await _next(world, op, source.duration())
            if item is not None:
                return item
    return True


async def _next(world: World, op: MediaOp, seconds: float) -> Input | None:
    try:
        return await asyncio.wait_for(op.inputs.get(), world.clock.scaled(seconds))
    except TimeoutError:
        return None


async def _collect(
    world: World, op: MediaOp, spec: RecognizeSpec, first: Input | None
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    item = first or await _next(world, op, spec.initial_silence)
    while item is not None and not item.silence:
        if item.tone is not None and spec.input_type in ("dtmf", "speechOrDtmf"):
            return await _collect_tones(world, op, spec, item.tone)
        if item.tone is not None and spec.input_type == "choices":
            return _match_tone(spec, item.tone)
        if item.text is not None and spec.input_type == "choices":
            return _match_phrase(spec, item.text)
        if item.text is not None and spec.input_type in ("speech", "speechOrDtmf"):
            speech = {"speech": item.text, "confidence": CONFIDENCE}
            return "RecognizeCompleted", {"recognitionType": "speech", "speechResult": speech}, SPEECH
        item = await _next(world, op, spec.initial_silence)  # input this recognize does not listen for
    return "RecognizeFailed", {}, INITIAL_SILENCE


async def _collect_tones(
    world: World, op: MediaOp, spec: RecognizeSpec, tone: str
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    tones: list[str] = []
    current: str | None = tone
    while current is not None:
        if current in spec.stop_tones:
            return _tones(tones, STOP_TONE)
        tones.append(current)
        if len(tones) >= spec.max_tones:
            return _tones(tones, MAX_TONES)
        item = await _next(world, op, spec.inter_tone)
        while item is not None and item.tone is None and not item.silence:
            item = await _next(world, op, spec.inter_tone)
        current = item.tone if item is not None else None
    return _tones(tones, INTER_TONE_PARTIAL)


def _tones(tones: list[str], result: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return "RecognizeCompleted", {"recognitionType": "dtmf", "dtmfResult": {"tones": tones}}, result


def _match_tone(spec: RecognizeSpec, tone: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    for choice in spec.choices:
        if choice.tone == tone:
            data = {"label": choice.label, "recognizedPhrase": tone, "confidence": 1.0}
            return "RecognizeCompleted", {"recognitionType": "choices", "choiceResult": data}, DTMF_CHOICE
    return "RecognizeFailed", {}, INCORRECT_TONE


def _match_phrase(spec: RecognizeSpec, text: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    said = text.strip().lower()
    for choice in spec.choices:
        if said == choice.label.lower() or said in (p.strip().lower() for p in choice.phrases):
            data = {"label": choice.label, "recognizedPhrase": text, "confidence": CONFIDENCE}
            return "RecognizeCompleted", {"recognitionType": "choices", "choiceResult": data}, SPEECH_CHOICE
    return "RecognizeFailed", {}, NOT_MATCHED
