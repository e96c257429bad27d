"""Media: play, recognize, cancel all, continuous DTMF, send DTMF, hold, unhold."""

from __future__ import annotations

from typing import Any

from simulator.wire.body import Body
from simulator.wire.identifiers import identifier_field, identifier_list
from simulator.wire.rest import Operation, Reply, RestContext, operation
from simulator.world import mediaops
from simulator.world.errors import invalid
from simulator.world.playback import PlaySource
from simulator.world.recognition import Choice, RecognizeSpec
from simulator.world.tones import normalize_tone

MAX_SEND_TONES = 18
_INPUT_TYPES = ("dtmf", "speech", "speechOrDtmf", "choices")


def parse_source(value: Any, field: str) -> PlaySource:
    if not isinstance(value, dict):
        raise invalid(f"'{field}' must be a play source object.")
    source = Body(value, f"{field}.")
    kind = source.choice("kind", ("file", "text", "ssml"), required=True)
    assert kind is not None
    inner = source.obj(kind, required=True)
    assert inner is not None
    locale = voice = None
    if kind == "file":
        content = inner.url("uri", required=True)
    elif kind == "text":
        content = inner.text("text", required=True, max_length=400)
        inner.choice("voiceKind", ("male", "female"))
        locale, voice = inner.text("sourceLocale"), inner.text("voiceName")
    else:
        content = inner.text("ssmlText", required=True)
    assert content is not None
    return PlaySource(kind, content, locale, voice)


