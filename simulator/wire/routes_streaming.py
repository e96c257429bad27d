"""Live media: start/stop/update transcription and start/stop media streaming.

All answer 202 and report the outcome as callbacks (``TranscriptionStarted``, ``MediaStreamingFailed``, ...).
"""

from __future__ import annotations

from simulator.streaming.results import media_streaming_update, transcription_update
from simulator.wire.rest import Operation, Reply, RestContext, operation
from simulator.world.calls import CONNECTED
from simulator.world.errors import AcsError, not_established

URL_MISSING = {"code": 400, "subCode": 8523, "message": "Action failed, transport URL is missing."}


@operation("startTranscription", "POST", "/calling/callConnections/{id}:startTranscription")
async def start_transcription(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    context, url = body.text("operationContext"), body.url("operationCallbackUri")
    locale, model = body.text("locale", max_length=20), body.text("speechModelEndpointId")
    if conn.transcription is None:  # no transcriptionOptions when the call was set up: nowhere to stream to
        if conn.state != CONNECTED:
            raise not_established()
        update = transcription_update("transcriptionFailed", "streamUrlMissing")
        ctx.world.emit(conn, "TranscriptionFailed", update, url=url, operation_context=context, result=URL_MISSING)
        return Reply(202)
    conn.transcription.start_with(locale=locale, speech_model=model, operation_context=context, url=url)
    return Reply(202)


@operation("stopTranscription", "POST", "/calling/callConnections/{id}:stopTranscription")
async def stop_transcription(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    session = conn.transcription
    if session is None:
        raise _not_configured("Transcription")
    session.stop(operation_context=ctx.body.text("operationContext"), url=ctx.body.url("operationCallbackUri"))
    return Reply(202)


@operation("updateTranscription", "POST", "/calling/callConnections/{id}:updateTranscription")
async def update_transcription(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    body = ctx.body
    locale = body.text("locale", required=True, max_length=20)
    assert locale is not None
    if conn.transcription is None:
        raise _not_configured("Transcription")
    conn.transcription.update(
        locale=locale,
        speech_model=body.text("speechModelEndpointId"),
        operation_context=body.text("operationContext"),
        url=body.url("operationCallbackUri"),
    )
    return Reply(202)


@operation("startMediaStreaming", "POST", "/calling/callConnections/{id}:startMediaStreaming")
async def start_media_streaming(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    context, url = ctx.body.text("operationContext"), ctx.body.url("operationCallbackUri")
    if conn.media_streaming is None:
        if conn.state != CONNECTED:
            raise not_established()
        update = media_streaming_update("mediaStreamingFailed", "streamUrlMissing")
        ctx.world.emit(conn, "MediaStreamingFailed", update, url=url, operation_context=context, result=URL_MISSING)
        return Reply(202)
    conn.media_streaming.start(operation_context=context, url=url)
    return Reply(202)


@operation("stopMediaStreaming", "POST", "/calling/callConnections/{id}:stopMediaStreaming")
async def stop_media_streaming(ctx: RestContext) -> Reply:
    conn = ctx.connection()
    if conn.media_streaming is None:
        raise _not_configured("Media streaming")
    conn.media_streaming.stop(
        operation_context=ctx.body.text("operationContext"), url=ctx.body.url("operationCallbackUri")
    )
    return Reply(202)


def _not_configured(kind: str) -> AcsError:
    return AcsError(400, 8585, f"{kind} is not active.")


OPERATIONS: list[Operation] = [
    start_transcription,
    stop_transcription,
    update_transcription,
    start_media_streaming,
    stop_media_streaming,
]
