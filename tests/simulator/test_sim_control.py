"""The control API and connect(): rooms, groups, reset, OpenAPI, bad control input."""

from __future__ import annotations

import httpx
import pytest

from simulator.client import SimulatorError
from tests.simulator.conftest import Env

CALLER = "+15551230001"


async def test_connect_to_room_group_and_unknown(env: Env) -> None:
    room = await env.control.create_room(["+15551110001", "+15551110002"], room_id="room-1")
    props = await env.client.connect_call(env.callback_url, room_id=room)
    update = await env.receiver.event(props.call_connection_id, "ParticipantsUpdated")
    assert {p["identifier"]["rawId"] for p in update.data["participants"]} == {
        "4:+15551110001",
        "4:+15551110002",
        env.app_id,
    }

    group = await env.control.create_group(["+15551110003"])
    grouped = await env.client.connect_call(env.callback_url, group_call_id=group)
    await env.receiver.event(grouped.call_connection_id, "CallConnected")

    again = await env.client.connect_call(env.callback_url, server_call_id=str(props.server_call_id))
    await env.receiver.event(again.call_connection_id, "CallConnected")

    unknown = await env.client.connect_call(env.callback_url, room_id="no-room")
    failed = await env.receiver.event(unknown.call_connection_id, "ConnectFailed")
    assert failed.data["resultInformation"]["subCode"] == 8522


async def test_list_get_reset(env: Env) -> None:
    placed = await env.control.place_call(CALLER, "+18005550100")
    calls = await env.control.list_calls()
    assert [c.server_call_id for c in calls] == [placed.server_call_id]
    assert calls[0].state == "ringing" and calls[0].participants[0].raw_id == f"4:{CALLER}"
    info = await env.control.get_call(placed.server_call_id)
    assert [e.name for e in info.timeline if e.kind == "party"][:1] == ["dial"]
    await env.control.set_rest_fault("play", status=500)
    await env.control.reset()
    assert await env.control.list_calls() == []
    assert env.sim.app.state.delivery.faults.rest_fault("play") is None  # type: ignore[attr-defined]
    assert [s.name for s in await env.control.list_subscriptions()] == ["tests"]


async def test_behaviour_round_trip_and_conventions(env: Env) -> None:
    behaviour = await env.control.set_behaviour(
        "+15552220000", answer="no-answer", dtmf=[{"after": 1, "tones": "12"}], hangUpAfter=30
    )
    assert behaviour["answer"] == "no-answer" and behaviour["dtmf"] == [{"after": 1.0, "tones": "12"}]
    async with httpx.AsyncClient() as http:
        busy = (await http.get(f"{env.sim.base_url}/simulator/parties/%2B15550000486")).json()
        user = (await http.get(f"{env.sim.base_url}/simulator/parties/8%3Aacs%3Ares_u-decline")).json()
        spec = (await http.get(f"{env.sim.base_url}/simulator/openapi.json")).json()
    assert busy["behaviour"]["answer"] == "busy"
    assert user["behaviour"]["answer"] == "reject"
    assert "/simulator/calls" in spec["paths"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/simulator/calls", {"from": CALLER}, 422),
        ("POST", "/simulator/calls", {"from": "hello", "to": "+18005550100"}, 422),
        ("POST", "/simulator/calls", {"from": CALLER, "to": "+18005550100", "ringingTimeout": -1}, 422),
        ("GET", "/simulator/calls/nope", None, 404),
        ("PUT", "/simulator/parties/%2B15551230001", {"answer": "maybe"}, 400),
        ("PUT", "/simulator/parties/%2B15551230001", {"dtmf": [{"tones": "xyz"}]}, 400),
        ("POST", "/simulator/calls/nope/parties/%2B15551230001/dtmf", {"tones": "1"}, 404),
        ("POST", "/simulator/rooms", {"participants": "x"}, 422),
        ("GET", "/simulator/nothing", None, 404),
    ],
)
async def test_bad_control_input(env: Env, method: str, path: str, body: object, status: int) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.request(method, env.sim.base_url + path, json=body)
    assert response.status_code == status
    assert response.json()["error"]["message"]


async def test_malformed_control_json_and_client_errors(env: Env) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(env.sim.base_url + "/simulator/calls", content=b"{oops")
    assert response.status_code == 400
    placed = await env.control.place_call(CALLER, "+18005550100")
    with pytest.raises(SimulatorError) as caught:
        await env.control.press(placed.server_call_id, "+15559999999", "1")
    assert caught.value.status == 409
