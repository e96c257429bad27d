"""Transfer (seed guide: 轉接通話中的參與者): 1:1 and with a transferee, custom calling context, failures."""

from __future__ import annotations

from typing import Any

import pytest

from app.testing.harness import Phone
from tests.e2e import seed_flow
from tests.e2e.helpers import (
    OWNED_CALLER_ID,
    all_answered_200,
    callbacks,
    data,
    delivered,
    incoming_calls,
    names,
    participants,
    request,
    result,
    wait,
)

CALLEE = "+15555550150"
AGENT = "+15555550160"
SECOND = "+15555550161"


async def _transfer_call(phone: Phone, **state: Any) -> str:
    call = await phone.trigger("seed", to=CALLEE, caller_id=OWNED_CALLER_ID, state={"do": "transfer", **state})
    return call.server_call_id


async def test_1_to_1_transfer_is_accepted_then_the_service_leaves(phone: Phone) -> None:
    server_call_id = await _transfer_call(phone, target=AGENT, context="to-agent")
    accepted, disconnected = await delivered(phone, server_call_id, "CallTransferAccepted", "CallDisconnected")

    entries = await phone.emulator.timeline(server_call_id)
    transfer = request(entries, "transfer")
    assert transfer.detail["status"] == 202
    assert transfer.detail["body"]["targetParticipant"]["rawId"] == f"4:{AGENT}"
    assert "transferee" not in transfer.detail["body"]
    assert names(callbacks(entries)) == [
        "CallConnected",
        "ParticipantsUpdated",
        "CallTransferAccepted",
        "CallDisconnected",
    ]
    assert data(accepted)["transferTarget"]["rawId"] == f"4:{AGENT}"
    assert data(accepted)["transferee"]["rawId"] == f"4:{CALLEE}"
    assert data(accepted)["operationContext"] == "to-agent"
    assert result(disconnected) == (200, 7000)
    info = await phone.emulator.get_call(server_call_id)
    assert sorted(p.raw_id for p in info.participants) == [f"4:{CALLEE}", f"4:{AGENT}"]
    assert [c["state"] for c in info.call_connections] == ["disconnected"]
    all_answered_200(entries)


async def test_voip_headers_reach_the_acs_user_the_call_is_transferred_to(phone: Phone) -> None:
    user = seed_flow.acs_user(phone.settings, "frank")
    headers = {"customVoipHeader1": "customVoipHeaderValue1", "customVoipHeader2": "customVoipHeaderValue2"}
    server_call_id = await _transfer_call(phone, target=user, voip=headers)
    await delivered(phone, server_call_id, "CallTransferAccepted", "CallDisconnected")

    entries = await phone.emulator.timeline(server_call_id)
    assert request(entries, "transfer").detail["body"]["customCallingContext"] == {"voipHeaders": headers}
    [incoming] = incoming_calls(entries)
    assert data(incoming)["to"]["rawId"] == user
    assert data(incoming)["customContext"] == {"voipHeaders": headers}
    assert data(incoming)["from"]["rawId"] == f"4:{CALLEE}"  # the invitation shows the transferee's id


async def test_sip_uui_and_x_headers_reach_the_owned_number_and_the_service_answers_it(phone: Phone) -> None:
    headers = {"User-To-User": "uuivalue", "X-MS-Custom-headerName": "headerValue", "X-headerName2": "value2"}
    server_call_id = await _transfer_call(phone, target=seed_flow.DESK, sip=headers)
    accepted, _ = await delivered(phone, server_call_id, "CallTransferAccepted", "CallDisconnected")

    entries = await phone.emulator.timeline(server_call_id)
    [incoming] = incoming_calls(entries)
    assert data(incoming)["to"]["rawId"] == f"4:{seed_flow.DESK}"
    assert data(incoming)["customContext"] == {"sipHeaders": headers}
    # The service answered the transferred call on the desk number: a second leg, which stays connected.
    answer = request(entries, "answer")
    assert answer.call_connection_id != accepted.call_connection_id
    await delivered(phone, server_call_id, "CallConnected", connection=answer.call_connection_id)
    info = await phone.emulator.get_call(server_call_id)
    states = {c["callConnectionId"]: c["state"] for c in info.call_connections}
    assert states == {accepted.call_connection_id: "disconnected", answer.call_connection_id: "connected"}


async def test_operation_context_and_callback_url_carry_the_transfer_events(phone: Phone) -> None:
    server_call_id = await _transfer_call(phone, target=AGENT, context="xfer-op", operation_callback=True)
    connected, accepted = (await delivered(phone, server_call_id, "CallConnected", "CallTransferAccepted"))[:2]

    entries = await phone.emulator.timeline(server_call_id)
    body = request(entries, "transfer").detail["body"]
    assert body["operationContext"] == "xfer-op"
    assert body["operationCallbackUri"].endswith("/Events?flow=seed&via=operation")
    assert "via=" in accepted.detail["url"] and "via=" not in connected.detail["url"]
    assert data(accepted)["operationContext"] == "xfer-op"


async def test_group_call_transfer_with_a_transferee_moves_only_the_transferee(phone: Phone) -> None:
    call = await phone.trigger(
        "seed",
        to=[CALLEE, SECOND],
        caller_id=OWNED_CALLER_ID,
        state={"do": "transfer", "target": AGENT, "transferee": SECOND, "wait_for": 2},
    )
    after = sorted([f"4:{CALLEE}", f"4:{AGENT}"])
    entries = await wait(
        phone,
        call.server_call_id,
        lambda entries: any(
            e.name.endswith("ParticipantsUpdated") and participants(e) == seed_flow.with_app(phone.settings, *after)
            for e in callbacks(entries)
            if any(p.name.endswith("CallTransferAccepted") and p.seq < e.seq for p in callbacks(entries))
        ),
        "ParticipantsUpdated without the transferee after CallTransferAccepted",
    )

    body = request(entries, "transfer").detail["body"]
    assert body["transferee"]["rawId"] == f"4:{SECOND}"
    assert "CallDisconnected" not in names(callbacks(entries))
    info = await phone.emulator.get_call(call.server_call_id)
    assert sorted(p.raw_id for p in info.participants) == after
    assert [c["state"] for c in info.call_connections] == ["connected"]
    all_answered_200(entries)


@pytest.mark.parametrize(
    ("target", "code"), [("+15555550486", (486, 8539)), ("+15555550500", (500, 8544))], ids=["busy", "failing"]
)
async def test_a_transfer_the_target_does_not_take_gives_call_transfer_failed(
    phone: Phone, target: str, code: tuple[int, int]
) -> None:
    server_call_id = await _transfer_call(phone, target=target, context="doomed")
    [failed] = await delivered(phone, server_call_id, "CallTransferFailed")

    entries = await phone.emulator.timeline(server_call_id)
    assert result(failed) == code
    assert data(failed)["operationContext"] == "doomed"
    assert "CallDisconnected" not in names(callbacks(entries))  # the service keeps the call
    info = await phone.emulator.get_call(server_call_id)
    assert [p.raw_id for p in info.participants] == [f"4:{CALLEE}"]
    assert [c["state"] for c in info.call_connections] == ["connected"]
