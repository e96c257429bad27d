"""Recordings: start, get, pause, resume, stop."""

from __future__ import annotations

from simulator.wire.rest import Operation, Reply, RestContext, operation
from simulator.world.calls import Call
from simulator.world.errors import invalid, not_found


@operation("startRecording", "POST", "/calling/recordings")
async def start_recording(ctx: RestContext) -> Reply:
    body = ctx.body
    call = _call(ctx)
    ctx.server_call_id = call.server_call_id
    ctx.correlation_id = call.correlation_id
    options = {
        "content_type": body.choice("recordingContentType", ("audio", "audioVideo")) or "audio",
        "channel_type": body.choice("recordingChannelType", ("mixed", "unmixed")) or "mixed",
        "format_type": body.choice("recordingFormatType", ("wav", "mp3", "mp4")) or "wav",
    }
    recording = ctx.world.recordings.start(
        call,
        callback_uri=body.url("recordingStateCallbackUri"),
        pause_on_start=body.flag("pauseOnStart"),
        options=options,
        connection_id=ctx.call_connection_id,
    )
    return Reply(200, recording.to_wire())


def _call(ctx: RestContext) -> Call:
    body = ctx.body
    connection_id = body.text("callConnectionId")
    if connection_id is not None:
        conn = ctx.world.connection(connection_id)
        ctx.call_connection_id = conn.id
        return conn.call
    locator = body.obj("callLocator")
    if locator is None:
        raise invalid("'callConnectionId' or 'callLocator' is required.")
    fields = (("serverCallId", "server_call_id"), ("groupCallId", "group_call_id"), ("roomId", "room_id"))
    for field, attribute in fields:
        value = locator.text(field)
        if value is not None:
            for call in ctx.world.calls.values():
                if getattr(call, attribute) == value and call.state != "ended":
                    return call
            raise not_found("Call")
    raise invalid("'callLocator' needs serverCallId, groupCallId or roomId.")


@operation("getRecording", "GET", "/calling/recordings/{recording}")
async def get_recording(ctx: RestContext) -> Reply:
    recording = ctx.world.recordings.get(ctx.params["recording"])
    ctx.server_call_id = recording.call.server_call_id
    return Reply(200, recording.to_wire())


@operation("pauseRecording", "POST", "/calling/recordings/{recording}:pause")
async def pause_recording(ctx: RestContext) -> Reply:
    ctx.server_call_id = ctx.world.recordings.get(ctx.params["recording"]).call.server_call_id
    ctx.world.recordings.set_state(ctx.params["recording"], "inactive")
    return Reply(202)


@operation("resumeRecording", "POST", "/calling/recordings/{recording}:resume")
async def resume_recording(ctx: RestContext) -> Reply:
    ctx.server_call_id = ctx.world.recordings.get(ctx.params["recording"]).call.server_call_id
    ctx.world.recordings.set_state(ctx.params["recording"], "active")
    return Reply(202)


@operation("stopRecording", "DELETE", "/calling/recordings/{recording}")
async def stop_recording(ctx: RestContext) -> Reply:
    ctx.server_call_id = ctx.world.recordings.get(ctx.params["recording"]).call.server_call_id
    ctx.world.recordings.stop(ctx.params["recording"])
    return Reply(204)


OPERATIONS: list[Operation] = [start_recording, get_recording, pause_recording, resume_recording, stop_recording]
