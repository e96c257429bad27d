from __future__ import annotations
from collections.abc import Sequence
from typing import Any
import pytest
from app.testing.harness import Phone

@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.support_line"]

@pytest.fixture
def callwright_settings() -> dict[str, Any]:
    return {"ivr.force_open": True}

async def test_explore(phone: Phone) -> None:
    call = await phone.dial("+18005550100", from_="+15551230001")
    await call.expect_prompt(contains="For English")
    await call.press("2")
    await call.expect_prompt(contains="Para facturación")
    await call.press("1")
    await call.expect_prompt(contains="cuenta existente")
    await call.press("1")
    await call.expect_prompt(contains="ocho dígitos")
    await call.press("12345678#")
    await call.expect_prompt(contains="You entered 1 2 3")
    await call.press("1")
    await call.expect_transfer(to="+18005550199")
    await call.expect_event("CallTransferAccepted")
    await call.expect_hangup()
    await call.timeline()
    print(call.format())
    for s in call.steps:
        if s.name in ("transfer","recognize"):
            print(s.raw)
    assert 0
