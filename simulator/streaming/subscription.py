"""What transcription and media streaming share: a subscription whose WebSocket opens on start and closes on stop.

``start`` answers at once; the socket opens in the background, then ``<Kind>Started`` (or ``<Kind>Failed`` when
the app refuses the connection). An app that closes the socket while the subscription is active gets
``<Kind>Failed`` (``streamConnectionInterrupted``). ``stop`` closes it with ``<Kind>Stopped``. When the call ends
the socket closes without an event (nothing follows ``CallDisconnected``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.streaming.results import COMPLETED, CONNECT_FAILED, INTERRUPTED
from simulator.streaming.socket import StreamSocket
from simulator.world.calls import CONNECTED
from simulator.world.errors import AcsError, not_established
from simulator.world.identity import mint_guid

if TYPE_CHECKING:
    from simulator.world.calls import Connection
    from simulator.world.world import World

ACTIVE = "active"
INACTIVE = "inactive"


class Subscription:
    """One connection's stream of one kind; subclasses say what to send and how the status objects look."""

    kind = ""  # "Transcription" | "MediaStreaming": the event name prefix

    def __init__(self, world: World, conn: Connection, transport_url: str) -> None:
        self.world = world
        self.conn = conn
        self.transport_url = transport_url
        self.id = mint_guid()
        self.state = INACTIVE
        self.socket: StreamSocket | None = None
        self._starting = False
        self._operation_context: str | None = None
        self._url: str | None = None

    # ----- what subclasses provide
    def status(self, event: str, details: str) -> dict[str, Any]:
        """The event's ``…Update`` object for ``event`` in Started/Stopped/Updated/Failed."""
        raise NotImplementedError

    async def opened(self, socket: StreamSocket) -> None:
        """The socket is open: send the metadata message (and start producing)."""

    def closed(self) -> None:
        """The subscription stopped producing (stop, failure or call end)."""

    # ----- actions
    def start(self, *, operation_context: str | None, url: str | None) -> None:
        if self.conn.state != CONNECTED:
            raise not_established()
        if self.state == ACTIVE or self._starting:
            raise AcsError(400, 8585, f"{self.kind} is already active.")
        self._starting = True
        self._operation_context, self._url = operation_context, url
        self.world.spawn(self.conn.call, self._open())

    def stop(self, *, operation_context: str | None, url: str | None) -> None:
        if self.conn.state != CONNECTED:
            raise not_established()
        if self.state != ACTIVE:
            raise AcsError(400, 8585, f"{self.kind} is not active.")
        self._deactivate()
        self.emit("Stopped", "subscriptionStopped", COMPLETED, operation_context, url)

    def end(self) -> None:
        """The call connection ended: close quietly."""
        if self.state == ACTIVE or self.socket is not None:
            self._deactivate()

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state}

    def emit(
        self, event: str, details: str, result: dict[str, Any], operation_context: str | None, url: str | None
    ) -> None:
        self.world.emit(
            self.conn,
            f"{self.kind}{event}",
            self.status(event, details),
            url=url,
            operation_context=operation_context,
            result=result,
        )

    # ----- plumbing
    async def _open(self) -> None:
        conn = self.conn
        try:
            socket = await self.world.streams.open(
                self.transport_url, call_connection_id=conn.id, correlation_id=conn.call.correlation_id
            )
        finally:
            self._starting = False
        if conn.state != CONNECTED:
            if socket is not None:
                await socket.close()
            return
        self.world.timeline.record(
            "note",
            "acs",
            f"{self.kind} socket {'opened' if socket else 'refused'}",
            call_connection_id=conn.id,
            url=self.transport_url,
        )
        if socket is None:
            self.emit("Failed", "streamConnectionUnsuccessful", CONNECT_FAILED, self._operation_context, self._url)
            return
        self.socket = socket
        self.state = ACTIVE
        await self.opened(socket)
        self.emit("Started", "subscriptionStarted", COMPLETED, self._operation_context, self._url)
        self.world.spawn(conn.call, self._read(socket))

    async def _read(self, socket: StreamSocket) -> None:
        await socket.receive(self.received)
        if socket is self.socket and not socket.closed_by_us and self.state == ACTIVE:
            self.world.timeline.record(
                "note", "acs", f"{self.kind} socket closed by the app", call_connection_id=self.conn.id
            )
            self._deactivate()
            self.emit("Failed", "streamConnectionInterrupted", INTERRUPTED, self._operation_context, self._url)

    async def received(self, message: dict[str, Any]) -> None:
        """A message the app sent on the socket (only bidirectional media streaming uses them)."""

    def _deactivate(self) -> None:
        self.state = INACTIVE
        self.closed()
        socket, self.socket = self.socket, None
        if socket is not None:
            socket.closed_by_us = True
            self.world.spawn(None, socket.close())