@operation("play", "POST", "/calling/callConnections/{id}:play")
async def play(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    raw_sources = body.array("playSources", required=True, non_empty=True) or []
    sources = [parse_source(s, f"playSources[{i}]") for i, s in enumerate(raw_sources)]
    play_to = identifier_list(body, "playTo")
    options = body.obj("playOptions")
    mediaops.play(
        ctx.world,
        conn,
        sources,
        play_to,
        loop=options.flag("loop") if options else False,
        interrupt=body.flag("interruptCallMediaOperation"),
        operation_context=body.text("operationContext"),
        url=body.url("operationCallbackUri"),
    )
    return Reply(202)


@operation("recognize", "POST", "/calling/callConnections/{id}:recognize")
async def recognize(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    input_type = body.choice("recognizeInputType", _INPUT_TYPES, required=True)
    options = body.obj("recognizeOptions", required=True)
    assert input_type is not None and options is not None
    target = identifier_field(options, "targetParticipant", required=True)
    assert target is not None
    prompts: list[PlaySource] = []
    if body.data.get("playPrompt") is not None:
        prompts.append(parse_source(body.data["playPrompt"], "playPrompt"))
    for i, item in enumerate(body.array("playPrompts") or []):
        prompts.append(parse_source(item, f"playPrompts[{i}]"))
    dtmf = options.obj("dtmfOptions") or Body({}, "recognizeOptions.dtmfOptions.")
    choices = _choices(options) if input_type == "choices" else ()
    if input_type == "choices" and not choices:
        raise invalid("'recognizeOptions.choices' is required for choices recognition.")
    spec = RecognizeSpec(
        input_type=input_type,
        prompts=tuple(prompts),
        interrupt_prompt=options.flag("interruptPrompt"),
        initial_silence=options.number("initialSilenceTimeoutInSeconds", minimum=0, maximum=300) or 5.0,
        inter_tone=dtmf.number("interToneTimeoutInSeconds", minimum=1, maximum=60) or 2.0,
        max_tones=int(dtmf.number("maxTonesToCollect", minimum=1, maximum=100) or 1),
        stop_tones=tuple(_tones(dtmf.array("stopTones") or [], "recognizeOptions.dtmfOptions.stopTones")),
        choices=choices,
    )
    mediaops.recognize(
        ctx.world,
        conn,
        target,
        spec,
        interrupt=body.flag("interruptCallMediaOperation"),
        operation_context=body.text("operationContext"),
        url=body.url("operationCallbackUri"),
    )
    return Reply(202)


def _choices(options: Body) -> tuple[Choice, ...]:
    choices = []
    for i, item in enumerate(options.array("choices") or []):
        if not isinstance(item, dict):
            raise invalid(f"'recognizeOptions.choices[{i}]' must be an object.")
        choice = Body(item, f"recognizeOptions.choices[{i}].")
        label = choice.text("label", required=True)
        phrases = choice.array("phrases", required=True) or []
        if not all(isinstance(p, str) for p in phrases):
            raise invalid(f"'recognizeOptions.choices[{i}].phrases' must be strings.")
        tone = None
        if choice.data.get("tone") is not None:
            tone = _tones([choice.data["tone"]], f"recognizeOptions.choices[{i}].tone")[0]
        assert label is not None
        choices.append(Choice(label, tuple(phrases), tone))
    return tuple(choices)


def _tones(values: list[Any], field: str) -> list[str]:
    tones = []
    for value in values:
        tone = normalize_tone(value)
        if tone is None:
            raise invalid(f"'{field}' contains an invalid DTMF tone: {value!r}.")
        tones.append(tone)
    return tones


@operation("cancelAllMediaOperations", "POST", "/calling/callConnections/{id}:cancelAllMediaOperations")
async def cancel_all(ctx: RestContext) -> Reply:
    mediaops.cancel_all(ctx.world, ctx.connection())
    return Reply(202)


@operation("startContinuousDtmf", "POST", "/calling/callConnections/{id}:startContinuousDtmfRecognition")
async def start_continuous_dtmf(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    target = identifier_field(ctx.body, "targetParticipant", required=True)
    assert target is not None
    mediaops.start_continuous_dtmf(ctx.world, conn, target, operation_context=ctx.body.text("operationContext"))
    return Reply(200)


@operation("stopContinuousDtmf", "POST", "/calling/callConnections/{id}:stopContinuousDtmfRecognition")
async def stop_continuous_dtmf(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    target = identifier_field(ctx.body, "targetParticipant", required=True)
    assert target is not None
    mediaops.stop_continuous_dtmf(
        ctx.world,
        conn,
        target,
        operation_context=ctx.body.text("operationContext"),
        url=ctx.body.url("operationCallbackUri"),
    )
    return Reply(200)


@operation("sendDtmf", "POST", "/calling/callConnections/{id}:sendDtmfTones")
async def send_dtmf(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    tones = _tones(body.array("tones", required=True, non_empty=True) or [], "tones")
    if len(tones) > MAX_SEND_TONES:
        raise invalid(f"at most {MAX_SEND_TONES} tones can be sent at once.")
    target = identifier_field(body, "targetParticipant", required=True)
    assert target is not None
    operation_context = body.text("operationContext")
    mediaops.send_dtmf(
        ctx.world, conn, target, tones, operation_context=operation_context, url=body.url("operationCallbackUri")
    )
    return Reply(202, {"operationContext": operation_context})


@operation("hold", "POST", "/calling/callConnections/{id}:hold")
async def hold(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    target = identifier_field(body, "targetParticipant", required=True)
    assert target is not None
    music = body.data.get("playSourceInfo")
    source = parse_source(music, "playSourceInfo") if music is not None else None
    mediaops.hold(
        ctx.world,
        conn,
        target,
        await source.failure(ctx.world, conn) if source is not None else None,
        operation_context=body.text("operationContext"),
        url=body.url("operationCallbackUri"),
        music=source,
    )
    return Reply(200)


@operation("unhold", "POST", "/calling/callConnections/{id}:unhold")
async def unhold(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    target = identifier_field(ctx.body, "targetParticipant", required=True)
    assert target is not None
    mediaops.unhold(ctx.world, conn, target)
    return Reply(200)


OPERATIONS: list[Operation] = [
    play,
    recognize,
    cancel_all,
    start_continuous_dtmf,
    stop_continuous_dtmf,
    send_dtmf,
    hold,
    unhold,
]
