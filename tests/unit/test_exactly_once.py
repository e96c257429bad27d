"""Exactly-once effects at ACS: repeatability ids, the action journal, retryable ACS failures, the safety net.

The SDK layer is replaced below ``CallActions`` (its ``_run``): the requests are built by the real SDK methods,
with the headers the framework passes, and then answered (or failed) here instead of being sent.
"""

from __future__ import annotations

import email.utils
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Coroutine
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest

from app import CallActions, Router
from app.actions import build_client
from app.actions.errors import CallActionError
from app.dispatch import Dispatcher, Outcome
from app.errors import AcsUnavailable
from app.events import CallEvent, parse_events
from app.safety_net import APOLOGY, SAFETY_CONTEXT
from app.session import CallSession
from app.session.ledger import ActionLedger
from app.state.memory import MemoryStateStore
from config.settings import Settings

T = TypeVar("T")
CALL = "11111111-2222-3333-4444-666666666666"
SERVER = "server-call-exactly-once"


def incoming(event_id: str = "ev-in-1") -> CallEvent:
    """An Event Grid IncomingCall from a PSTN caller."""
    caller, to = "+15551230001", "+18005550100"
    data = {
        "to": {"kind": "phoneNumber", "rawId": f"4:{to}", "phoneNumber": {"value": to}},
        "from": {"kind": "phoneNumber", "rawId": f"4:{caller}", "phoneNumber": {"value": caller}},
        "serverCallId": SERVER,
        "incomingCallContext": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.",
        "correlationId": "corr-1",
    }
    envelope = {"id": event_id, "eventType": "Microsoft.Communication.IncomingCall", "subject": "s", "data": data}
    [event] = parse_events([envelope | {"eventTime": "2026-11-24T10:00:00Z", "dataVersion": "1.0", "topic": "t"}])
    return event


def callback(kind: str, event_id: str, context: str | None = None) -> CallEvent:
    """An ACS mid-call CloudEvent for this test's call connection."""
    data = {"callConnectionId": CALL, "serverCallId": SERVER, "correlationId": "corr-1"}
    if context is not None:
        data["operationContext"] = context
    [event] = parse_events(
        [
            {
                "id": event_id,
                "source": f"calling/callConnections/{CALL}",
                "type": f"Microsoft.Communication.{kind}",
                "specversion": "1.0",
                "time": "2026-11-24T10:00:01.0000000+00:00",
                "data": data,
            }
        ]
    )
    return event


