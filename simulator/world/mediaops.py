"""Mid-call media actions: play, recognize, cancel, continuous DTMF, send DTMF, hold and unhold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.streaming import lifecycle as streaming
from simulator.world.calls import CONNECTED, Connection, ContinuousDtmf, Participant
from simulator.world.errors import AcsError, invalid, not_established
from simulator.world.identity import Identifier
from simulator.world.media import Input, MediaOp
from simulator.world.playback import PlaySource, play_body
from simulator.world.recognition import RecognizeSpec, recognize_body

if TYPE_CHECKING:
    from simulator.world.world import World

TONE_SECONDS = 0.1
DTMF_RECEIVED = {"code": 200, "subCode": 0, "message": "DTMF tone received successfully."}
DTMF_STOPPED = {"code": 200, "subCode": 0, "message": "Continuous DTMF Recognition stopped successfully."}
SEND_OK = {"code": 200, "subCode": 0, "message": "Action completed successfully."}


def require_connected(conn: Connection) -> None:
    if conn.state != CONNECTED:
        raise not_established()


def participant(conn: Connection, who: Identifier) -> Participant:
    found = conn.call.member(who.raw_id)
    if found is None:
        raise invalid(f"participant {who.raw_id} is not in the call.")
    return found


def play(
    world: World,
    conn: Connection,
    sources: list[PlaySource],
    play_to: list[Identifier],
    *,
    loop: bool,
    interrupt: bool,
    operation_context: str | None,
    url: str | None,
) -> None:
    require_connected(conn)
    for who in play_to:
        participant(conn, who)
    op = MediaOp("play", play_body(world, conn, sources, loop, play_to), operation_context, url)
    world.media[conn.id].submit(op, interrupt=interrupt and not play_to)


def recognize(
    world: World,
    conn: Connection,
    target: Identifier,
    spec: RecognizeSpec,
    *,
    interrupt: bool,
    operation_context: str | None,
    url: str | None,
) -> None:
    require_connected(conn)
    participant(conn, target)
    op = MediaOp("recognize", recognize_body(world, conn, spec), operation_context, url, target=target)
    world.media[conn.id].submit(op, interrupt=interrupt)


def cancel_all(world: World, conn: Connection) -> None:
    require_connected(conn)
    world.media[conn.id].cancel_all()


def start_continuous_dtmf(
    world: World, conn: Connection, target: Identifier, *, operation_context: str | None = None
) -> None:
    require_connected(conn)
    participant(conn, target)
    conn.continuous_dtmf.setdefault(target.raw_id, ContinuousDtmf(operation_context))


def stop_continuous_dtmf(
    world: World, conn: Connection, target: Identifier, *, operation_context: str | None, url: str | None
) -> None:
    require_connected(conn)
    participant(conn, target)
    conn.continuous_dtmf.pop(target.raw_id, None)
    world.emit(
        conn, "ContinuousDtmfRecognitionStopped", url=url, operation_context=operation_context, result=DTMF_STOPPED
    )


def send_dtmf(
    world: World,
    conn: Connection,
    target: Identifier,
    tones: list[str],
    *,
    operation_context: str | None,
    url: str | None,
) -> None:
    require_connected(conn)
    participant(conn, target)
    if not target.is_phone:
        raise invalid("sending DTMF tones is only supported to PSTN participants.")

    async def run() -> None:
        await world.clock.sleep(TONE_SECONDS * len(tones))
        if target.raw_id in conn.call.participants:
            world.emit(conn, "SendDtmfTonesCompleted", url=url, operation_context=operation_context, result=SEND_OK)
        else:
            result = {"code": 400, "subCode": 8523, "message": "Participant left the call."}
            world.emit(conn, "SendDtmfTonesFailed", url=url, operation_context=operation_context, result=result)

    world.spawn(conn.call, run())


def hold(
    world: World,
    conn: Connection,
    target: Identifier,
    music_failure: dict[str, Any] | None,
    *,
    operation_context: str | None,
    url: str | None,
    music: PlaySource | None = None,
) -> None:
    """Put ``target`` on hold; ``music_failure`` is why the hold music can't play (see PlaySource.failure);
    ``music`` is what the held party hears (the timeline says so)."""
    require_connected(conn)
    held = participant(conn, target)
    failure = music_failure
    if failure is not None:
        world.emit(conn, "HoldFailed", url=url, operation_context=operation_context, result=failure)
        return
    held.on_hold = True
    _hold_music(world, conn, target, music, "hold music started")
    world.participants_updated(conn.call)


def unhold(world: World, conn: Connection, target: Identifier) -> None:
    require_connected(conn)
    held = participant(conn, target)
    if held.on_hold:
        _hold_music(world, conn, target, None, "hold music ended")
    held.on_hold = False
    world.participants_updated(conn.call)


def _hold_music(world: World, conn: Connection, target: Identifier, music: PlaySource | None, name: str) -> None:
    """What the held party hears (the service's default music when the app names none)."""
    source = music.to_json() if music is not None else None
    world.timeline.record("media", "acs", name, call_connection_id=conn.id, source=source, to=[target.raw_id])


def party_input(world: World, server_call_id: str, who: Identifier, item: Input) -> bool:
    """A party presses a key or speaks (live, via the control API); True when someone listened."""
    call = world.call(server_call_id)
    if who.raw_id not in call.participants:
        raise AcsError(409, "NotInCall", f"{who.raw_id} is not in call {server_call_id}")
    name = f"press {item.tone}" if item.tone else "stay silent" if item.silence else f"say {item.text}"
    world.timeline.record("party", who.raw_id, name, server_call_id=server_call_id)
    heard = False
    for conn in call.active_connections():
        heard = world.media[conn.id].deliver(who, item) or heard
        heard = streaming.party_input(conn, who, item) or heard
        recognition = conn.continuous_dtmf.get(who.raw_id)
        if item.tone is not None and recognition is not None:
            recognition.sequence += 1
            data = {"tone": item.tone, "sequenceId": recognition.sequence}
            world.emit(
                conn,
                "ContinuousDtmfRecognitionToneReceived",
                data,
                operation_context=recognition.operation_context,
                result=DTMF_RECEIVED,
            )
            heard = True
    return heard
