"""The dispatcher: exactly-once, per-call order, flow binding, error containment, state lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest
from structlog.testing import capture_logs

from app import CallActions, OperationContext, Router
from app.dispatch import Dispatcher, Outcome, session_key
from app.errors import EventInProgress, SinkUnavailable
from app.events import CallEvent, parse_events
from app.safety_net import SAFETY_CONTEXT
from app.session import CallSession
from app.state.base import Held, JsonObject, Write
from app.state.memory import MemoryStateStore
from app.testing.fakes import Answer, FakeAcs, HangUp
from config.settings import Settings

T = TypeVar("T")
CALL = "11111111-2222-3333-4444-555555555555"
RINGING = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30."
SERVER = "server-call-1"


class Step(OperationContext, prefix="test-dispatch-step"):
    n: int = 1


@pytest.fixture
def settings() -> Settings:
    return Settings()


class Recorder:
    """The dispatcher's actions: the real ``CallActions`` over a fake ACS transport (``FakeAcs``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.acs = FakeAcs(settings)
        self.acs.answer_ids[RINGING] = CALL

    def __call__(self, session: CallSession) -> CallActions:
        return self.acs.factory(session)

    def dispatcher(self, flows: list[Router], store: Any = None, common: list[Router] | None = None) -> Dispatcher:
        return Dispatcher(
            self.settings, flows=flows, common=common or [], store=store or MemoryStateStore(), actions=self
        )


@pytest.fixture
async def recorder(settings: Settings) -> AsyncIterator[Recorder]:
    recorder = Recorder(settings)
    yield recorder
    await recorder.acs.client.close()


def incoming(event_id: str = "ev-in-1", to: str = "+18005550100", caller: str = "+15551230001") -> CallEvent:
    [event] = parse_events(
        [
            {
                "id": event_id,
                "topic": "/subscriptions/x/resourceGroups/g/providers/Microsoft.Communication/communicationServices/r",
                "subject": f"/caller/4:{caller}/recipient/4:{to}",
                "eventType": "Microsoft.Communication.IncomingCall",
                "eventTime": "2026-11-24T10:00:00Z",
                "dataVersion": "1.0",
                "metadataVersion": "1",
                "data": {
                    "to": {"kind": "phoneNumber", "rawId": f"4:{to}", "phoneNumber": {"value": to}},
                    "from": {"kind": "phoneNumber", "rawId": f"4:{caller}", "phoneNumber": {"value": caller}},
                    "serverCallId": SERVER,
                    "callerDisplayName": "",
                    "incomingCallContext": RINGING,
                    "correlationId": "corr-1",
                },
            }
        ]
    )
    return event


async def put_session(store: MemoryStateStore, connection: str, document: JsonObject) -> None:
    held = await store.lock("setup", lease_seconds=5, wait_seconds=5)
    await store.commit([Write(session_key(connection), 0, document, 60, held.lease)], release=[held.lease])


async def stored(store: MemoryStateStore, connection: str) -> JsonObject:
    document = (await store.read(session_key(connection))).value
    assert document is not None, f"no session stored for {connection}"
    return document


def callback(kind: str, event_id: str, context: str | None = None, connection: str = CALL, **data: Any) -> CallEvent:
    payload: dict[str, Any] = {
        "callConnectionId": connection,
        "serverCallId": SERVER,
        "correlationId": "corr-1",
        **data,
    }
    if context is not None:
        payload["operationContext"] = context
    [event] = parse_events(
        [
            {
                "id": event_id,
                "source": f"calling/callConnections/{connection}",
                "type": f"Microsoft.Communication.{kind}",
                "specversion": "1.0",
                "time": "2026-11-24T10:00:01.0000000+00:00",
                "data": payload,
            }
        ]
    )
    return event


