"""The simulated world: calls, connections, parties and time. Operations live in sibling modules.

Example::

    world = World(config, Clock(0.05), Timeline(), delivery.publisher)
    call = world.new_call()
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.interfaces import EventPublisher
from simulator.streaming import lifecycle as streaming
from simulator.streaming.socket import StreamConnector
from simulator.timeline import Timeline
from simulator.world.calls import (
    CONNECTED,
    DISCONNECTED,
    ENDED,
    ESTABLISHED,
    Call,
    Connection,
    Participant,
)
from simulator.world.errors import not_found, terminated
from simulator.world.fetch import PromptFetcher
from simulator.world.identity import (
    Identifier,
    mint_guid,
    mint_incoming_call_context,
    mint_server_call_id,
    resource_identity,
)
from simulator.world.media import MediaQueue
from simulator.world.parties import Parties
from simulator.world.realism import RINGING_UPDATE_AFTER, Realism
from simulator.world.recordings import Recordings
from simulator.world.ringing import CALL_ENDED, Outcome, Ring

_log = logging.getLogger("simulator.world")
OK = {"code": 200, "subCode": 0, "message": ""}
ENDED_BY_API = {
    "code": 200,
    "subCode": 7000,
    "message": "Call was ended by Azure Communication Service Call Automation API or a server bot. DiagCode: 0#7000.@",
}
ENDED_BY_PARTY = {"code": 200, "subCode": 7000, "message": "The conversation has ended. DiagCode: 0#7000.@"}


@dataclass(frozen=True)
class Timing:
    """Simulated durations the world uses (seconds)."""

    connect_delay: float = 0.2  # answer/connect → CallConnected
    ringing_timeout: float = 60.0  # an inbound call gives up after this
    invitation_timeout: float = 60.0
    page_size: int = 100


class World:
    """All simulated state of one emulator instance."""

    def __init__(
        self,
        config: SimulatorConfig,
        clock: Clock,
        timeline: Timeline,
        publisher: EventPublisher,
        timing: Timing | None = None,
        stream_token: Callable[[], str] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.timeline = timeline
        self.publisher = publisher
        self.timing = timing or Timing()
        self.parties = Parties(config.owned_numbers)
        self.calls: dict[str, Call] = {}
        self.connections: dict[str, Connection] = {}
        self.rings: dict[str, Ring] = {}  # by incomingCallContext
        self.invitations: dict[str, Ring] = {}  # by invitationId
        self._ringing: dict[str, tuple[Ring, str]] = {}  # legs ringing now, by invitationId: (ring, answer mode)
        self.media: dict[str, MediaQueue] = {}
        self.recordings = Recordings(self)
        self.fetcher = PromptFetcher()
        self.realism = Realism(config.realism_seed) if config.realism else None
        self.rooms: dict[str, list[Identifier]] = {}
        self.groups: dict[str, list[Identifier]] = {}
        self.app_identity = resource_identity(config.resource_id)
        self._tasks: set[asyncio.Task[None]] = set()
        # WebSockets to apps for transcription and media streaming, each signed with a 24-hour JWT.
        self.streams = StreamConnector(stream_token or (lambda: ""))

    # ----- lifecycle
    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.fetcher.close()
        await self.streams.close()

    async def reset(self) -> None:
        await self.stop()
        for store in (self.calls, self.connections, self.rings, self.invitations, self.media, self.rooms, self.groups):
            store.clear()
        self._ringing.clear()
        self.recordings.clear()
        self.parties.clear()

    def spawn(self, call: Call | None, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``coro`` in the background, tied to ``call`` (canceled when the call ends)."""
        task = asyncio.get_running_loop().create_task(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # A task cancelled before its first step (the emulator stopping) never starts ``coro``: close it, so it is
        # not reported as never awaited. Closing a coroutine that ran is a no-op.
        task.add_done_callback(lambda _: coro.close())
        if call is not None:
            call.tasks.add(task)
            task.add_done_callback(call.tasks.discard)
        return task

    @staticmethod
    async def _guard(coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug in one call's simulation must not take the emulator down
            _log.exception("simulation task failed")

    # ----- lookups
    def new_call(self, **fields: Any) -> Call:
        call = Call(server_call_id=mint_server_call_id(), correlation_id=mint_guid(), **fields)
        self.calls[call.server_call_id] = call
        return call

    def new_connection(self, call: Call, callback_uri: str, **fields: Any) -> Connection:
        conn = Connection(id=mint_guid(), call=call, callback_uri=callback_uri, **fields)
        call.connections[conn.id] = conn
        self.connections[conn.id] = conn
        self.media[conn.id] = MediaQueue(self, conn)
        self.timeline.link(conn.id, call.server_call_id)
        return conn

    def connection(self, connection_id: str, *, allow_ended: bool = False) -> Connection:
        """The connection, or 404/8522; a disconnected one raises 400/8528 unless ``allow_ended``."""
        conn = self.connections.get(connection_id)
        if conn is None:
            raise not_found("Call")
        if conn.state == DISCONNECTED and not allow_ended:
            raise terminated()
        return conn

    def call(self, server_call_id: str) -> Call:
        call = self.calls.get(server_call_id)
        if call is None:
            raise not_found("Call")
        return call

    def track_ring(self, ring: Ring, answer: str) -> None:
        """Remember ``ring`` while it rings, so a page or the control API can answer it by hand."""
        self._ringing[ring.invitation_id] = (ring, answer)
        ring.future.add_done_callback(lambda _: self._ringing.pop(ring.invitation_id, None))

    def ringing_parties(self, call: Call) -> list[tuple[Ring, str]]:
        """The legs of ``call`` ringing now, with their answer mode (``manual``, ``accept``, ``app``, ...)."""
        return [(ring, answer) for ring, answer in self._ringing.values() if ring.call is call and ring.ringing]

    def is_app_reachable(self, who: Identifier) -> bool:
        """Whether a call to ``who`` is announced to the app with an IncomingCall
        (https://learn.microsoft.com/azure/communication-services/concepts/call-automation/incoming-call-notification)."""
        if who.kind == "communicationUser":
            return who.raw_id.startswith(f"8:acs:{self.config.resource_id}_")
        return self.parties.is_owned(who)

    # ----- events
    def emit(
        self,
        conn: Connection,
        event_type: str,
        data: dict[str, Any] | None = None,
        *,
        url: str | None = None,
        operation_context: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        """Publish one callback for ``conn`` (nothing after its CallDisconnected)."""
        if conn.state == DISCONNECTED and event_type != "CallDisconnected":
            return
        payload: dict[str, Any] = dict(data or {})
        payload.update(
            callConnectionId=conn.id,
            serverCallId=conn.call.server_call_id,
            correlationId=conn.call.correlation_id,
            version=conn.api_version,  # real ACS stamps the api-version of the request that created the leg
        )
        if operation_context is not None:
            payload["operationContext"] = operation_context
        payload["resultInformation"] = result or OK
        self.publisher.callback(
            url or conn.callback_uri,
            event_type,
            payload,
            call_connection_id=conn.id,
            server_call_id=conn.call.server_call_id,
        )

    def next_sequence(self, call: Call) -> int:
        gap = self.realism is not None and call.sequence > 0  # a call's first update is always 1 (every capture)
        return call.next_sequence(self.realism.sequence_step() if gap and self.realism else 1)

    def participants_updated(self, call: Call) -> None:
        participants = [p.to_wire() for p in call.roster()]
        sequence = self.next_sequence(call)
        for conn in call.active_connections():
            if conn.state == CONNECTED:
                self.emit(conn, "ParticipantsUpdated", {"participants": participants, "sequenceNumber": sequence})

    def incoming_call(self, ring: Ring, display_name: str = "") -> None:
        """Announce ``ring`` to the app through Event Grid; the ring is then answerable by its context."""
        call = ring.call
        ring.context = mint_incoming_call_context(call.server_call_id)
        self.rings[ring.context] = ring
        data: dict[str, Any] = {
            "to": ring.target.to_wire(),
            "from": (ring.caller or self.app_identity).to_wire(),
            "serverCallId": call.server_call_id,
            "callerDisplayName": display_name,
            "incomingCallContext": ring.context,
            "correlationId": call.correlation_id,
        }
        if ring.custom_context:
            data["customContext"] = ring.custom_context
        self.timeline.record(
            "note",
            "acs",
            "IncomingCall",
            server_call_id=call.server_call_id,
            to=ring.target.raw_id,
            customContext=ring.custom_context,
        )
        self.publisher.incoming_call(data, server_call_id=call.server_call_id)

    # ----- state changes
    def connect(self, conn: Connection, operation_context: str | None = None) -> None:
        """The connection is established: CallConnected, then ParticipantsUpdated."""
        conn.state = CONNECTED
        conn.call.state = ESTABLISHED
        self._seat_app(conn)
        participants = [p.to_wire() for p in conn.call.roster()]
        updated = {"participants": participants, "sequenceNumber": self.next_sequence(conn.call)}
        if self.realism is not None and not self.realism.connected_first():
            self.emit(conn, "ParticipantsUpdated", updated)
            self.emit(conn, "CallConnected", operation_context=operation_context)
        else:
            self.emit(conn, "CallConnected", operation_context=operation_context)
            self.emit(conn, "ParticipantsUpdated", updated)
        streaming.connected(conn)

    def _seat_app(self, conn: Connection) -> None:
        """The app's leg appears in the roster as its identity, as in every real capture (never twice)."""
        call = conn.call
        if conn.identity is None:
            if call.app_members:
                return  # a connect to a call the app already holds adds nobody (connect_call capture)
            conn.identity = self.app_identity
            conn.source = conn.source or conn.identity  # what getCall reports as the leg's source
        raw = conn.identity.raw_id
        if call.member(raw) is None:
            call.app_members[raw] = Participant(conn.identity)

    def _unseat_app(self, conn: Connection) -> bool:
        """The leg left: its identity leaves the roster unless another live leg holds it. True if it left."""
        identity = conn.identity
        if identity is None or identity.raw_id not in conn.call.app_members:
            return False
        if any(c.identity == identity for c in conn.call.active_connections()):
            return False
        del conn.call.app_members[identity.raw_id]
        return True

    def disconnect(self, conn: Connection, result: dict[str, Any] = ENDED_BY_API) -> None:
        """The app's leg ends: media stops, CallDisconnected is the last event."""
        if conn.state == DISCONNECTED:
            return
        self.media[conn.id].abandon()
        for recognition in conn.continuous_dtmf.values():
            self.emit(conn, "ContinuousDtmfRecognitionStopped", operation_context=recognition.operation_context)
        conn.continuous_dtmf.clear()
        streaming.ended(conn)
        conn.state = DISCONNECTED
        self.emit(conn, "CallDisconnected", operation_context=conn.operation_context, result=result)
        call = conn.call
        if call.state == ESTABLISHED and not call.active_connections() and not call.participants:
            self.end_call(call)
        elif self._unseat_app(conn) and call.state == ESTABLISHED:
            self.participants_updated(call)

    def end_call(self, call: Call, result: dict[str, Any] = ENDED_BY_API) -> None:
        """The call ends for everyone."""
        if call.state == ENDED:
            return
        call.state = ENDED
        self.timeline.record("note", "acs", "call ended", server_call_id=call.server_call_id)
        for conn in call.active_connections():
            self.disconnect(conn, result)
        for ring in [*self.rings.values(), *self.invitations.values()]:
            if ring.call is call:
                ring.settle(CALL_ENDED)
        call.participants.clear()
        call.app_members.clear()
        current = asyncio.current_task()
        for task in list(call.tasks):
            if task is not current:
                task.cancel()

    def join(self, call: Call, who: Identifier) -> Participant:
        participant = call.participants.get(who.raw_id) or Participant(who)
        call.participants[who.raw_id] = participant
        hang_up_after = self.parties.behaviour_for(who).hang_up_after
        if hang_up_after is not None:
            self.spawn(call, self._hang_up_later(call, who, hang_up_after))
        return participant

    async def _hang_up_later(self, call: Call, who: Identifier, after: float) -> None:
        await self.clock.sleep(after)
        if who.raw_id in call.participants:
            self.party_hangs_up(call, who)

    def party_hangs_up(self, call: Call, who: Identifier) -> None:
        """A simulated party hangs up: a two-party call ends for everyone, else only that party leaves."""
        self.timeline.record("party", who.raw_id, "hang up", server_call_id=call.server_call_id)
        if who.raw_id not in call.participants:
            return
        if len(call.participants) + len(call.active_connections()) <= 2:
            self.end_call(call, ENDED_BY_PARTY)
        else:
            self.leave(call, who)

    def leave(self, call: Call, who: Identifier) -> None:
        """``who`` leaves; the call ends once no party is left."""
        call.participants.pop(who.raw_id, None)
        for queue in (self.media[c.id] for c in call.connections.values()):
            queue.party_left(who)
        if not call.participants:
            self.end_call(call, ENDED_BY_PARTY)
        else:
            self.participants_updated(call)

    def neutral_updates(self, call: Call, delays: list[float]) -> None:
        """Under realism: roster-neutral ParticipantsUpdated after each delay (simulated seconds from now)."""

        async def send() -> None:
            waited = 0.0
            for delay in delays:
                await self.clock.sleep(delay - waited)
                waited = delay
                if call.state == ESTABLISHED:
                    self.participants_updated(call)

        self.spawn(call, send())

    async def ringing_update(self, ring: Ring) -> None:
        """Under realism: one neutral update while an added party still rings (the add-participant captures)."""
        await self.clock.sleep(RINGING_UPDATE_AFTER)
        if ring.ringing and ring.call.state == ESTABLISHED:
            self.participants_updated(ring.call)

    def settle_ring_by_app(self, ring: Ring, conn: Connection) -> bool:
        """The app answered ``ring``'s IncomingCall; False when the ring was already over."""
        settled = ring.settle(Outcome(True, by_app=conn))
        if settled:
            self.timeline.record("note", "acs", "answered by the app", server_call_id=ring.call.server_call_id)
        return settled

    def settle_ring(self, ring: Ring, outcome: Outcome) -> None:
        if ring.settle(outcome) and ring.context:
            self.timeline.record(
                "note",
                "acs",
                "ring settled",
                server_call_id=ring.call.server_call_id,
                target=ring.target.raw_id,
                answered=outcome.answered,
                subCode=outcome.sub_code,
            )
