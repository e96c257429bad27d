"""Business hours: parsing, open/closed, holidays, time zones (DST and day boundaries), overrides, `when=` use."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from app import CallActions, Router
from app.testing.fakes import Answer, CallScript, make_app, make_settings
from config.ivr import IvrSettings, OpeningSpan, parse_hours
from config.settings import SettingsError, load_settings
from handlers import CLOCK, BusinessHours, closed_now, open_now

LONDON = ZoneInfo("Europe/London")


def london(text: str = "mon-fri 09:00-17:00,sat 10:00-14:00", holidays: tuple[date, ...] = ()) -> BusinessHours:
    return BusinessHours(LONDON, parse_hours(text), holidays)


def test_parse_hours_expands_ranges_and_midnight() -> None:
    spans = parse_hours("mon-wed 09:00-17:00, sun 10:00-24:00")
    assert [span.day for span in spans] == [0, 1, 2, 6]
    assert spans[-1] == OpeningSpan(day=6, start=time(10), end=None)
    assert [span.day for span in parse_hours("sat-mon 08:00-12:00")] == [5, 6, 0]


@pytest.mark.parametrize("bad", ["mon 9-17", "xyz 09:00-17:00", "mon 25:00-26:00", "mon 09:00"])
def test_parse_hours_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_hours(bad)


def test_open_and_closed_on_weekdays_and_weekends() -> None:
    hours = london()
    assert hours.is_open(datetime(2026, 1, 7, 10, 0, tzinfo=UTC))  # Wednesday 10:00 GMT
    assert not hours.is_open(datetime(2026, 1, 7, 17, 0, tzinfo=UTC))  # closing time is exclusive
    assert hours.is_open(datetime(2026, 1, 10, 13, 59, tzinfo=UTC))  # Saturday
    assert not hours.is_open(datetime(2026, 1, 11, 12, 0, tzinfo=UTC))  # Sunday


def test_holidays_close_the_whole_local_day() -> None:
    hours = london(holidays=(date(2026, 12, 25),))
    assert not hours.is_open(datetime(2026, 12, 25, 11, 0, tzinfo=UTC))  # a Friday
    assert hours.is_open(datetime(2026, 12, 24, 11, 0, tzinfo=UTC))


def test_time_zone_edges_follow_local_time() -> None:
    hours = london()
    # Summer: 16:30 UTC is 17:30 BST in London, after closing; 08:30 UTC is 09:30 BST, open.
    assert not hours.is_open(datetime(2026, 7, 1, 16, 30, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 7, 1, 8, 30, tzinfo=UTC))
    # Friday 23:30 in New York is Saturday 04:30 in London: closed (Saturday opens at 10:00).
    assert not hours.is_open(datetime(2026, 1, 9, 23, 30, tzinfo=ZoneInfo("America/New_York")))
    # Monday 00:30 in Tokyo is Sunday 15:30 in London: closed; Monday 18:30 in Tokyo is 09:30 in London: open.
    assert not hours.is_open(datetime(2026, 1, 12, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo")))
    assert hours.is_open(datetime(2026, 1, 12, 18, 30, tzinfo=ZoneInfo("Asia/Tokyo")))


def test_overnight_spans_cover_the_next_morning() -> None:
    hours = BusinessHours(ZoneInfo("UTC"), parse_hours("fri 22:00-02:00"))
    assert hours.is_open(datetime(2026, 1, 9, 23, 0, tzinfo=UTC))  # Friday night
    assert hours.is_open(datetime(2026, 1, 10, 1, 59, tzinfo=UTC))  # Saturday early morning
    assert not hours.is_open(datetime(2026, 1, 10, 2, 0, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 1, 9, 1, 0, tzinfo=UTC))  # Friday early morning


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        london().is_open(datetime(2026, 1, 7, 10, 0))


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWRIGHT_IVR_TIMEZONE", "Europe/London")
    monkeypatch.setenv("CALLWRIGHT_IVR_HOURS", "mon-fri 09:00-17:00,sat 10:00-14:00")
    monkeypatch.setenv("CALLWRIGHT_IVR_HOLIDAYS", "2026-12-25,2027-01-01")
    monkeypatch.setenv("CALLWRIGHT_IVR_FORCE_OPEN", "false")
    monkeypatch.setenv("CALLWRIGHT_IVR_CONFERENCE_PINS", "1111:room-a,2222:room-b")
    ivr = IvrSettings()
    assert ivr.zone == LONDON
    assert len(ivr.hours) == 6
    assert ivr.holidays == (date(2026, 12, 25), date(2027, 1, 1))
    assert ivr.force_open is False
    assert ivr.conference_pins == {"1111": "room-a", "2222": "room-b"}


def test_settings_reject_a_bad_zone_and_never_echo_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="IANA"):
        IvrSettings(timezone="Mars/Olympus")
    monkeypatch.setenv("CALLWRIGHT_IVR_CONFERENCE_PINS", "98765-room")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "CALLWRIGHT_IVR_CONFERENCE_PINS" in str(caught.value)
    assert "98765" not in str(caught.value)


def test_force_open_wins_over_the_clock() -> None:
    sunday = {CLOCK: lambda: datetime(2026, 1, 11, 12, 0, tzinfo=UTC)}
    assert not open_now(make_settings(), sunday)
    assert open_now(make_settings(force_open=True), sunday)
    assert closed_now(make_settings(force_open=False), {CLOCK: lambda: datetime(2026, 1, 7, 10, tzinfo=UTC)})


@pytest.mark.parametrize(
    ("now", "expected"),
    [(datetime(2026, 1, 7, 10, 0, tzinfo=UTC), "open"), (datetime(2026, 12, 25, 10, 0, tzinfo=UTC), "closed")],
)
async def test_predicates_work_in_when_with_an_injected_clock(now: datetime, expected: str) -> None:
    router = Router(name=f"tkh-{expected}")

    @router.incoming_call(when=closed_now)
    async def closed(call: CallActions) -> None:
        await call.answer(context="closed")

    @router.incoming_call(when=open_now)
    async def opened(call: CallActions) -> None:
        await call.answer(context="open")

    settings = make_settings(timezone="Europe/London", holidays=(date(2026, 12, 25),))
    app, acs = make_app(settings, router, extras={CLOCK: lambda: now})
    script = CallScript(app, acs)
    await script.incoming(to="+18005550100")
    assert script.last == Answer(expected, flow=f"tkh-{expected}")
