"""The dispatcher: claim the event, lock the call and load its session, route, run the handler, commit.

It is the one path every event takes, over HTTP or through ``await app.dispatch(event)`` in a unit test, and the
one owner of a call's :class:`~app.session.CallSession`. Two store operations per event when the call's lock is
free (see :mod:`app.state.base`): claim + lock + load; commit (save the session and any shared state, mark the
event done, release the locks).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

import structlog

from app import safety_net
from app.actions.call import CallActions
from app.actions.errors import CallActionError
from app.errors import AcsUnavailable, EventInProgress, SinkUnavailable
from app.events import CallDisconnected, CallEvent, IncomingCall
from app.logging import BoundValues, get_logger
from app.routing import Match, Router, suggest_handler
from app.session import CallSession
from app.session.ledger import ActionLedger
from app.state.base import ClaimStatus, EventClaim, Held, JsonObject, StateStore, Write
from app.state.errors import NotJson, StateError
from app.state.renewal import LeaseKeeper
from config.settings import Settings

# Informational events most flows ignore: an unhandled one is logged at debug, not info.
_QUIET_TYPES = frozenset(
    {
        "Microsoft.Communication.ParticipantsUpdated",
        "Microsoft.Communication.PlayStarted",
        "Microsoft.Communication.ContinuousDtmfRecognitionStopped",
        "Microsoft.Communication.RecordingStateChanged",
        "Microsoft.Communication.CallDisconnected",
    }
)

ActionsFactory = Callable[[CallSession], CallActions]
"""Builds the ``call`` a handler receives, over the session the dispatcher loaded."""


class Outcome(StrEnum):
    HANDLED = "handled"
    UNHANDLED = "unhandled"
    FAILED = "failed"
    DUPLICATE = "duplicate"


def call_lock_name(event: CallEvent) -> str:
    """Events of one call (one server call id) run one at a time, whichever app connection they belong to."""
    return "call:" + (event.server_call_id or event.call_connection_id or event.id)


def session_key(call_connection_id: str) -> str:
    """A session belongs to one call connection: two app connections to one call keep their own."""
    return "session:" + call_connection_id


def shared_key(key: str) -> str:
    """The lock and the document of the shared state a flow names ``key``."""
    return "shared:" + key


class Dispatcher:
    """Routes each event to the first matching handler of its call's flow.

    Binding: a call's flow is the session's ``flow``, its one source of truth. The ``flow`` argument (the
    ``?flow=`` of the callback URL, which the framework writes into every callback URL it gives ACS) is read only
    while the session has no flow yet: the first event of a call the app placed or joined, or a call whose session
    expired. A ``?flow=`` that disagrees with the session is ignored (logged). An unbound event (an IncomingCall)
    tries every flow in the order given, then the common routers; the flow whose handler matched owns the call.

    Example::

        dispatcher = Dispatcher(settings, flows=[front_desk.router], common=[], store=store, actions=factory)
        outcome = await dispatcher.dispatch(event)
    """

    def __init__(
        self,
        settings: Settings,
        *,
        flows: Sequence[Router],
        common: Sequence[Router],
        store: StateStore,
        actions: ActionsFactory,
        extras: Mapping[str, Any] | None = None,
    ) -> None:
        names = [router.name for router in flows]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"flow names must be unique; repeated: {', '.join(duplicates)}")
        for router in [*flows, *common]:
            router.check()
        self.settings = settings
        self.flows = {router.name: router for router in flows}
        self.common = list(common)
        self._roots = [*self.flows.values(), *self.common]
        self.store = store
        self.actions = actions
        self.extras: Mapping[str, Any] = dict(extras or {})
        self._log = get_logger("callwright.dispatch")
        self._flow_log = get_logger("callwright.flow")

    async def dispatch(self, event: CallEvent, *, flow: str | None = None, seed: str | None = None) -> Outcome:
        """Handle one event exactly once.

        Raises :class:`~app.errors.SinkUnavailable` (retryable: the endpoint answers 503) when the store cannot be
        reached or refused a stale write, and :class:`~app.errors.EventInProgress` when another delivery of the
        event is being processed. A failing handler is contained (its router's error handler runs).

        An event no handler listens to, and that the dispatcher does not act on itself, can have no effect: it is
        not claimed, locked or saved (see :meth:`inert`).
        """
        if self.inert(event):
            self._unhandled(event)
            return Outcome.UNHANDLED
        key = session_key(event.call_connection_id) if event.call_connection_id else None
        try:  # one round trip when the call's lock is free; a lock not handed over abandons the claim (503)
            claim, held = await self.store.claim_and_lock(
                event.id,
                self.settings.event_lease_seconds,
                call_lock_name(event),
                lock_lease_seconds=self.settings.call_lock_lease_seconds,
                wait_seconds=self.settings.call_lock_wait_seconds,
                load=key,
                seed=seed,
            )
        except Exception as error:
            raise SinkUnavailable(f"state store unavailable: {type(error).__name__}") from error
        if claim.status is ClaimStatus.DONE:
            self._log.info("event_duplicate", event_id=event.id, event_type=event.type)
            return Outcome.DUPLICATE
        if claim.status is ClaimStatus.PROCESSING or held is None:
            self._log.info("event_in_progress", event_id=event.id, event_type=event.type)
            retry_after = max(1, math.ceil(claim.retry_after))
            raise EventInProgress("another delivery of this event is being processed", retry_after=retry_after)
        try:
            return await self._run(event, claim, held, flow)
        except BaseException as error:
            # Handler errors are contained in _invoke: only infrastructure (or cancellation) reaches here. Free the
            # claim so a redelivery runs the event again.
            await _quietly(self.store.abandon_event(claim))
            if isinstance(error, Exception) and not isinstance(error, SinkUnavailable):
                raise SinkUnavailable(f"state store unavailable: {type(error).__name__}") from error
            raise

    def inert(self, event: CallEvent) -> bool:
        """True when handling ``event`` can change nothing: no handler of any flow or common router listens to its
        type, and it is none of the events the dispatcher acts on itself (an IncomingCall, the CallDisconnected that
        ends a session, the end of the safety net's apology). Such an event costs no store operation.

        Example::

            dispatcher.inert(participants_updated)   # True when no flow handles ParticipantsUpdated
        """
        kind = type(event)
        if issubclass(kind, IncomingCall | CallDisconnected) or safety_net.apology_finished(event):
            return False
        return not any(router.listens_to(kind) for router in self._roots)

    def _unhandled(self, event: CallEvent) -> None:
        """Log that no handler took ``event``; the suggestion is built only when the line will be written."""
        level = logging.DEBUG if event.type in _QUIET_TYPES else logging.INFO
        if self._log.is_enabled_for(level):
            self._log.log(level, "event_unhandled", suggestion=suggest_handler(event))

    async def dispatch_detached(
        self, event: CallEvent, *, flow: str | None = None, extra: Mapping[str, Any] | None = None
    ) -> Outcome:
        """Run a long-lived handler (a media stream's) outside the call's lock.

        The event is claimed and its handler found like any other, over a snapshot of the call's session read
        from the store; the handler then runs without holding the call's lock, so the call's callbacks keep flowing
        while it reads its stream. Its changes to ``state`` are not saved, and shared state is not available.
        ``extra`` adds injectable values (``stream``).

        Example::

            await dispatcher.dispatch_detached(MediaStreamOpened(...), flow="voice_bot", extra={"stream": stream})
        """
        try:
            claim = await self.store.claim_event(event.id, self.settings.event_lease_seconds)
            if claim.status is not ClaimStatus.ACQUIRED:
                return Outcome.DUPLICATE
            stored = (
                (await self.store.read(session_key(event.call_connection_id))).value
                if event.call_connection_id
                else None
            )
            await self.store.finish_event(claim, self.settings.dedup_ttl_seconds)
        except Exception as error:
            raise SinkUnavailable(f"state store unavailable: {type(error).__name__}") from error
        return await self._route(event, self._session(event, stored, flow), extra=extra)

    async def server_call_of(self, call_connection_id: str) -> str | None:
        """The server call id kept in a call connection's session: media-socket events take the call's lock with
        it, as its callbacks do (ACS does not name the server call on those sockets)."""
        value = (await self.store.read(session_key(call_connection_id))).value or {}
        found = value.get("server_call_id")
        return found if isinstance(found, str) else None

    async def _run(self, event: CallEvent, claim: EventClaim, held: Held, url_flow: str | None) -> Outcome:
        shared: dict[str, Held] = {}
        try:
            stored = held.document.value if held.document.value is not None else held.seed
            session = self._session(event, stored, url_flow)
            # A handler longer than a third of its leases has them renewed while it runs (app.state.renewal).
            keeper = LeaseKeeper(
                self.store,
                claim,
                lambda: [held.lease, *(taken.lease for taken in shared.values())],
                claim_seconds=self.settings.event_lease_seconds,
                lease_seconds=self.settings.call_lock_lease_seconds,
            )
            session.ledger = self._ledger(event, claim, lost=lambda: keeper.lost)

            async def load_shared(name: str) -> dict[str, Any]:
                taken = shared[name] = await self._lock(shared_key(name), load=shared_key(name))
                return dict(taken.document.value or {})

            session._shared_loader = load_shared
            async with keeper:
                outcome = await self._route(event, session)
            leases = [held.lease, *(taken.lease for taken in shared.values())]
            try:
                writes = self._writes(event, held, session, shared)
                await self.store.commit(
                    writes, release=leases, finish=claim, dedup_ttl_seconds=self.settings.dedup_ttl_seconds
                )
            except NotJson as error:
                self._log.error("state_not_json", detail=str(error))
                writes = self._writes(event, held, _without_changes(session, held), {})
                await self.store.commit(
                    writes, release=leases, finish=claim, dedup_ttl_seconds=self.settings.dedup_ttl_seconds
                )
                return Outcome.FAILED
            return outcome
        except BaseException:
            for lease in [held.lease, *(taken.lease for taken in shared.values())]:
                await _quietly(self.store.release(lease))
            raise

    def _ledger(self, event: CallEvent, claim: EventClaim, *, lost: Callable[[], bool]) -> ActionLedger:
        """Repeatability ids and the action journal of this event (a first run has nothing to read)."""
        ttl = self.settings.dedup_ttl_seconds

        async def record(position: int, entry: Mapping[str, Any]) -> None:
            await self.store.journal_record(event.id, position, entry, ttl)

        async def load() -> Mapping[int, Mapping[str, Any]]:
            return await self.store.journal_read(event.id)

        return ActionLedger(
            event_id=event.id,
            first_claimed_at=claim.first_claimed_at,
            journal={} if claim.attempt == 1 else None,
            load=load,
            record=record,
            lost=lost,
        )

    async def _lock(self, name: str, *, load: str | None, seed: str | None = None) -> Held:
        return await self.store.lock(
            name,
            lease_seconds=self.settings.call_lock_lease_seconds,
            wait_seconds=self.settings.call_lock_wait_seconds,
            load=load,
            seed=seed,
        )

    def _session(self, event: CallEvent, stored: JsonObject | None, url_flow: str | None) -> CallSession:
        incoming = event if isinstance(event, IncomingCall) else None
        session = CallSession.from_document(
            stored,
            call_connection_id=event.call_connection_id,
            server_call_id=event.server_call_id,
            party=incoming.caller.raw_id if incoming else None,
            incoming_call_context=incoming.incoming_call_context if incoming else None,
        )
        if url_flow is not None and session.flow is None:
            session.flow = url_flow
        elif url_flow is not None and url_flow != session.flow:
            self._log.warning("flow_parameter_ignored", flow=url_flow, bound_flow=session.flow)
        return session

    def _writes(self, event: CallEvent, held: Held, session: CallSession, shared: Mapping[str, Held]) -> list[Write]:
        ttl = self.settings.state_ttl_seconds
        writes: list[Write] = []
        document = held.document
        if isinstance(event, CallDisconnected):
            if document.key:
                writes.append(Write(document.key, document.version, None, ttl, held.lease))
        elif isinstance(event, IncomingCall):
            if session.answered and session.call_connection_id:  # the answer created the call connection
                writes.append(Write(session_key(session.call_connection_id), 0, session.to_document(), ttl, held.lease))
        elif document.key:
            writes.append(Write(document.key, document.version, session.to_document(), ttl, held.lease))
        for name, taken in shared.items():
            value = session.shared_taken.get(name)
            writes.append(Write(taken.document.key, taken.document.version, value or None, ttl, taken.lease))
        return writes

    async def _route(
        self, event: CallEvent, session: CallSession, *, extra: Mapping[str, Any] | None = None
    ) -> Outcome:
        call = self.actions(session)
        bound_flow = session.flow
        with BoundValues(
            {
                "call_connection_id": event.call_connection_id,
                "server_call_id": event.server_call_id,
                "correlation_id": event.correlation_id,
                "event_type": event.type,
                "operation_context": event.operation_context,
                "flow": bound_flow,
            }
        ):
            args: dict[str, Any] = {
                "event": event,
                "call": call,
                "session": session,
                "settings": self.settings,
                "log": self._flow_log,
                "state": session.state,
                "raw": event.raw,
                "extras": self.extras,
                **(extra or {}),
            }
            if safety_net.apology_finished(event):
                await safety_net.hang_up(call)  # the safety net's apology ended: end the call
                return Outcome.HANDLED
            try:
                found = await self._find(event, args, bound_flow)
            except Exception as error:  # a flow's when= predicate raised: flow code, not infrastructure
                self._log.error("predicate_failed", error=repr(error), exc_info=True)
                return Outcome.FAILED
            if found is None:
                self._unhandled(event)
                return Outcome.UNHANDLED
            owner, match = found
            if session.flow is None and owner is not None:
                session.flow = owner
            return await self._invoke(match, {**args, "ctx": match.ctx, "router": match.router})

    async def _find(
        self, event: CallEvent, args: Mapping[str, Any], bound_flow: str | None
    ) -> tuple[str | None, Match] | None:
        if bound_flow is not None and bound_flow not in self.flows:
            self._log.warning("flow_unknown", flow=bound_flow)
            bound_flow = None
        flows = [self.flows[bound_flow]] if bound_flow else list(self.flows.values())
        for router in flows:
            match = await router.find(event, args)
            if match is not None:
                return router.name, match
        for router in self.common:
            match = await router.find(event, args)
            if match is not None:
                return None, match
        return None

    async def _invoke(self, match: Match, args: Mapping[str, Any]) -> Outcome:
        handler_name = getattr(match.handler, "name", repr(match.handler))
        try:
            await match.handler.invoke(args)
        except StateError:
            raise  # the store failed under the handler (shared state): infrastructure, retried as a whole
        except Exception as error:
            if isinstance(error, CallActionError) and (error.is_retryable or error.in_flight):
                # ACS failed transiently (5xx, 429, timeout): ours to retry. The sender delivers the event again and
                # the re-run repeats the same repeatability ids, so what ACS did execute is not done twice.
                self._log.warning("action_retryable", handler=handler_name, action=error.action, status=error.status)
                raise AcsUnavailable(f"ACS {error.action} failed transiently", retry_after=2) from error
            self._log.warning("handler_failed", handler=handler_name, error=repr(error), exc_info=True)
            try:
                handled = await match.router.handle_error(error, {**args, "error": error})
            except Exception:
                self._log.exception("error_handler_failed", handler=handler_name)
                handled = False
            if not handled:
                self._log.error("handler_error_unhandled", handler=handler_name, error=repr(error))
                call = args.get("call")
                if match.router.safety_net and isinstance(call, CallActions):
                    await safety_net.apologise(call)
            return Outcome.FAILED
        self._log.debug("event_handled", handler=handler_name)
        return Outcome.HANDLED


def _without_changes(session: CallSession, held: Held) -> CallSession:
    """The session with the flow's state as it was before the handler (the binding and language are kept)."""
    before = CallSession.from_document(held.document.value if held.document.value is not None else held.seed)
    session.state = before.state
    return session


async def _quietly(operation: Any) -> None:
    try:
        await operation
    except Exception:
        structlog.get_logger("callwright.dispatch").warning("store_cleanup_failed")
