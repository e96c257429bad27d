"""Hang up, participant and call information, and exactly-once handling (seed guide: 掛斷通話, 取得通話的最新資訊)."""

from __future__ import annotations

from app.testing.harness import Phone
from tests.e2e import seed_flow
from tests.e2e.helpers import (
    OWNED_CALLER_ID,
    all_answered_200,
    call_ended,
    callbacks,
    delivered,
    names,
    report,
    request,
    requests,
    result,
    said,
    wait,
)

CALLEE = "+15555550150"
SECOND = "+15555550151"


async def test_hang_up_for_everyone_ends_the_call_for_every_party(phone: Phone) -> None:
    call = await phone.trigger(
        "seed", to=[CALLEE, SECOND], caller_id=OWNED_CALLER_ID, state={"do": "hang_up", "wait_for": 2}
    )
    [disconnected] = await delivered(phone, call.server_call_id, "CallDisconnected")
    await call_ended(phone, call.server_call_id)

    entries = await phone.emulator.timeline(call.server_call_id)
    assert request(entries, "terminate").detail["status"] == 204
    assert requests(entries, "hangUp") == []
    assert result(disconnected) == (200, 7000)
    assert names(callbacks(entries))[-1] == "CallDisconnected"
    info = await phone.emulator.get_call(call.server_call_id)
    assert info.state == "ended"
    assert info.participants == []
    all_answered_200(entries)


async def test_hang_up_not_for_everyone_in_a_group_call_only_removes_the_service(phone: Phone) -> None:
    call = await phone.trigger(
        "seed", to=[CALLEE, SECOND], caller_id=OWNED_CALLER_ID, state={"do": "leave", "wait_for": 2}
    )
    await delivered(phone, call.server_call_id, "CallDisconnected")

    entries = await phone.emulator.timeline(call.server_call_id)
    assert request(entries, "hangUp").detail["status"] == 204
    assert requests(entries, "terminate") == []
    info = await phone.emulator.get_call(call.server_call_id)
    assert info.state == "established"
    assert sorted(p.raw_id for p in info.participants) == [f"4:{CALLEE}", f"4:{SECOND}"]
    assert [c["state"] for c in info.call_connections] == ["disconnected"]


async def test_hang_up_not_for_everyone_in_a_1_to_1_call_ends_it(phone: Phone) -> None:
    call = await phone.trigger("seed", to=CALLEE, caller_id=OWNED_CALLER_ID, state={"do": "leave"})
    await delivered(phone, call.server_call_id, "CallConnected", "CallDisconnected")
    await call_ended(phone, call.server_call_id)
    assert (await phone.emulator.get_call(call.server_call_id)).participants == []


async def test_get_properties_list_participants_and_get_participant_match_the_emulator(phone: Phone) -> None:
    call = await phone.trigger("seed", to=CALLEE, caller_id=OWNED_CALLER_ID, state={"do": "report", "target": CALLEE})
    entries = await wait(phone, call.server_call_id, lambda entries: bool(said(entries)), "the report")

    facts = report(said(entries)[0])
    info = await phone.emulator.get_call(call.server_call_id)
    [connection] = info.call_connections
    assert facts["callConnectionId"] == connection["callConnectionId"]
    assert facts["serverCallId"] == info.server_call_id
    assert facts["state"] == connection["state"] == "connected"
    assert facts["targets"] == [f"4:{CALLEE}"]
    assert facts["sourceCallerId"] == f"4:{OWNED_CALLER_ID}"
    assert sorted(p.raw_id for p in info.participants) == [f"4:{CALLEE}"]
    assert facts["participants"] == seed_flow.with_app(phone.settings, f"4:{CALLEE}")  # ACS lists the service too
    assert facts["participant"] == {"rawId": f"4:{CALLEE}", "isMuted": False, "isOnHold": False}
    assert [e.detail["status"] for e in requests(entries) if e.name in ("getCall", "listParticipants")] == [200, 200]


async def test_get_participant_of_someone_not_in_the_call_reaches_the_error_handler(phone: Phone) -> None:
    call = await phone.trigger(
        "seed", to=CALLEE, caller_id=OWNED_CALLER_ID, state={"do": "get_missing", "target": "+15555550199"}
    )
    entries = await wait(phone, call.server_call_id, lambda entries: bool(said(entries)), "the error report")

    asked = request(entries, "getParticipant").detail
    assert (asked["status"], asked["participant"]) == (404, "4:+15555550199")  # the path's participant is recorded
    assert said(entries) == [["error get_participant 404/8522"]]


async def test_a_duplicated_callback_runs_the_handler_once(phone: Phone) -> None:
    await phone.emulator.set_callback_fault("CallConnected", duplicate=1)
    call = await phone.trigger("seed", to=CALLEE, caller_id=OWNED_CALLER_ID, state={"do": "play"})
    entries = await wait(
        phone,
        call.server_call_id,
        lambda entries: names(callbacks(entries)).count("CallConnected") == 2,
        "the duplicate CallConnected",
    )

    first, second = [e for e in callbacks(entries) if e.name.endswith("CallConnected")]
    assert first.detail["event"]["id"] == second.detail["event"]["id"]
    assert (first.detail["status"], second.detail["status"]) == (200, 200)
    assert second.detail.get("duplicate") == 1
    assert len(requests(entries, "play")) == 1
