"""Where live media meets the rest of the world: set up with the call, started when it connects, fed by what
parties do, closed when the connection ends.

Example::

    attach(world, conn, transcription=options, media=None)   # answer / createCall / connect
    connected(conn)                                         # after CallConnected: auto-start
    heard = party_input(conn, who, Input(text="agent"))     # a party spoke or pressed a key
    ended(conn)                                             # before CallDisconnected
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.streaming.transcription import Transcription
from simulator.world.identity import Identifier
from simulator.world.media import Input

if TYPE_CHECKING:
    from simulator.streaming.options import MediaStreamingOptions, TranscriptionOptions
    from simulator.world.calls import Connection
    from simulator.world.world import World


def attach(
    world: World,
    conn: Connection,
    *,
    transcription: TranscriptionOptions | None,
    media: MediaStreamingOptions | None,
) -> None:
    if transcription is not None:
        conn.transcription = Transcription(world, conn, transcription)
    if media is not None:
        from simulator.streaming.media import MediaStreaming

        conn.media_streaming = MediaStreaming(world, conn, media)


def connected(conn: Connection) -> None:
    """Start what was asked to start with the call (``startTranscription`` / ``startMediaStreaming`` true)."""
    if conn.transcription is not None and conn.transcription.options.start:
        conn.transcription.start(operation_context=None, url=None)
    if conn.media_streaming is not None and conn.media_streaming.options.start:
        conn.media_streaming.start(operation_context=None, url=None)


def party_input(conn: Connection, who: Identifier, item: Input) -> bool:
    """True when a live stream of ``conn`` carried what the party did."""
    heard = False
    if item.text is not None and conn.transcription is not None:
        heard = conn.transcription.hear(who, item.text)
    if conn.media_streaming is not None:
        heard = conn.media_streaming.hear(who, item) or heard
    return heard


def ended(conn: Connection) -> None:
    for session in (conn.transcription, conn.media_streaming):
        if session is not None:
            session.end()
