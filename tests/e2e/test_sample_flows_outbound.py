"""The outbound sample flows' start paths: ``POST /api/calls`` and ``callwright call`` bind the call to the flow."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import pytest

from app.cli import main
from app.testing.harness import Phone
from tests.e2e.helpers import OWNED_CALLER_ID, all_answered_200, callbacks, delivered, request

CALLEE = "+15555550150"
HOST = "+15555550101"
GUEST = "+15555550102"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.appointment_reminder", "flows.conference"]


def _bound_to(entries_url: str, flow: str) -> bool:
    return f"flow={flow}" in entries_url.split("?", 1)[-1].split("&")


async def test_post_api_calls_binds_the_appointment_reminder(phone: Phone) -> None:
    call = await phone.trigger(
        "appointment_reminder", to=CALLEE, caller_id=OWNED_CALLER_ID, state={"appointment": "Tuesday at 3 PM"}
    )
    await call.expect_prompt(contains="reminder of your appointment on Tuesday at 3 PM")

    entries = await phone.emulator.timeline(call.server_call_id)
    assert _bound_to(request(entries, "createCall").detail["body"]["callbackUri"], "appointment_reminder")
    assert callbacks(entries)  # the callbacks went to that URL and were handled
    all_answered_200(entries)


async def test_post_api_calls_binds_the_conference(phone: Phone) -> None:
    call = await phone.trigger("conference", to=[HOST, GUEST], caller_id=OWNED_CALLER_ID, state={"host": f"4:{HOST}"})
    await delivered(phone, call.server_call_id, "CallConnected")
    await call.expect_action("getCall")  # the conference flow's CallConnected handler ran
    await call.expect_action("listParticipants")

    entries = await phone.emulator.timeline(call.server_call_id)
    assert _bound_to(request(entries, "createCall").detail["body"]["callbackUri"], "conference")
    all_answered_200(entries)


async def test_callwright_call_binds_the_call_to_the_flow(
    phone: Phone, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = phone.settings.trigger_api_key
    assert key is not None
    monkeypatch.setenv("CALLWRIGHT_ENVIRONMENT", "development")
    monkeypatch.setenv("CALLWRIGHT_TRIGGER_API_KEY", key.get_secret_value())
    argv = [
        "call",
        "--flow",
        "appointment_reminder",
        "--to",
        CALLEE,
        "--caller-id",
        OWNED_CALLER_ID,
        "--state",
        "appointment=Friday at 9 AM",
        "--url",
        phone.app_url,
    ]
    status = await asyncio.to_thread(main, argv)  # the command runs its own event loop

    assert status == 0
    out = capsys.readouterr().out
    reply, _ = json.JSONDecoder().raw_decode(out[out.index('{\n  "') :])  # the command prints the reply
    assert reply["flow"] == "appointment_reminder"
    entries = await phone.emulator.wait_for(
        reply["serverCallId"],
        lambda entries: any(e.kind == "request" and e.name == "recognize" for e in entries),
        timeout=10.0,
    )
    assert _bound_to(request(entries, "createCall").detail["body"]["callbackUri"], "appointment_reminder")
    [recognize] = [e for e in entries if e.kind == "request" and e.name == "recognize"]
    assert "Friday at 9 AM" in json.dumps(recognize.detail["body"])