async def test_answering_binds_the_call_to_the_flow_and_remembers_the_caller(recorder: Recorder) -> None:
    store = MemoryStateStore()
    first, second = Router(name="first"), Router(name="second")
    seen: list[str] = []

    @first.incoming_call(to="+18005550199")
    async def not_mine(call: CallActions) -> None:
        seen.append("first")

    @second.incoming_call(to="+18005550100")
    async def mine(call: CallActions) -> None:
        await call.answer(context=Step())

    @first.call_connected()
    async def wrong_flow() -> None:
        seen.append("first-connected")

    @second.call_connected(context=Step)
    async def connected(ctx: Step, call: CallActions) -> None:
        seen.append(f"second-connected-{ctx.n}-{call.party}")

    dispatcher = recorder.dispatcher([first, second], store)
    assert await dispatcher.dispatch(incoming()) is Outcome.HANDLED
    assert recorder.acs.actions == [Answer(Step().pack(), flow="second")]
    saved = await stored(store, CALL)
    assert saved["flow"] == "second" and saved["party"] == "4:+15551230001" and saved["answered"] is True
    assert saved["state"] == {}  # the framework's own fields are the session's, not keys in the flow's state
    # No ?flow= on this delivery: the binding in state routes it past the first flow's catch-all.
    assert await dispatcher.dispatch(callback("CallConnected", "ev-2", "test-dispatch-step:1")) is Outcome.HANDLED
    assert seen == ["second-connected-1-4:+15551230001"]


async def test_the_flow_parameter_of_the_callback_url_wins(recorder: Recorder) -> None:
    first, second = Router(name="first"), Router(name="second")
    seen: list[str] = []

    @first.call_connected()
    async def one() -> None:
        seen.append("first")

    @second.call_connected()
    async def two(call: CallActions) -> None:
        seen.append(f"second:{call.flow}")

    dispatcher = recorder.dispatcher([first, second])
    await dispatcher.dispatch(callback("CallConnected", "ev-1"), flow="second")
    assert seen == ["second:second"]


async def test_a_duplicate_delivery_never_runs_the_handler_twice(recorder: Recorder) -> None:
    router = Router(name="flow")
    runs: list[str] = []

    @router.play_completed()
    async def played(event: CallEvent) -> None:
        await asyncio.sleep(0.01)
        runs.append(event.id)

    dispatcher = recorder.dispatcher([router])
    event = callback("PlayCompleted", "ev-dup")
    outcomes = await asyncio.gather(*(dispatcher.dispatch(event) for _ in range(5)), return_exceptions=True)
    # While the first delivery runs, the others are told to come back (503 + Retry-After), not silently dropped.
    assert outcomes[0] is Outcome.HANDLED
    assert all(isinstance(outcome, EventInProgress) and outcome.retry_after >= 1 for outcome in outcomes[1:])
    assert await dispatcher.dispatch(event) is Outcome.DUPLICATE  # once done, a redelivery is a duplicate
    assert runs == ["ev-dup"]


async def test_events_of_one_call_run_one_at_a_time_in_arrival_order(recorder: Recorder) -> None:
    router = Router(name="flow")
    active = 0
    order: list[str] = []

    @router.play_completed()
    async def played(event: CallEvent) -> None:
        nonlocal active
        active += 1
        assert active == 1, "two events of one call ran at once"
        await asyncio.sleep(0.005)
        order.append(event.id)
        active -= 1

    dispatcher = recorder.dispatcher([router])
    ids = [f"ev-{i}" for i in range(10)]
    await asyncio.gather(*(dispatcher.dispatch(callback("PlayCompleted", i)) for i in ids))
    assert order == ids


async def test_a_failing_handler_goes_to_the_router_error_handler(recorder: Recorder) -> None:
    router = Router(name="flow")
    caught: list[str] = []

    @router.play_failed()
    async def boom() -> None:
        raise RuntimeError("flow bug")

    @router.error(RuntimeError)
    async def on_error(error: Exception, call: CallActions) -> None:
        caught.append(str(error))
        await call.hang_up()

    dispatcher = recorder.dispatcher([router])
    assert await dispatcher.dispatch(callback("PlayFailed", "ev-1")) is Outcome.FAILED
    assert caught == ["flow bug"]
    assert recorder.acs.actions == [HangUp(for_everyone=True)]


async def test_a_raising_predicate_is_contained_not_reported_as_infrastructure(recorder: Recorder) -> None:
    router = Router(name="flow")

    def broken(event: CallEvent) -> bool:
        raise KeyError("oops")

    @router.play_completed(when=broken)
    async def never() -> None:
        raise AssertionError("must not run")

    dispatcher = recorder.dispatcher([router])
    with capture_logs() as logs:
        assert await dispatcher.dispatch(callback("PlayCompleted", "ev-1")) is Outcome.FAILED
    assert any(line["event"] == "predicate_failed" for line in logs)