class ScriptedAcs:
    """Answers every request the handlers issue; ``failures`` maps an action to the errors its next tries raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str] | None]] = []
        self.failures: dict[str, list[CallActionError]] = {}


class ScriptedActions(CallActions):
    acs: ScriptedAcs

    async def _run(self, action: str, operation: Awaitable[T], **fields: Any) -> T:
        headers = None
        if isinstance(operation, Coroutine):
            headers = inspect.getcoroutinelocals(operation).get("kwargs", {}).get("headers")
            operation.close()
        self.acs.sent.append((action, dict(headers) if headers else None))
        pending = self.acs.failures.get(action)
        if pending:
            raise pending.pop(0)
        if action == "answer":
            return SimpleNamespace(call_connection_id=CALL, server_call_id=SERVER)  # type: ignore[return-value]
        return None  # type: ignore[return-value]


@pytest.fixture
async def acs() -> AsyncIterator[tuple[ScriptedAcs, Any]]:
    settings = Settings()
    client = build_client(settings)
    scripted = ScriptedAcs()

    def actions(session: CallSession) -> CallActions:
        built = ScriptedActions(client, settings, session)
        built.acs = scripted
        return built

    yield scripted, actions
    await client.close()


def dispatcher(actions: Any, router: Router, store: MemoryStateStore | None = None) -> Dispatcher:
    return Dispatcher(Settings(), flows=[router], common=[], store=store or MemoryStateStore(), actions=actions)


def transient(action: str, status: int | None = 503) -> CallActionError:
    return CallActionError(action, status, None, "injected")


async def test_a_re_run_repeats_the_repeatability_ids_and_skips_journaled_actions(acs: tuple[ScriptedAcs, Any]) -> None:
    scripted, actions = acs
    router = Router(name="flow")

    @router.recognize_completed()
    async def hand_over(call: CallActions) -> None:
        await call.play("One moment.")  # journaled
        await call.transfer("+15555550199")  # repeatable

    scripted.failures["transfer"] = [transient("transfer", None)]  # no answer in time: did ACS run it?
    run = dispatcher(actions, router)
    with pytest.raises(AcsUnavailable):
        await run.dispatch(callback("RecognizeCompleted", "ev-1"))
    assert await run.dispatch(callback("RecognizeCompleted", "ev-1")) is Outcome.HANDLED

    assert [action for action, _ in scripted.sent] == ["play", "transfer", "transfer"]  # play once only
    first, second = (headers for action, headers in scripted.sent if action == "transfer")
    assert first is not None and first == second
    assert uuid.UUID(first["Repeatability-Request-ID"]).version == 5
    assert email.utils.parsedate_to_datetime(first["Repeatability-First-Sent"]).tzinfo is not None


def test_ids_are_per_event_and_position_and_the_same_on_every_instance() -> None:
    one = ActionLedger(event_id="ev-1", first_claimed_at=1_790_000_000.0, journal={})
    again = ActionLedger(event_id="ev-1", first_claimed_at=1_790_000_000.0, journal={})
    other = ActionLedger(event_id="ev-2", first_claimed_at=1_790_000_000.0, journal={})
    ids = [one.repeatable()["Repeatability-Request-ID"] for _ in range(2)]
    assert ids == [again.repeatable()["Repeatability-Request-ID"] for _ in range(2)]
    assert len(set(ids)) == 2 and other.repeatable()["Repeatability-Request-ID"] not in ids
    # The first claim time as an IMF-fixdate (RFC 9110), the format ACS requires.
    expected = datetime.fromtimestamp(1_790_000_000, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert one.repeatable()["Repeatability-First-Sent"] == expected


async def test_a_retryable_answer_failure_is_503_for_event_grid_and_the_retry_uses_the_same_id(
    acs: tuple[ScriptedAcs, Any],
) -> None:
    scripted, actions = acs
    router = Router(name="flow")

    @router.incoming_call()
    async def pick_up(call: CallActions) -> None:
        await call.answer()

    scripted.failures["answer"] = [transient("answer", 429)]
    run = dispatcher(actions, router)
    with pytest.raises(AcsUnavailable) as refused:
        await run.dispatch(incoming())
    assert refused.value.retry_after > 0
    assert await run.dispatch(incoming()) is Outcome.HANDLED
    ids = [headers["Repeatability-Request-ID"] for action, headers in scripted.sent if headers]
    assert len(ids) == 2 and ids[0] == ids[1]


async def test_a_4xx_goes_to_the_error_handler_not_to_a_retry(acs: tuple[ScriptedAcs, Any]) -> None:
    scripted, actions = acs
    router = Router(name="flow")
    handled: list[int | None] = []

    @router.recognize_completed()
    async def hand_over(call: CallActions) -> None:
        await call.transfer("+15555550199")

    @router.error(CallActionError)
    async def on_error(error: CallActionError) -> None:
        handled.append(error.status)

    scripted.failures["transfer"] = [CallActionError("transfer", 400, "8523", "bad request")]
    assert await dispatcher(actions, router).dispatch(callback("RecognizeCompleted", "ev-1")) is Outcome.FAILED
    assert handled == [400]


async def test_the_safety_net_apologises_then_hangs_up_unless_the_flow_opts_out(acs: tuple[ScriptedAcs, Any]) -> None:
    scripted, actions = acs
    guarded, bare = Router(name="guarded"), Router(name="bare", safety_net=False)
    for router in (guarded, bare):

        @router.recognize_completed()
        async def broken() -> None:
            raise RuntimeError("a bug")

    store = MemoryStateStore()
    assert await dispatcher(actions, guarded, store).dispatch(callback("RecognizeCompleted", "ev-1")) is Outcome.FAILED
    assert scripted.sent == [("play", None)]
    finished = callback("PlayCompleted", "ev-2", context=SAFETY_CONTEXT)
    await dispatcher(actions, guarded, store).dispatch(finished)
    assert [action for action, _ in scripted.sent] == ["play", "hang_up"]
    scripted.sent.clear()
    await dispatcher(actions, bare).dispatch(callback("RecognizeCompleted", "ev-3"))
    assert scripted.sent == []
    assert "sorry" in APOLOGY.lower()
