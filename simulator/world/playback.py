"""Playing audio: how long a source takes, when it fails, and the play operation itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from simulator.world.media import MediaOp

if TYPE_CHECKING:
    from simulator.world.calls import Connection
    from simulator.world.world import World

ACTION_OK = {"code": 200, "subCode": 0, "message": "Action completed successfully."}
SUPPORTED_EXTENSIONS = (".wav", ".mp3")
SECONDS_PER_CHARACTER = 0.07
FILE_SECONDS = 2.0
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class PlaySource:
    """One play source: ``kind`` file|text|ssml and its content."""

    kind: str
    content: str  # file URL, text, or SSML

    def duration(self) -> float:
        if self.kind == "file":
            return FILE_SECONDS
        text = _TAG.sub("", self.content) if self.kind == "ssml" else self.content
        return max(1.0, SECONDS_PER_CHARACTER * len(text.strip()))

    def failure(self) -> dict[str, Any] | None:
        """Why this source cannot be played (resultInformation), or None."""
        if self.kind != "file":
            return None
        if "notfound" in self.content.lower():
            return {"code": 400, "subCode": 8536, "message": "Action failed, file could not be downloaded."}
        if not urlparse(self.content).path.lower().endswith(SUPPORTED_EXTENSIONS):
            return {"code": 400, "subCode": 8535, "message": "Action failed, file format is invalid."}
        return None


def play_body(world: World, conn: Connection, sources: list[PlaySource], loop: bool) -> Any:
    """The coroutine factory for a play operation: PlayStarted, then PlayCompleted or PlayFailed."""

    async def run(op: MediaOp) -> None:
        world.emit(conn, "PlayStarted", url=op.url, operation_context=op.operation_context, result=ACTION_OK)
        while True:
            for index, source in enumerate(sources):
                failure = source.failure()
                if failure is not None:
                    world.emit(
                        conn,
                        "PlayFailed",
                        {"failedPlaySourceIndex": index},
                        url=op.url,
                        operation_context=op.operation_context,
                        result=failure,
                    )
                    return
                await world.clock.sleep(source.duration())
            if not loop:
                break
        world.emit(conn, "PlayCompleted", url=op.url, operation_context=op.operation_context, result=ACTION_OK)

    return run
