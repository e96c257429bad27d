"""The service's logs of a real support-line call (service, SDK and emulator): what callers enter never reaches
them, at any level; each event is one INFO line naming the actions it caused, and a diagram can still be drawn
from INFO lines alone."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from typing import Any

import pytest

from app.diagrams import from_log_lines
from app.testing.harness import Phone

# The support line's own fixtures (its flow, opened at any hour), and its way into the main menu.
from tests.flows.test_support_line import callwright_flows, callwright_settings, in_main_menu  # noqa: F401

ACCOUNT = "86421357"
FRAMEWORK = ("callwright.web", "callwright.actions", "callwright.dispatch", "uvicorn.access")


def rendered(caplog: pytest.LogCaptureFixture) -> str:
    """The captured records as the service's own handler writes them (redaction runs in its formatter)."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "callwright")
    assert handler.formatter is not None
    return "\n".join(handler.formatter.format(record) for record in caplog.records)


async def test_an_account_number_and_its_read_back_are_never_logged(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    call = await in_main_menu(phone)
    await call.press("1")
    await call.press("1")
    await call.expect_prompt(contains="eight digit account number")
    await call.press(f"{ACCOUNT}#")
    read_back = await call.expect_prompt(contains=" ".join(ACCOUNT))  # the caller does hear it
    assert "press 1" in (read_back.text or "")
    await call.press("1")
    await call.expect_event("RecognizeCompleted")
    output = rendered(caplog)
    spaced_or_not = r"\W{0,3}".join(ACCOUNT)
    assert not re.search(spaced_or_not, output), "the account number reached the logs"
    assert "action_requested" in output and "[sensitive]" in output, output  # logged, as a marker


async def test_each_event_is_one_info_line_listing_its_actions(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    call = await in_main_menu(phone)
    await call.press("1")
    await call.expect_prompt(contains="existing account")
    records = [record for record in caplog.records if record.name in FRAMEWORK and record.levelno == logging.INFO]
    # Lines logged while an event is handled carry its type (the handshake's own line does not).
    lines: list[dict[str, Any]] = [
        dict(record.msg) for record in records if isinstance(record.msg, dict) and record.msg.get("event_type")
    ]
    per_event = Counter(line.get("event_id") for line in lines if line.get("event_id"))
    assert per_event and set(per_event.values()) == {1}, per_event  # exactly one framework INFO line per event
    assert {line["event"] for line in lines if line.get("event_id")} == {"event_received"}
    assert not [line for line in lines if line["event"] == "action_requested"]  # at DEBUG now
    connected = next(line for line in lines if str(line.get("event_type", "")).endswith("CallConnected"))
    assert connected["actions"] == ["recognize"], connected
    incoming = next(line for line in lines if str(line.get("event_type", "")).endswith("IncomingCall"))
    assert incoming["actions"] == ["answer"]


def test_a_diagram_from_info_lines_puts_each_action_after_its_event() -> None:
    lines = [
        {"event": "event_received", "event_id": "e1", "event_type": "Microsoft.Communication.IncomingCall",
         "server_call_id": "s", "actions": ["answer"], "timestamp": "2026-12-01T10:00:00.000Z"},
        {"event": "action_requested", "event_id": "e2", "action": "play", "prompt": "Hello",
         "server_call_id": "s", "call_connection_id": "c", "timestamp": "2026-12-01T10:00:01.000Z"},
        {"event": "event_received", "event_id": "e2", "event_type": "Microsoft.Communication.CallConnected",
         "server_call_id": "s", "call_connection_id": "c", "actions": ["play"],
         "timestamp": "2026-12-01T10:00:01.100Z"},
    ]  # fmt: skip
    steps = from_log_lines([json.dumps(line) for line in lines], server_call_id="s")
    assert [(step.kind, step.name) for step in steps] == [
        ("incoming_call", "IncomingCall"),
        ("action", "answer"),
        ("event", "CallConnected"),
        ("action", "play"),
    ]
    assert steps[3].text == "Hello"  # the DEBUG line's detail is used when the log has it
