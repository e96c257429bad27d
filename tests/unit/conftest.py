"""Shared helpers for the unit tests: realistic event payloads and a small event factory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.events import CallEvent, parse_event

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "events"
CALL_ID = "2c006980-8ef1-46c2-84fa-357fefac0893"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def load() -> Callable[[str], Any]:
    """``load("callbacks_play.json")`` → the decoded JSON body."""
    return load_fixture


@pytest.fixture
def make_event() -> Callable[..., CallEvent]:
    """Build a typed callback event: ``make_event(PlayFailed, operationContext="bye", resultInformation={...})``."""
    counter = iter(range(1, 1_000_000))

    def build(cls: type[CallEvent], **data: Any) -> CallEvent:
        payload = {"callConnectionId": CALL_ID, **data}
        item = {
            "id": f"evt-{next(counter)}",
            "type": cls.TYPE,
            "source": f"calling/callConnections/{CALL_ID}",
            "specversion": "1.0",
            "data": payload,
        }
        return parse_event(item)

    return build
