"""Add, cancel add, remove and mute participants (seed guide: 將參與者新增至通話, 取消新增參與者要求,
從通話中移除參與者)."""

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
)

CALLEE = "+15555550150"
GUEST = "+15555550170"


async def _call(phone: Phone, **state: Any) -> str:
    call = await phone.trigger("seed", to=CALLEE, caller_id=OWNED_CALLER_ID, state=state)
    return call.server_call_id


async def test_add_participant_with_every_option(phone: Phone) -> None:
    sip = {"User-To-User": "value", "X-MS-Custom-header1": "customSipHeaderValue1"}
    server_call_id = await _call(
        phone,
        do="add",
        target=GUEST,
        caller_id=OWNED_CALLER_ID,
        invitation_timeout=30,
        sip=sip,
        context="add-guest",
        operation_callback=True,
    )
    connected, _, succeeded, updated = await delivered(
        phone, server_call_id, "CallConnected", "ParticipantsUpdated", "AddParticipantSucceeded", "ParticipantsUpdated"
    )

    entries = await phone.emulator.timeline(server_call_id)
    add = request(entries, "addParticipant")
    assert add.detail["status"] == 202
    body = add.detail["body"]
    assert body["participantToAdd"]["rawId"] == f"4:{GUEST}"
    assert body["sourceCallerIdNumber"] == {"value": OWNED_CALLER_ID}
    assert body["invitationTimeoutInSeconds"] == 30
    assert body["customCallingContext"] == {"sipHeaders": sip}
    assert body["operationContext"] == "add-guest"
    assert body["operationCallbackUri"].endswith("&via=operation")
    assert data(succeeded)["participant"]["rawId"] == f"4:{GUEST}"
    assert data(succeeded)["operationContext"] == "add-guest"
    assert "via=" in succeeded.detail["url"] and "via=" not in connected.detail["url"]
    assert participants(updated) == seed_flow.with_app(phone.settings, f"4:{CALLEE}", f"4:{GUEST}")
    all_answered_200(entries)


async def test_voip_headers_reach_the_acs_user_being_added(phone: Phone) -> None:
    user = seed_flow.acs_user(phone.settings, "grace")
    headers = {"voipHeaderName": "voipHeaderValue"}
    server_call_id = await _call(phone, do="add", target=user, voip=headers)
    await delivered(phone, server_call_id, "AddParticipantSucceeded", "ParticipantsUpdated")

    entries = await phone.emulator.timeline(server_call_id)
    [incoming] = incoming_calls(entries)
    assert data(incoming)["to"]["rawId"] == user
    assert data(incoming)["customContext"] == {"voipHeaders": headers}


@pytest.mark.parametrize(
    ("guest", "invitation_timeout", "code"),
    [("+15555550486", None, (486, 8539)), ("+15555550404", 2, (408, 10057))],
    ids=["busy", "no-answer"],
)
async def test_an_invitation_nobody_takes_gives_add_participant_failed(
    phone: Phone, guest: str, invitation_timeout: int | None, code: tuple[int, int]
) -> None:
    server_call_id = await _call(phone, do="add", target=guest, invitation_timeout=invitation_timeout, context="invite")
    [failed] = await delivered(phone, server_call_id, "AddParticipantFailed")

    entries = await phone.emulator.timeline(server_call_id)
    assert result(failed) == code
    assert data(failed)["participant"]["rawId"] == f"4:{guest}"
    assert data(failed)["operationContext"] == "invite"
    assert "AddParticipantSucceeded" not in names(callbacks(entries))
    info = await phone.emulator.get_call(server_call_id)
    assert [p.raw_id for p in info.participants] == [f"4:{CALLEE}"]


async def test_cancel_add_participant_while_it_rings(phone: Phone) -> None:
    server_call_id = await _call(phone, do="cancel_ringing", target="+15555550404", context="never-mind")
    [canceled] = await delivered(phone, server_call_id, "CancelAddParticipantSucceeded")

    entries = await phone.emulator.timeline(server_call_id)
    cancel = request(entries, "cancelAddParticipant")
    assert cancel.detail["status"] == 202
    assert data(canceled)["invitationId"] == cancel.detail["body"]["invitationId"]
    assert data(canceled)["operationContext"] == "never-mind"
    assert "AddParticipantFailed" not in names(callbacks(entries))


async def test_cancel_add_participant_after_it_was_answered_fails(phone: Phone) -> None:
    server_call_id = await _call(phone, do="cancel_answered", target=GUEST)
    succeeded, failed = await delivered(phone, server_call_id, "AddParticipantSucceeded", "CancelAddParticipantFailed")

    entries = await phone.emulator.timeline(server_call_id)
    assert data(failed)["invitationId"] == request(entries, "cancelAddParticipant").detail["body"]["invitationId"]
    assert result(failed) == (400, 8523)
    info = await phone.emulator.get_call(server_call_id)
    assert sorted(p.raw_id for p in info.participants) == sorted([f"4:{CALLEE}", f"4:{GUEST}"])


async def test_remove_participant_then_participants_updated_without_them(phone: Phone) -> None:
    server_call_id = await _call(phone, do="remove", target=GUEST, context="bye-guest")
    *_, removed, updated = await delivered(
        phone,
        server_call_id,
        "AddParticipantSucceeded",
        "ParticipantsUpdated",
        "RemoveParticipantSucceeded",
        "ParticipantsUpdated",
    )

    entries = await phone.emulator.timeline(server_call_id)
    assert request(entries, "removeParticipant").detail["status"] == 202
    assert data(removed)["participant"]["rawId"] == f"4:{GUEST}"
    assert data(removed)["operationContext"] == "bye-guest"
    assert participants(updated) == seed_flow.with_app(phone.settings, f"4:{CALLEE}")
    all_answered_200(entries)


async def test_removing_someone_not_in_the_call_gives_remove_participant_failed(phone: Phone) -> None:
    server_call_id = await _call(phone, do="remove_missing", target="+15555550199", context="who")
    [failed] = await delivered(phone, server_call_id, "RemoveParticipantFailed")

    assert result(failed) == (404, 8522)
    assert data(failed)["participant"]["rawId"] == "4:+15555550199"
    assert data(failed)["operationContext"] == "who"


async def test_mute_gives_participants_updated_with_is_muted(phone: Phone) -> None:
    user = seed_flow.acs_user(phone.settings, "heidi")
    call = await phone.trigger("seed", to=user, state={"do": "mute", "target": user})
    _, before, after = await delivered(
        phone, call.server_call_id, "CallConnected", "ParticipantsUpdated", "ParticipantsUpdated"
    )

    entries = await phone.emulator.timeline(call.server_call_id)
    mute = request(entries, "mute")
    assert mute.detail["status"] == 200
    assert [t["rawId"] for t in mute.detail["body"]["targetParticipants"]] == [user]
    [service] = (raw for raw in seed_flow.with_app(phone.settings) if raw != user)
    assert [p["isMuted"] for p in data(before)["participants"]] == [False, False]
    muted = [(p["identifier"]["rawId"], p["isMuted"]) for p in data(after)["participants"]]
    assert muted == [(user, True), (service, False)]  # the service itself is listed, and not muted
    assert data(after)["sequenceNumber"] > data(before)["sequenceNumber"]
    info = await phone.emulator.get_call(call.server_call_id)
    assert [(p.raw_id, p.is_muted) for p in info.participants] == [(user, True)]
