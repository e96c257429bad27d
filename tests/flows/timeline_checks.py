"""Assertions over a scripted call's timeline, shared by the flow scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from app.diagrams.model import Step
from app.testing.harness import Phone
from app.testing.script import ScriptedCall


def acs_user(phone: Phone, name: str) -> str:
    """An ACS user id of the emulated resource (``8:acs:<resource id>_<name>``)."""
    return f"8:acs:{phone.settings.resource_id}_{name}"


def actions(steps: Sequence[Step], name: str) -> list[Step]:
    """The app's accepted requests named ``name``."""
    return [step for step in steps if step.kind == "action" and step.name == name and not step.failed]


def prompts(steps: Sequence[Step]) -> list[str]:
    """Everything the app played or asked, in order."""
    return [step.text or "" for step in steps if step.kind == "action" and step.name in ("play", "recognize")]


def body(step: Step) -> dict[str, Any]:
    """The JSON body of a request step."""
    found: dict[str, Any] = step.raw["detail"]["body"]
    return found


def ended(steps: Sequence[Step]) -> bool:
    return any(step.kind == "note" and step.name == "call ended" for step in steps)


def assert_clean(steps: Sequence[Step], caplog: pytest.LogCaptureFixture) -> None:
    """ACS accepted every request, the app accepted every callback, and no handler failed."""
    refused = [step.label() for step in steps if step.kind in ("action", "event") and step.failed]
    assert refused == []
    problems = [
        record.msg
        for record in caplog.records
        if record.levelname in ("ERROR", "CRITICAL")
        or (isinstance(record.msg, dict) and record.msg.get("event") == "call_failed_safely")
    ]
    assert problems == []


def actions_after_hang_up(steps: Sequence[Step]) -> list[str]:
    """What the app did after the caller hung up (a clean flow does nothing)."""
    hang_up = next(step for step in steps if step.kind == "party" and step.name == "hang up")
    return [step.label() for step in steps if step.kind == "action" and step.position > hang_up.position]


async def assert_hung_up_cleanly(phone: Phone, call: ScriptedCall, caplog: pytest.LogCaptureFixture) -> None:
    """The caller hung up: the app did nothing afterwards, the call ended, and nothing failed."""
    steps = await call.timeline()
    assert actions_after_hang_up(steps) == []
    assert (await phone.emulator.get_call(call.server_call_id)).state == "ended"
    assert ended(steps)
    assert_clean(steps, caplog)
