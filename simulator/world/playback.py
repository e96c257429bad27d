"""Playing audio: how long a source takes, when it fails, and the play operation itself."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.world.identity import Identifier
from simulator.world.media import MediaOp

if TYPE_CHECKING:
    from simulator.world.calls import Connection
    from simulator.world.world import World

ACTION_OK = {"code": 200, "subCode": 0, "message": "Action completed successfully."}
# What real ACS sends for a file it cannot download or decode (the invalid-file-source live-test capture).
FILE_INVALID = {"code": 400, "subCode": 8535, "message": "Action failed, file format is invalid."}
SECONDS_PER_CHARACTER = 0.07
FILE_SECONDS = 2.0
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class PlaySource:
    """One play source: ``kind`` file|text|ssml and its content."""

    kind: str
    content: str  # file URL, text, or SSML
    locale: str | None = None  # text: sourceLocale
    voice: str | None = None  # text: voiceName

    def to_json(self) -> dict[str, Any]:
        """How the timeline shows it (``kind="media"`` entries): what a listener would hear."""
        return {"kind": self.kind, "content": self.content, "locale": self.locale, "voice": self.voice}

    def duration(self) -> float:
        if self.kind == "file":
            return FILE_SECONDS
        text = _TAG.sub("", self.content) if self.kind == "ssml" else self.content
        return max(1.0, SECONDS_PER_CHARACTER * len(text.strip()))

    async def failure(self, world: World, conn: Connection) -> dict[str, Any] | None:
        """Why this source cannot be played (resultInformation), or None; a file is fetched first."""
        if self.kind != "file":
            return None
        problem = await world.fetcher.problem(self.content)
        if problem is None:
            return None
        world.timeline.record("note", "acs", f"file prompt unusable: {problem}", call_connection_id=conn.id)
        return FILE_INVALID


async def first_failure(world: World, conn: Connection, sources: list[PlaySource]) -> tuple[int, dict[str, Any]] | None:
    """The index and result of the first source that cannot be played, or None when all can."""
    for index, source in enumerate(sources):
        failure = await source.failure(world, conn)
        if failure is not None:
            return index, failure
    return None


def play_body(world: World, conn: Connection, sources: list[PlaySource], loop: bool, play_to: list[Identifier]) -> Any:
    """The coroutine factory for a play operation: PlayStarted, then PlayCompleted or PlayFailed.

    Files are fetched before anything is heard (a bad one: PlayFailed, no PlayStarted). While a play is aimed at
    particular participants they show ``isOnHold: true`` (the invalid-file-source capture: PU on hold, PlayFailed,
    PU off hold).
    """

    async def run(op: MediaOp) -> None:
        held = _hold_for_play(world, conn, play_to)
        try:
            failed = await first_failure(world, conn, sources)
            if failed is not None:
                index, failure = failed
                data = {"failedPlaySourceIndex": index}
                world.emit(conn, "PlayFailed", data, url=op.url, operation_context=op.operation_context, result=failure)
                return
            world.emit(conn, "PlayStarted", url=op.url, operation_context=op.operation_context, result=ACTION_OK)
            while True:
                for source in sources:
                    async with heard(world, conn, source, "play", play_to):
                        await world.clock.sleep(source.duration())
                if not loop:
                    break
            world.emit(conn, "PlayCompleted", url=op.url, operation_context=op.operation_context, result=ACTION_OK)
        finally:
            _release_after_play(world, conn, held)

    return run


def _hold_for_play(world: World, conn: Connection, play_to: list[Identifier]) -> list[Identifier]:
    held = []
    for who in play_to:
        member = conn.call.member(who.raw_id)
        if member is not None and not member.on_hold:
            member.on_hold = True
            held.append(who)
    if held:
        world.participants_updated(conn.call)
    return held


def _release_after_play(world: World, conn: Connection, held: list[Identifier]) -> None:
    released = False
    for who in held:
        member = conn.call.member(who.raw_id)
        if member is not None and member.on_hold:
            member.on_hold = False
            released = True
    if released and conn.active:
        world.participants_updated(conn.call)


@contextlib.asynccontextmanager
async def heard(
    world: World, conn: Connection, source: PlaySource, operation: str, to: list[Identifier]
) -> AsyncIterator[None]:
    """Note in the timeline when ``source`` starts and stops being heard (``to``: everyone when empty), so a
    listener (the dev phone) can speak and caption it; stopping early (canceled, interrupted) counts as the end."""
    detail: dict[str, Any] = {"source": source.to_json(), "operation": operation, "to": [who.raw_id for who in to]}
    world.timeline.record("media", "acs", "prompt started", call_connection_id=conn.id, **detail)
    try:
        yield
    finally:
        world.timeline.record("media", "acs", "prompt ended", call_connection_id=conn.id, **detail)