async def test_an_unhandled_event_logs_a_ready_to_paste_decorator(recorder: Recorder) -> None:
    dispatcher = recorder.dispatcher([Router(name="empty")])
    with capture_logs() as logs:
        outcome = await dispatcher.dispatch(callback("RecognizeCompleted", "ev-1", "test-dispatch-step:2"))
    assert outcome is Outcome.UNHANDLED
    [line] = [line for line in logs if line["event"] == "event_unhandled"]
    assert "@router.recognize_completed" in line["suggestion"]


async def test_state_persists_between_events_and_is_deleted_when_the_call_ends(recorder: Recorder) -> None:
    store = MemoryStateStore()
    router = Router(name="flow")

    @router.play_completed()
    async def count(state: dict[str, Any], call: CallActions) -> None:
        state["plays"] = state.get("plays", 0) + 1
        call.set_language("es-ES", "es-ES-ElviraNeural")

    @router.call_disconnected()
    async def ended(state: dict[str, Any]) -> None:
        assert state["plays"] == 2

    dispatcher = recorder.dispatcher([router], store)
    await dispatcher.dispatch(callback("PlayCompleted", "ev-1"))
    await dispatcher.dispatch(callback("PlayCompleted", "ev-2"))
    saved = await stored(store, CALL)
    assert saved["state"] == {"plays": 2} and saved["locale"] == "es-ES"
    assert await dispatcher.dispatch(callback("CallDisconnected", "ev-3")) is Outcome.HANDLED
    assert (await store.read(session_key(CALL))).value is None


async def test_language_chosen_earlier_becomes_the_default_voice(recorder: Recorder) -> None:
    store = MemoryStateStore()
    await put_session(store, CALL, {"flow": "flow", "locale": "es-ES", "voice": "es-ES-ElviraNeural", "state": {}})
    router = Router(name="flow")

    @router.play_completed()
    async def speak(call: CallActions) -> None:
        assert (call.locale, call.voice) == ("es-ES", "es-ES-ElviraNeural")
        await call.play("Hola")

    dispatcher = recorder.dispatcher([router], store)
    assert await dispatcher.dispatch(callback("PlayCompleted", "ev-1")) is Outcome.HANDLED


class BrokenStore(MemoryStateStore):
    released: list[str]

    async def lock(self, name: str, **options: Any) -> Held:
        raise ConnectionError("state store down")

    async def abandon_event(self, claim: Any) -> None:
        self.released.append(claim.event_id)
        await super().abandon_event(claim)


async def test_an_unreachable_store_releases_the_claim_and_reports_unavailable(recorder: Recorder) -> None:
    store = BrokenStore()
    store.released = []
    flow = Router(name="flow")

    @flow.play_completed()
    async def on_play() -> None: ...

    dispatcher = recorder.dispatcher([flow], store)
    with pytest.raises(SinkUnavailable):
        await dispatcher.dispatch(callback("PlayCompleted", "ev-1"))
    assert store.released == ["ev-1"]  # a redelivery will be processed


class CountingStore(MemoryStateStore):
    """Counts the store operations an event's dispatch makes."""

    def __init__(self) -> None:
        super().__init__()
        self.operations: list[str] = []

    async def claim_event(self, event_id: str, lease_seconds: float) -> Any:
        self.operations.append("claim")
        return await super().claim_event(event_id, lease_seconds)


async def test_an_event_no_flow_listens_to_costs_no_store_operation(recorder: Recorder) -> None:
    flow = Router(name="flow")

    @flow.play_completed()
    async def on_play() -> None: ...

    store = CountingStore()
    dispatcher = recorder.dispatcher([flow], store)
    assert dispatcher.inert(callback("ParticipantsUpdated", "ev-1"))
    assert await dispatcher.dispatch(callback("ParticipantsUpdated", "ev-1")) is Outcome.UNHANDLED
    assert store.operations == []
    assert await dispatcher.dispatch(callback("PlayCompleted", "ev-2")) is Outcome.HANDLED
    assert store.operations == ["claim"]


async def test_routers_and_handlers_added_later_are_seen(recorder: Recorder) -> None:
    flow, kit, later = Router(name="flow"), Router(name="kit"), Router(name="later")

    @kit.play_completed()
    async def on_play() -> None: ...

    dispatcher = recorder.dispatcher([flow], CountingStore())
    assert dispatcher.inert(callback("PlayCompleted", "ev-1"))
    flow.include(kit)  # a router included after the dispatcher was built
    assert not dispatcher.inert(callback("PlayCompleted", "ev-1"))
    assert await dispatcher.dispatch(callback("PlayCompleted", "ev-1")) is Outcome.HANDLED
    kit.include(later)
    assert dispatcher.inert(callback("RecognizeCompleted", "ev-2"))

    @later.recognize_completed()
    async def on_recognized() -> None: ...  # a handler registered deep in the tree, after the check

    assert not dispatcher.inert(callback("RecognizeCompleted", "ev-2"))


