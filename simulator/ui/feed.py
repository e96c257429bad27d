"""The live feed behind the dev phone: timeline entries and call state, pushed as Server-Sent Events in batches.

Every page holds one stream (``GET /simulator/stream``). It opens with a ``snapshot`` (recent calls, their state and
timelines) and then gets a ``batch`` at most every ``interval`` seconds with the entries recorded since and the
state of the calls they touched. Entries carry their causal ``seq``; a page keeps them sorted by it. The JSON of a
batch is built once for all pages, so 50 busy calls cost one encode per interval, not one per entry and page. A
page too slow to keep up is sent a fresh snapshot instead of a growing backlog.

Example::

    feed = LiveFeed(world, timeline)
    async for frame in feed.frames():      # "event: snapshot\\ndata: {...}\\n\\n", then batches
        ...
    await feed.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from simulator.timeline import Timeline, TimelineEntry

if TYPE_CHECKING:
    from simulator.world.calls import Call
    from simulator.world.world import World

BATCH_INTERVAL = 0.1  # real seconds between batches
SNAPSHOT_CALLS = 100  # the most recent calls a snapshot carries
SNAPSHOT_ENTRIES = 400  # the last entries of each call a snapshot carries
BACKLOG = 50  # batches a page may fall behind before it is resynchronised
KEEPALIVE = 1.0  # real seconds between comments on an idle stream (keeps it open; lets clients tick)


def call_state(world: World, call: Call) -> dict[str, Any]:
    """What a page shows of one call: the control API's summary plus the parties ringing right now."""
    state = call.summary()
    state["ringing"] = [
        {"rawId": ring.target.raw_id, "invitationId": ring.invitation_id, "answer": behaviour}
        for ring, behaviour in world.ringing_parties(call)
    ]
    return state


class LiveFeed:
    """Batches what the timeline records and fans it out to every connected page."""

    def __init__(self, world: World, timeline: Timeline, *, interval: float = BATCH_INTERVAL) -> None:
        self._world = world
        self._timeline = timeline
        self._interval = interval
        self._pages: set[asyncio.Queue[str]] = set()
        self._pending: list[TimelineEntry] = []
        self._touched: set[str] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._flusher: asyncio.Task[None] | None = None

    def snapshot(self) -> dict[str, Any]:
        calls = list(self._world.calls.values())[-SNAPSHOT_CALLS:]
        entries = [
            entry.to_json()
            for call in calls
            for entry in self._timeline.for_call(call.server_call_id)[-SNAPSHOT_ENTRIES:]
        ]
        return {"calls": [call_state(self._world, call) for call in calls], "entries": entries}

    async def frames(self) -> AsyncIterator[str]:
        """The SSE frames for one page, until it goes away."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=BACKLOG)
        self._start()
        self._pages.add(queue)
        try:
            yield _frame("snapshot", json.dumps(self.snapshot()))
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    yield ": keepalive\n\n"
        finally:
            self._pages.discard(queue)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None

    def resync(self) -> None:
        """Send every page a fresh snapshot (after a reset, when what they hold is gone)."""
        self._pending.clear()
        self._touched.clear()
        if self._pages:
            frame = _frame("snapshot", json.dumps(self.snapshot()))
            for queue in self._pages:
                _drain(queue)
                queue.put_nowait(frame)

    def _start(self) -> None:
        if self._flusher is None:
            self._unsubscribe = self._timeline.subscribe(self._on_entry)
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    def _on_entry(self, entry: TimelineEntry) -> None:
        if not self._pages:
            return
        self._pending.append(entry)
        if entry.server_call_id:
            self._touched.add(entry.server_call_id)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            if self._pending and self._pages:
                self._flush()

    def _flush(self) -> None:
        entries, self._pending = self._pending, []
        touched, self._touched = self._touched, set()
        calls = [self._world.calls[sid] for sid in touched if sid in self._world.calls]
        batch = {
            "entries": [entry.to_json() for entry in sorted(entries, key=lambda e: e.seq)],
            "calls": [call_state(self._world, call) for call in calls],
        }
        frame = _frame("batch", json.dumps(batch))
        resync: str | None = None
        for queue in self._pages:
            if queue.full():
                resync = resync or _frame("snapshot", json.dumps(self.snapshot()))
                _drain(queue)
                queue.put_nowait(resync)
            else:
                queue.put_nowait(frame)


def _frame(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


def _drain(queue: asyncio.Queue[str]) -> None:
    while not queue.empty():
        queue.get_nowait()
