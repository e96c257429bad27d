from __future__ import annotations
from collections.abc import Sequence
import pytest
from app.testing.harness import Phone

@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.appointment_reminder"]

@pytest.fixture(autouse=True)
def _tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    return None

async def test_explore(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    call = await phone.trigger("appointment_reminder", to="+15555550150", caller_id="+18005550103", state={"appointment": "Tuesday at 3 PM"})
    await call.expect_prompt(contains="Tuesday at 3 PM")
    await call.press("1")
    await call.expect_prompt(contains="confirmed")
    await call.expect_hangup()
    busy = await phone.trigger("appointment_reminder", to="+15555550486", caller_id="+18005550103", state={"appointment": "Tuesday at 3 PM"})
    await busy.expect_event("CreateCallFailed")
    await busy.expect_hangup()
    for c in (call, busy):
        await c.timeline()
        print(c.format())
    for s in call.steps:
        if s.name == "createCall": print(s.raw)
    print([r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "reminder_outcome"])
    assert 0