async def test_events_the_dispatcher_acts_on_itself_are_never_inert(recorder: Recorder) -> None:
    dispatcher = recorder.dispatcher([Router(name="flow")], CountingStore())
    assert not dispatcher.inert(callback("CallDisconnected", "ev-1"))  # it ends the session
    apology_done = callback("PlayCompleted", "ev-2", context=SAFETY_CONTEXT)
    assert not dispatcher.inert(apology_done)  # the safety net hangs up


async def test_common_routers_see_events_the_flow_leaves(recorder: Recorder) -> None:
    flow, common = Router(name="flow"), Router(name="common")
    seen: list[str] = []

    @flow.play_completed()
    async def flow_play() -> None:
        seen.append("flow")

    @common.play_completed()
    async def common_play() -> None:
        seen.append("common-play")

    @common.call_disconnected()
    async def common_end() -> None:
        seen.append("common-end")

    dispatcher = recorder.dispatcher([flow], common=[common])
    await dispatcher.dispatch(callback("PlayCompleted", "ev-1"), flow="flow")
    await dispatcher.dispatch(callback("CallDisconnected", "ev-2"), flow="flow")
    assert seen == ["flow", "common-end"]


def test_flow_names_must_be_unique(settings: Settings) -> None:
    with pytest.raises(ValueError, match="repeated: twin"):
        Dispatcher(
            settings,
            flows=[Router(name="twin"), Router(name="twin")],
            common=[],
            store=MemoryStateStore(),
            actions=lambda session: None,  # type: ignore[arg-type,return-value]
        )


async def test_two_app_connections_to_one_call_keep_their_own_state(recorder: Recorder) -> None:
    store = MemoryStateStore()
    router = Router(name="flow")
    other = "99999999-2222-3333-4444-555555555555"

    @router.play_completed()
    async def remember(event: CallEvent, state: dict[str, Any]) -> None:
        state["me"] = event.call_connection_id

    @router.call_disconnected()
    async def ended() -> None:
        return None

    dispatcher = recorder.dispatcher([router], store)
    await dispatcher.dispatch(callback("PlayCompleted", "ev-1"))
    await dispatcher.dispatch(callback("PlayCompleted", "ev-2", connection=other))
    await dispatcher.dispatch(callback("CallDisconnected", "ev-3", connection=other))
    assert (await stored(store, CALL))["state"]["me"] == CALL  # the other connection ending left this one alone
    assert (await store.read(session_key(other))).value is None


async def test_a_seeded_call_starts_with_its_initial_state_once(recorder: Recorder) -> None:
    store = MemoryStateStore()
    await store.put_seed("seed-token-123", {"flow": "flow", "state": {"appointment": "Tuesday"}}, 60)
    router = Router(name="flow")
    seen: list[Any] = []

    @router.call_connected()
    async def connected(state: dict[str, Any], call: CallActions) -> None:
        seen.append((state.get("appointment"), call.flow))

    dispatcher = recorder.dispatcher([router, Router(name="other")], store)
    await dispatcher.dispatch(callback("CallConnected", "ev-1"), flow="flow", seed="seed-token-123")
    assert seen == [("Tuesday", "flow")]
    await dispatcher.dispatch(callback("CallConnected", "ev-2", connection="c2"), flow="flow", seed="seed-token-123")
    assert seen == [("Tuesday", "flow"), (None, "flow")]  # taken once
    assert (await stored(store, CALL))["state"]["appointment"] == "Tuesday"


async def test_a_stored_binding_wins_over_a_disagreeing_flow_parameter(recorder: Recorder) -> None:
    store = MemoryStateStore()
    await put_session(store, CALL, {"flow": "first", "state": {}})
    first, second = Router(name="first"), Router(name="second")
    seen: list[str] = []

    @first.play_completed()
    async def one(call: CallActions) -> None:
        seen.append(f"first:{call.flow}")

    @second.play_completed()
    async def two() -> None:
        seen.append("second")

    dispatcher = recorder.dispatcher([first, second], store)
    with capture_logs() as logs:
        await dispatcher.dispatch(callback("PlayCompleted", "ev-1"), flow="second")
    assert seen == ["first:first"]
    assert any(line["event"] == "flow_parameter_ignored" for line in logs)


