"""Lease renewal: a handler longer than its leases keeps its event and its call, and a lost lease stops it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from app import CallActions, Router
from app.dispatch import Dispatcher
from app.errors import EventInProgress, SinkUnavailable
from app.events import CallEvent, parse_events
from app.session import CallSession
from app.state.base import EventClaim, Lease
from app.state.memory import MemoryStateStore
from app.testing.fakes import FakeAcs
from config.settings import Settings

LEASE = 0.3
CALL = "11111111-2222-3333-4444-555555555555"


class Recorder:
    """The dispatcher's actions: the real ``CallActions`` over a fake ACS transport (``FakeAcs``)."""

    def __init__(self) -> None:
        self.settings = Settings(event_lease_seconds=LEASE, call_lock_lease_seconds=LEASE)
        self.acs = FakeAcs(self.settings)

    def __call__(self, session: CallSession) -> CallActions:
        return self.acs.factory(session)

    def dispatcher(self, flows: list[Router], store: Any = None) -> Dispatcher:
        return Dispatcher(self.settings, flows=flows, common=[], store=store or MemoryStateStore(), actions=self)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    recorder = Recorder()
    yield recorder
    await recorder.acs.client.close()


def callback(kind: str, event_id: str) -> CallEvent:
    data = {"callConnectionId": CALL, "serverCallId": "server-call-1", "correlationId": "corr-1"}
    source = f"calling/callConnections/{CALL}"
    envelope = {"id": event_id, "source": source, "type": f"Microsoft.Communication.{kind}", "data": data}
    [event] = parse_events([{**envelope, "specversion": "1.0", "time": "2026-11-24T10:00:01.0000000+00:00"}])
    return event


async def test_a_handler_longer_than_its_leases_keeps_its_event_and_its_call(recorder: Recorder) -> None:
    router = Router(name="flow")
    active = 0
    runs: list[str] = []

    @router.play_completed()
    async def slow(event: CallEvent) -> None:
        nonlocal active
        active += 1
        assert active == 1, "two events of one call ran at once"
        runs.append(event.id)
        if event.id == "ev-slow":
            await asyncio.sleep(LEASE * 4)
        active -= 1

    dispatcher = recorder.dispatcher([router])
    event = callback("PlayCompleted", "ev-slow")
    first = asyncio.create_task(dispatcher.dispatch(event))
    await asyncio.sleep(LEASE * 2)  # past the first lease: without renewal the redelivery would run it again
    with pytest.raises(EventInProgress):
        await dispatcher.dispatch(event)
    next_event = asyncio.create_task(dispatcher.dispatch(callback("PlayCompleted", "ev-next")))
    await asyncio.gather(first, next_event)
    assert runs == ["ev-slow", "ev-next"]  # the call's next event waited for the slow one


class LosingStore(MemoryStateStore):
    """Every renewal finds the lease lost (another instance took the event over meanwhile)."""

    async def renew(
        self, claim: EventClaim | None, leases: Sequence[Lease], *, claim_seconds: float, lease_seconds: float
    ) -> bool:
        return False


async def test_a_lost_lease_stops_the_handler_before_its_next_action(recorder: Recorder) -> None:
    router = Router(name="flow")

    @router.play_completed()
    async def slow(call: CallActions) -> None:
        await asyncio.sleep(LEASE)  # the heartbeat runs (every LEASE / 3) and finds the lease lost
        await call.play("Too late.")

    dispatcher = recorder.dispatcher([router], LosingStore())
    with pytest.raises(SinkUnavailable):  # retryable: the delivery that took the event over carries on
        await dispatcher.dispatch(callback("PlayCompleted", "ev-1"))
    assert recorder.acs.actions == []  # the play never went out
