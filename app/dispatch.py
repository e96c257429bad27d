"""The dispatcher: de-duplicate, serialize per call, pick the flow, route, run the handler, keep state.

It is the one path every event takes, over HTTP or through ``await app.dispatch(event)`` in a unit test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Protocol

import structlog

from app.actions.call import CallActions
from app.events import CallDisconnected, CallEvent, IncomingCall
from app.routing import Match, Router, suggest_handler
from app.state.base import FLOW_KEY, LOCALE_KEY, PARTY_KEY, VOICE_KEY, StateStore, seed_key
from app.web.sink import SinkUnavailable
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


class Outcome(StrEnum):
    HANDLED = "handled"
    UNHANDLED = "unhandled"
    FAILED = "failed"
    DUPLICATE = "duplicate"


class ActionsFactory(Protocol):
    """Builds the ``call`` a handler receives; tests pass a factory of fakes."""

    def __call__(
        self,
        *,
        call_connection_id: str | None,
        server_call_id: str | None,
        incoming_call_context: str | None,
        party: str | None,
        flow: str | None,
    ) -> CallActions: ...


class Dispatcher:
    """Routes each event to the first matching handler of its call's flow.

    Order: the flow the call is bound to (from the ``flow`` parameter of its callback URL, else from state), then
    the common routers. An unbound event (an IncomingCall) tries every flow in the order given, then the common
    routers. The flow whose handler answers or places a call owns that call from then on.

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
        self.settings = settings
        self.flows = {router.name: router for router in flows}
        self.common = list(common)
        self.store = store
        self.actions = actions
        self.extras: Mapping[str, Any] = dict(extras or {})
        self._log = structlog.get_logger("callwright.dispatch")

    async def dispatch(self, event: CallEvent, *, flow: str | None = None, seed: str | None = None) -> Outcome:
        """Handle one event exactly once. Raises ``SinkUnavailable`` when shared state cannot be reached.

        Events of one call (one server call id) run one at a time. State belongs to a call connection, so two app
        connections to the same call keep their own; an IncomingCall's state moves to the connection its answer
        creates, and a call placed with a ``seed`` starts with the state stored under it.
        """
        try:
            claimed = await self.store.claim_event(event.id, self.settings.dedup_ttl_seconds)
        except Exception as error:
            raise SinkUnavailable(f"state store unavailable: {type(error).__name__}") from error
        if not claimed:
            self._log.info("event_duplicate", event_id=event.id, event_type=event.type)
            return Outcome.DUPLICATE
        lock_key = event.server_call_id or event.call_connection_id or event.id
        state_key = event.call_connection_id or lock_key
        try:
            async with self.store.call_lock(lock_key):
                state = await self.store.load(state_key)
                if not state and seed:
                    state = await self.store.load(seed_key(seed))
                    await self.store.delete(seed_key(seed))
                outcome, call = await self._route(event, state, flow or state.get(FLOW_KEY))
                if isinstance(event, CallDisconnected):
                    await self.store.delete(state_key)
                elif not isinstance(event, IncomingCall):
                    await self.store.save(state_key, state, self.settings.state_ttl_seconds)
                elif call.answered and call.call_connection_id:
                    await self.store.save(call.call_connection_id, state, self.settings.state_ttl_seconds)
        except SinkUnavailable:
            raise
        except Exception as error:
            # Only infrastructure reaches here (handler errors are contained in _route): let a redelivery retry.
            await _quietly(self.store.release_event(event.id))
            raise SinkUnavailable(f"state store unavailable: {type(error).__name__}") from error
        return outcome

    async def _route(
        self, event: CallEvent, state: dict[str, Any], bound_flow: str | None
    ) -> tuple[Outcome, CallActions]:
        incoming = event if isinstance(event, IncomingCall) else None
        call = self.actions(
            call_connection_id=event.call_connection_id,
            server_call_id=event.server_call_id,
            incoming_call_context=incoming.incoming_call_context if incoming else None,
            party=incoming.caller.raw_id if incoming else state.get(PARTY_KEY),
            flow=bound_flow,
        )
        call.locale, call.voice = state.get(LOCALE_KEY), state.get(VOICE_KEY)
        with structlog.contextvars.bound_contextvars(
            call_connection_id=event.call_connection_id,
            server_call_id=event.server_call_id,
            correlation_id=event.correlation_id,
            event_type=event.type,
            operation_context=event.operation_context,
            flow=bound_flow,
        ):
            args: dict[str, Any] = {
                "event": event,
                "call": call,
                "settings": self.settings,
                "log": structlog.get_logger("callwright.flow"),
                "state": state,
                "raw": event.raw,
                "extras": self.extras,
            }
            try:
                found = await self._find(event, args, bound_flow)
            except Exception as error:  # a flow's when= predicate raised: flow code, not infrastructure
                self._log.error("predicate_failed", error=repr(error), exc_info=True)
                return Outcome.FAILED, call
            if found is None:
                level = "debug" if event.type in _QUIET_TYPES else "info"
                getattr(self._log, level)("event_unhandled", suggestion=suggest_handler(event))
                return Outcome.UNHANDLED, call
            owner, match = found
            if call.flow is None and owner is not None:
                call.flow = owner
            outcome = await self._invoke(match, {**args, "ctx": match.ctx, "router": match.router})
            if call.call_connection_id and call.flow and (call.answered or incoming is None):
                state[FLOW_KEY] = call.flow
            if incoming is not None and call.answered:
                state[PARTY_KEY] = incoming.caller.raw_id
            if call.locale:
                state[LOCALE_KEY], state[VOICE_KEY] = call.locale, call.voice
            return outcome, call

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
        except Exception as error:
            self._log.warning("handler_failed", handler=handler_name, error=repr(error), exc_info=True)
            try:
                handled = await match.router.handle_error(error, {**args, "error": error})
            except Exception:
                self._log.exception("error_handler_failed", handler=handler_name)
                handled = False
            if not handled:
                self._log.error("handler_error_unhandled", handler=handler_name, error=repr(error))
            return Outcome.FAILED
        self._log.debug("event_handled", handler=handler_name)
        return Outcome.HANDLED


async def _quietly(operation: Any) -> None:
    try:
        await operation
    except Exception:
        structlog.get_logger("callwright.dispatch").warning("release_failed")
