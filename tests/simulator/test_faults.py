"""Fault rules: the book itself, callback faults on the wire, and the fault control routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulator.delivery.sink import RecordingSink
from simulator.faults import CallbackFault, FaultBook
from simulator.interfaces import RestFault
from simulator.server import run_asgi
from tests.simulator.delivery_fixtures import Harness, delivery_harness


def test_rest_fault_is_consumed_per_use() -> None:
    book = FaultBook()
    book.set_rest_fault("play", RestFault(status=503, retry_after=1, times=2))
    assert book.rest_fault("answer") is None
    assert book.rest_fault("play") == RestFault(status=503, retry_after=1, times=2)
    assert book.rest_fault("play") is not None
    assert book.rest_fault("play") is None


def test_wildcard_and_unlimited_faults_until_cleared() -> None:
    book = FaultBook()
    book.set_rest_fault("*", RestFault(latency=2))
    book.set_callback_fault("Microsoft.Communication.PlayCompleted", CallbackFault(drop=True))
    assert all(book.rest_fault("hangUp") == RestFault(latency=2) for _ in range(5))
    assert book.callback_fault("PlayCompleted") == CallbackFault(drop=True)
    assert book.callback_fault("Microsoft.Communication.PlayCompleted") == CallbackFault(drop=True)
    assert book.callback_fault("PlayStarted") is None
    book.clear()
    assert book.rest_fault("hangUp") is None and book.callback_fault("PlayCompleted") is None


def _send(h: Harness, url: str, *events: str, call: str = "c") -> None:
    for i, event_type in enumerate(events):
        h.service.publisher.callback(url, event_type, {"n": i}, call_connection_id=call, server_call_id=f"s-{call}")


def _types(sink: RecordingSink, call: str = "c") -> list[str]:
    events = [e for r in sink.requests for e in r.json() if e["data"]["callConnectionId"] == call]
    return [e["type"].rsplit(".", 1)[1] for e in events]


async def test_drop_skips_the_event_once_and_records_it() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.faults.set_callback_fault("PlayCompleted", CallbackFault(drop=True, times=1))
        _send(h, served.base_url, "PlayStarted", "PlayCompleted", "PlayCompleted")
        await h.service.drain(5)
        faults = [e.detail.get("fault") for e in h.entries("s-c")]
    assert _types(sink) == ["PlayStarted", "PlayCompleted"]
    assert faults == [None, "drop", None]


async def test_duplicate_sends_same_event_id_again() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.faults.set_callback_fault("CallConnected", CallbackFault(duplicate=2))
        _send(h, served.base_url, "CallConnected", "ParticipantsUpdated")
        await h.service.drain(5)
    assert _types(sink) == ["CallConnected"] * 3 + ["ParticipantsUpdated"]
    ids = {r.json()[0]["id"] for r in sink.requests[:3]}
    assert len(ids) == 1
    assert len({r.headers["authorization"] for r in sink.requests[:3]}) == 3  # a fresh JWT per POST


async def test_delay_holds_that_call_but_not_other_calls() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness(time_scale=0.01) as h:
        h.service.faults.set_callback_fault("PlayCompleted", CallbackFault(delay=50, times=1))  # 0.5 s real
        _send(h, served.base_url, "PlayCompleted", "CallDisconnected", call="slow")
        _send(h, served.base_url, "CallConnected", call="fast")
        await sink.wait_for(lambda r: len(r) == 1)
        first = sink.requests[0].json()[0]["data"]["callConnectionId"]
        await h.service.drain(5)
    assert first == "fast"
    assert _types(sink, "slow") == ["PlayCompleted", "CallDisconnected"]


async def test_reorder_sends_event_after_the_next_one_of_the_same_call() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.faults.set_callback_fault("PlayStarted", CallbackFault(reorder=True, times=1))
        _send(h, served.base_url, "PlayStarted", "PlayCompleted", "CallDisconnected")
        await h.service.drain(5)
    assert _types(sink) == ["PlayCompleted", "PlayStarted", "CallDisconnected"]


async def test_reordered_last_event_still_goes_out() -> None:
    sink = RecordingSink()
    async with run_asgi(sink) as served, delivery_harness() as h:
        h.service.faults.set_callback_fault("CallDisconnected", CallbackFault(reorder=True))
        _send(h, served.base_url, "PlayCompleted", "CallDisconnected")
        await h.service.drain(5)
    assert _types(sink) == ["PlayCompleted", "CallDisconnected"]


async def test_fault_routes_accept_good_input() -> None:
    async with delivery_harness() as h, httpx.AsyncClient(base_url=h.base_url) as client:
        rest = await client.put("/simulator/faults/rest/play", json={"status": 503, "retryAfter": 2, "times": 1})
        cb = await client.put("/simulator/faults/callbacks/PlayCompleted", json={"duplicate": 1, "delay": 0.5})
        listed = (await client.get("/simulator/faults")).json()
        assert rest.status_code == 200 and cb.status_code == 200
        assert h.service.faults.rest_fault("play") == RestFault(status=503, retry_after=2.0, times=1)
        assert listed["callbacks"]["PlayCompleted"]["duplicate"] == 1
        assert (await client.delete("/simulator/faults")).status_code == 204
        assert h.service.faults.callback_fault("PlayCompleted") is None


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/simulator/faults/rest/play", {"status": 200}, 422),
        ("/simulator/faults/rest/play", {"status": "503"}, 422),
        ("/simulator/faults/rest/play", {}, 422),
        ("/simulator/faults/rest/play", {"status": 500, "times": 0}, 422),
        ("/simulator/faults/rest/play", {"status": 500, "colour": "red"}, 422),
        ("/simulator/faults/rest/play", [1, 2], 400),
        ("/simulator/faults/rest/bad%20name", {"status": 500}, 422),
        ("/simulator/faults/callbacks/PlayCompleted", {"drop": "yes"}, 422),
        ("/simulator/faults/callbacks/PlayCompleted", {"drop": True, "duplicate": 1}, 422),
        ("/simulator/faults/callbacks/PlayCompleted", {"duplicate": -1}, 422),
        ("/simulator/faults/callbacks/PlayCompleted", {"delay": True}, 422),
        ("/simulator/faults/callbacks/PlayCompleted", {}, 422),
    ],
)
async def test_fault_routes_reject_bad_input(path: str, body: Any, status: int) -> None:
    async with delivery_harness() as h, httpx.AsyncClient(base_url=h.base_url) as client:
        response = await client.put(path, json=body)
        assert response.status_code == status
        assert response.json()["error"]["message"]


async def test_fault_route_rejects_malformed_json() -> None:
    async with delivery_harness() as h, httpx.AsyncClient(base_url=h.base_url) as client:
        response = await client.put(
            "/simulator/faults/rest/play", content=b"{nope", headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BadRequest"
