"""Outbound calls: 1:1 and group (seed guide: 向外撥打電話), started through ``POST /api/calls``."""

from __future__ import annotations

import httpx
import pytest

from app.actions.client import build_client
from app.actions.errors import CallActionError
from app.actions.outbound import OutboundCalls
from app.testing.harness import Phone
from tests.e2e import seed_flow
from tests.e2e.helpers import (
    OWNED_CALLER_ID,
    all_answered_200,
    callbacks,
    delivered,
    names,
    participants,
    request,
    result,
    wait,
)

CALLEE = "+15555550150"


async def test_1_to_1_call_to_a_phone_number_with_caller_id(phone: Phone) -> None:
    call = await phone.trigger("seed", to=CALLEE, caller_id=OWNED_CALLER_ID)
    _, updated = await delivered(phone, call.server_call_id, "CallConnected", "ParticipantsUpdated")

    entries = await phone.emulator.timeline(call.server_call_id)
    create = request(entries, "createCall")
    assert create.detail["status"] == 201
    body = create.detail["body"]
    assert [t["rawId"] for t in body["targets"]] == [f"4:{CALLEE}"]
    assert body["sourceCallerIdNumber"] == {"value": OWNED_CALLER_ID}
    assert "flow=seed" in body["callbackUri"]
    assert names(callbacks(entries))[:2] == ["CallConnected", "ParticipantsUpdated"]
    assert participants(updated) == seed_flow.with_app(phone.settings, f"4:{CALLEE}")
    all_answered_200(entries)


async def test_1_to_1_call_to_an_acs_user(phone: Phone) -> None:
    user = seed_flow.acs_user(phone.settings, "dave")
    call = await phone.trigger("seed", to=user)
    _, updated = await delivered(phone, call.server_call_id, "CallConnected", "ParticipantsUpdated")

    entries = await phone.emulator.timeline(call.server_call_id)
    body = request(entries, "createCall").detail["body"]
    assert [t["rawId"] for t in body["targets"]] == [user]
    assert body["targets"][0]["communicationUser"] == {"id": user}
    assert "sourceCallerIdNumber" not in body
    assert participants(updated) == seed_flow.with_app(phone.settings, user)
    all_answered_200(entries)


@pytest.mark.parametrize(
    ("callee", "code"),
    [("+15555550486", (486, 8539)), ("+15555550404", (408, 10057)), ("+15555550603", (603, 8538))],
    ids=["busy", "no-answer", "declined"],
)
async def test_a_call_nobody_takes_gives_create_call_failed_then_call_disconnected(
    phone: Phone, callee: str, code: tuple[int, int]
) -> None:
    call = await phone.trigger("seed", to=callee, caller_id=OWNED_CALLER_ID)
    failed, _ = await delivered(phone, call.server_call_id, "CreateCallFailed", "CallDisconnected")

    entries = await phone.emulator.timeline(call.server_call_id)
    assert names(callbacks(entries)) == ["CreateCallFailed", "CallDisconnected"]
    assert result(failed) == code


async def test_a_phone_number_without_caller_id_is_refused_by_the_trigger_with_the_acs_code(phone: Phone) -> None:
    key = phone.settings.trigger_api_key.get_secret_value() if phone.settings.trigger_api_key else ""
    async with httpx.AsyncClient(timeout=10.0) as http:
        response = await http.post(
            f"{phone.app_url}/api/calls",
            json={"flow": "seed", "to": CALLEE},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 502
    assert response.json()["error"]["acsStatus"] == 400
    assert response.json()["error"]["acsCode"] == "8523"
    assert await phone.emulator.list_calls() == []  # nothing was dialled


async def test_a_phone_number_without_caller_id_raises_a_typed_call_action_error(phone: Phone) -> None:
    async with build_client(phone.settings) as client:
        with pytest.raises(CallActionError) as raised:
            await OutboundCalls(client, phone.settings).create_call(CALLEE, flow="seed")
    assert (raised.value.action, raised.value.status, raised.value.sub_code) == ("create_call", 400, 8523)


async def test_group_call_mixing_a_phone_number_and_an_acs_user(phone: Phone) -> None:
    user = seed_flow.acs_user(phone.settings, "erin")
    call = await phone.trigger("seed", to=[CALLEE, user], caller_id=OWNED_CALLER_ID)
    both = sorted([f"4:{CALLEE}", user])
    entries = await wait(
        phone,
        call.server_call_id,
        lambda entries: any(
            participants(e) == seed_flow.with_app(phone.settings, *both)
            for e in callbacks(entries)
            if e.name.endswith("ParticipantsUpdated")
        ),
        "a ParticipantsUpdated listing both",
    )

    body = request(entries, "createCall").detail["body"]
    assert sorted(t["rawId"] for t in body["targets"]) == both
    assert body["sourceCallerIdNumber"] == {"value": OWNED_CALLER_ID}
    assert names(callbacks(entries))[0] == "CallConnected"
    assert set(names(callbacks(entries))[1:]) == {"ParticipantsUpdated"}
    all_answered_200(entries)
