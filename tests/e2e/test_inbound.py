"""Pre-call actions on an incoming call: answer, reject, redirect (seed guide: 接聽來電, 拒絕通話, 將通話重新導向)."""

from __future__ import annotations

import pytest

from app.testing.harness import Phone
from tests.e2e import seed_flow
from tests.e2e.helpers import (
    all_answered_200,
    call_ended,
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

CALLER = "+15551230001"


async def test_answer_is_followed_by_call_connected_then_participants_updated(phone: Phone) -> None:
    call = await phone.dial(seed_flow.ANSWER, from_=CALLER)
    connected, updated = await delivered(phone, call.server_call_id, "CallConnected", "ParticipantsUpdated")

    entries = await phone.emulator.timeline(call.server_call_id)
    answer = request(entries, "answer")
    assert answer.detail["status"] == 200
    assert answer.detail["body"]["callbackUri"].endswith("/Events?flow=seed")
    assert connected.call_connection_id == updated.call_connection_id == answer.call_connection_id
    assert names(callbacks(entries)) == ["CallConnected", "ParticipantsUpdated"]
    assert data(connected)["operationContext"] == "answered"
    assert participants(updated) == seed_flow.with_app(phone.settings, f"4:{CALLER}")  # the service is listed too
    assert len(incoming_calls(entries)) == 1
    all_answered_200(entries)


async def test_answer_after_the_caller_gave_up_gives_answer_failed(phone: Phone) -> None:
    # The answer request is held back until the caller's short ringing timeout has passed.
    await phone.emulator.set_rest_fault("answer", latency=3, times=1)
    call = await phone.dial(seed_flow.ANSWER, from_=CALLER, ringingTimeout=0.5)
    [failed] = await delivered(phone, call.server_call_id, "AnswerFailed")

    entries = await phone.emulator.timeline(call.server_call_id)
    assert request(entries, "answer").detail["status"] == 200  # accepted; the failure comes as an event
    assert any(e.kind == "party" and e.name == "gave up" for e in entries)
    assert result(failed) == (400, 8587)
    assert data(failed)["operationContext"] == "answered"
    assert names(callbacks(entries)) == ["AnswerFailed"]  # never CallConnected


async def test_answer_after_a_redirect_gives_answer_failed(phone: Phone) -> None:
    call = await phone.dial(seed_flow.REDIRECT_THEN_ANSWER, from_=CALLER)
    [failed] = await delivered(phone, call.server_call_id, "AnswerFailed")

    entries = await phone.emulator.timeline(call.server_call_id)
    assert request(entries, "redirect").detail["status"] == 204
    assert request(entries, "answer").detail["status"] == 200
    assert result(failed) == (400, 8585)
    assert names(callbacks(entries)) == ["AnswerFailed"]


@pytest.mark.parametrize(
    ("number", "reason"),
    [(seed_flow.REJECT_NONE, "none"), (seed_flow.REJECT_BUSY, "busy"), (seed_flow.REJECT_FORBIDDEN, "forbidden")],
)
async def test_reject_publishes_no_event_and_ends_the_callers_call(phone: Phone, number: str, reason: str) -> None:
    call = await phone.dial(number, from_=CALLER)
    await call_ended(phone, call.server_call_id)
    entries = await wait(
        phone,
        call.server_call_id,
        lambda entries: any(e.detail.get("status") for e in incoming_calls(entries)),
        "the IncomingCall delivery to finish",
    )

    reject = request(entries, "reject")
    assert reject.detail["status"] == 204
    assert reject.detail["body"].get("callRejectReason", "none") == reason
    assert any(e.kind == "note" and e.name == f"rejected ({reason})" for e in entries)
    assert callbacks(entries) == []
    all_answered_200(entries)
    info = await phone.emulator.get_call(call.server_call_id)
    assert info.state == "ended"
    assert info.participants == []


async def test_redirect_to_a_phone_number_publishes_nothing_and_the_target_takes_the_call(phone: Phone) -> None:
    call = await phone.dial(seed_flow.REDIRECT_TO_PSTN, from_=CALLER)
    target = f"4:{seed_flow.PSTN_TARGET}"
    entries = await wait(
        phone,
        call.server_call_id,
        lambda entries: (
            any(e.kind == "party" and e.actor == target and e.name == "answer" for e in entries)
            and any(e.detail.get("status") for e in incoming_calls(entries))
        ),
        "the redirect target to answer",
    )

    redirect = request(entries, "redirect")
    assert redirect.detail["status"] == 204
    assert redirect.detail["body"]["target"]["rawId"] == target
    assert callbacks(entries) == []
    assert len(incoming_calls(entries)) == 1  # a number the resource does not own gets no IncomingCall
    info = await phone.emulator.get_call(call.server_call_id)
    assert sorted(p.raw_id for p in info.participants) == [f"4:{CALLER}", target]
    assert info.call_connections == []  # the service never had a leg in this call


@pytest.mark.parametrize("number", [seed_flow.REDIRECT_TO_OWNED, seed_flow.REDIRECT_TO_USER])
async def test_redirect_to_an_owned_number_or_acs_user_raises_a_new_incoming_call_to_the_target(
    phone: Phone, number: str
) -> None:
    target = (
        f"4:{seed_flow.OWNED_TARGET}"
        if number == seed_flow.REDIRECT_TO_OWNED
        else seed_flow.acs_user(phone.settings, seed_flow.USER_TARGET_NAME)
    )
    call = await phone.dial(number, from_=CALLER)
    entries = await wait(
        phone,
        call.server_call_id,
        lambda entries: len([e for e in incoming_calls(entries) if e.detail.get("status")]) == 2,
        "a second IncomingCall",
    )

    assert request(entries, "redirect").detail["status"] == 204
    first, second = incoming_calls(entries)
    assert data(first)["to"]["rawId"] == f"4:{number}"
    assert data(second)["to"]["rawId"] == target
    assert data(second)["from"]["rawId"] == f"4:{CALLER}"
    assert data(second)["incomingCallContext"] != data(first)["incomingCallContext"]
    assert callbacks(entries) == []
    all_answered_200(entries)


@pytest.mark.parametrize(
    ("number", "action"), [(seed_flow.REJECT_TOO_LATE, "reject"), (seed_flow.REDIRECT_TOO_LATE, "redirect")]
)
async def test_reject_or_redirect_of_a_call_no_longer_ringing_raises_a_typed_error(
    phone: Phone, number: str, action: str
) -> None:
    call = await phone.dial(number, from_=CALLER)
    # The flow answers with the error it caught as operation context; the AnswerFailed echoes it back.
    [failed] = await delivered(phone, call.server_call_id, "AnswerFailed")

    entries = await phone.emulator.timeline(call.server_call_id)
    statuses = [(e.name, e.detail["status"]) for e in entries if e.kind == "request"]
    assert statuses == [("redirect", 204), (action, 400), ("answer", 200)]
    assert data(failed)["operationContext"] == f"error {action} 400/8585"
    assert names(callbacks(entries)) == ["AnswerFailed"]