async def test_handlers_can_ask_for_the_session(recorder: Recorder) -> None:
    store = MemoryStateStore()
    router = Router(name="flow")

    @router.play_completed()
    async def note(session: CallSession, state: dict[str, Any]) -> None:
        assert session.state is state and session.call_connection_id == CALL and session.flow == "flow"
        state["seen"] = True

    dispatcher = recorder.dispatcher([router], store)
    assert await dispatcher.dispatch(callback("PlayCompleted", "ev-1"), flow="flow") is Outcome.HANDLED
    assert (await stored(store, CALL))["state"] == {"seen": True}


async def test_shared_state_is_seen_by_every_call_naming_the_key_and_loses_no_update(recorder: Recorder) -> None:
    store = MemoryStateStore()
    router = Router(name="flow")

    @router.play_completed()
    async def join(session: CallSession, event: CallEvent) -> None:
        room = await session.shared("room:1")
        await asyncio.sleep(0.001)  # other calls run meanwhile, and wait for the room
        room.setdefault("guests", []).append(event.call_connection_id)
        assert await session.shared("room:1") is room

    dispatcher = recorder.dispatcher([router], store)
    calls = [f"call-{index}" for index in range(10)]
    events = [callback("PlayCompleted", f"ev-{c}", connection=c, serverCallId=f"srv-{c}") for c in calls]
    assert set(await asyncio.gather(*(dispatcher.dispatch(event) for event in events))) == {Outcome.HANDLED}
    room = (await store.read("shared:room:1")).value
    assert room is not None and sorted(room["guests"]) == sorted(calls)


async def test_emptied_shared_state_is_deleted(recorder: Recorder) -> None:
    store = MemoryStateStore()
    router = Router(name="flow")

    @router.play_completed()
    async def fill(session: CallSession) -> None:
        (await session.shared("queue"))["waiting"] = 1

    @router.play_failed()
    async def empty(session: CallSession) -> None:
        (await session.shared("queue")).clear()

    dispatcher = recorder.dispatcher([router], store)
    await dispatcher.dispatch(callback("PlayCompleted", "ev-1"))
    assert (await store.read("shared:queue")).value == {"waiting": 1}
    await dispatcher.dispatch(callback("PlayFailed", "ev-2"))
    assert (await store.read("shared:queue")).value is None


async def test_state_that_is_not_json_fails_the_event_and_keeps_the_last_good_state(recorder: Recorder) -> None:
    store = MemoryStateStore()
    router = Router(name="flow")

    @router.play_completed()
    async def good(state: dict[str, Any], call: CallActions) -> None:
        state["n"] = 1

    @router.play_failed()
    async def bad(state: dict[str, Any], call: CallActions) -> None:
        state["n"] = float("nan")
        call.set_language("es-ES")

    dispatcher = recorder.dispatcher([router], store)
    await dispatcher.dispatch(callback("PlayCompleted", "ev-1"))
    with capture_logs() as logs:
        assert await dispatcher.dispatch(callback("PlayFailed", "ev-2")) is Outcome.FAILED
    assert any(line["event"] == "state_not_json" for line in logs)
    saved = await stored(store, CALL)
    assert saved["state"] == {"n": 1} and saved["locale"] == "es-ES"  # the language change is kept
    assert await dispatcher.dispatch(callback("PlayFailed", "ev-2")) is Outcome.DUPLICATE


async def test_a_write_refused_as_stale_frees_the_event_for_a_redelivery(recorder: Recorder) -> None:
    store = MemoryStateStore()
    router = Router(name="flow")
    runs: list[str] = []

    @router.play_completed()
    async def slow(state: dict[str, Any]) -> None:
        runs.append("run")
        if len(runs) == 1:
            await put_session(store, CALL, {"state": {"by": "someone else"}})  # the document moves meanwhile

    dispatcher = recorder.dispatcher([router], store)
    with pytest.raises(SinkUnavailable):
        await dispatcher.dispatch(callback("PlayCompleted", "ev-1"))
    assert await dispatcher.dispatch(callback("PlayCompleted", "ev-1")) is Outcome.HANDLED  # run again
    assert runs == ["run", "run"]
