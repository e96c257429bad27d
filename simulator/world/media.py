"""The media-operation queue of one call connection: one active operation, the rest waiting their turn.

Example::

    queue.submit(MediaOp("play", body=run_play(...)), interrupt=False)
    queue.cancel_all()      # PlayCanceled / RecognizeCanceled for the active and queued operations
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.world.errors import AcsError
from simulator.world.identity import Identifier

if TYPE_CHECKING:
    from simulator.world.calls import Connection
    from simulator.world.world import World

MAX_QUEUED = 10
CANCELED = {"code": 400, "subCode": 8508, "message": "Action failed, the operation was canceled."}


@dataclass(frozen=True)
class Input:
    """One thing a party did: pressed a DTMF ``tone`` (wire name), said ``text``, or chose ``silence`` (the
    listening recognize's timeout fires now instead of later)."""

    tone: str | None = None
    text: str | None = None
    silence: bool = False


@dataclass
class MediaOp:
    """A play or a recognize; ``body`` builds the coroutine that runs it."""

    kind: str  # "play" | "recognize"
    body: Callable[[MediaOp], Coroutine[Any, Any, None]]
    operation_context: str | None = None
    url: str | None = None
    target: Identifier | None = None  # recognize only
    inputs: asyncio.Queue[Input] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None

    @property
    def canceled_event(self) -> str:
        return "PlayCanceled" if self.kind == "play" else "RecognizeCanceled"


class MediaQueue:
    """Runs a connection's media operations one at a time."""

    def __init__(self, world: World, conn: Connection) -> None:
        self._world = world
        self._conn = conn
        self.active: MediaOp | None = None
        self.queued: deque[MediaOp] = deque()

    def submit(self, op: MediaOp, *, interrupt: bool = False) -> None:
        if len(self.queued) >= MAX_QUEUED:
            raise AcsError(412, 8583, "Too many media operations queued.")
        if interrupt and self.active is not None:
            self._cancel(self.active)
            self._start(op)
        elif self.active is None:
            self._start(op)
        else:
            self.queued.append(op)

    def cancel_all(self) -> None:
        """Cancel the active and the queued operations, each with its Canceled event."""
        queued, self.queued = list(self.queued), deque()
        if self.active is not None:
            self._cancel(self.active)
            self.active = None
        for op in queued:
            self._emit_canceled(op)

    def interrupt(self) -> MediaOp | None:
        """Something else now plays to the whole call (the app's stream audio): the active operation ends with its
        Canceled event, as a play with ``interruptCallMediaOperation`` ends it; the queue goes on. The operation
        interrupted, if any."""
        op = self.active
        if op is None:
            return None
        self._cancel(op)
        self._next()
        return op

    def abandon(self) -> None:
        """The connection ended: stop everything silently."""
        self.queued.clear()
        if self.active is not None and self.active.task is not None:
            self.active.task.cancel()
        self.active = None

    def deliver(self, who: Identifier, item: Input) -> bool:
        """Hand a party's input to the active recognize aimed at it; False when none listens."""
        op = self.active
        if op is not None and op.kind == "recognize" and op.target == who:
            op.inputs.put_nowait(item)
            return True
        return False

    def listening_to(self, who: Identifier) -> MediaOp | None:
        op = self.active
        return op if op is not None and op.kind == "recognize" and op.target == who else None

    def party_left(self, who: Identifier) -> None:
        """Operations aimed at a party who left can never finish; they end as canceled."""
        for op in list(self.queued):
            if op.target == who:
                self.queued.remove(op)
                self._emit_canceled(op)
        if self.active is not None and self.active.target == who:
            self._cancel(self.active)
            self._next()

    def _start(self, op: MediaOp) -> None:
        self.active = op
        op.task = self._world.spawn(self._conn.call, self._run(op))

    async def _run(self, op: MediaOp) -> None:
        try:
            await op.body(op)
        finally:
            if self.active is op:
                self._next()

    def _next(self) -> None:
        self.active = None
        if self.queued and self._conn.active:
            self._start(self.queued.popleft())

    def _cancel(self, op: MediaOp) -> None:
        if op.task is not None:
            op.task.cancel()
        self._emit_canceled(op)

    def _emit_canceled(self, op: MediaOp) -> None:
        self._world.emit(
            self._conn, op.canceled_event, url=op.url, operation_context=op.operation_context, result=CANCELED
        )
