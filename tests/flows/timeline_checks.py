"""Assertions over a scripted call's timeline, shared by the flow scripts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from app.diagrams.model import Step
from app.testing.harness import Phone


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
