"""Business-hours kit: is the line open now? Weekly hours, holidays and time zone come from ``settings.ivr``.

``open_now`` and ``closed_now`` are ``when=`` predicates (they ask for ``settings`` and ``extras``)::

    @router.incoming_call(to=SUPPORT, when=closed_now)
    async def answer_closed(call: CallActions) -> None:
        await call.answer(context=Closed())

Overrides, in order: ``CALLWRIGHT_IVR_FORCE_OPEN=true|false``, then a clock passed to the app as
``create_app(..., extras={"clock": lambda: datetime(2026, 12, 25, 10, tzinfo=UTC)})``; otherwise the system clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from config.ivr import IvrSettings, OpeningSpan
from config.settings import Settings

CLOCK = "clock"
"""The ``extras`` key of an injectable clock: a callable returning an aware ``datetime``."""

Clock = Callable[[], datetime]


class BusinessHours:
    """Opening hours in one time zone; ``is_open(at)`` is pure, so it is easy to test.

    Example::

        hours = BusinessHours.from_settings(settings.ivr)
        hours.is_open(datetime(2026, 7, 1, 16, 30, tzinfo=UTC))   # False in Europe/London (17:30 BST)
    """

    def __init__(self, zone: ZoneInfo, spans: Iterable[OpeningSpan], holidays: Iterable[date] = ()) -> None:
        self.zone = zone
        self.spans = tuple(spans)
        self.holidays = frozenset(holidays)

    @classmethod
    def from_settings(cls, ivr: IvrSettings) -> BusinessHours:
        return cls(ivr.zone, ivr.hours, ivr.holidays)

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` (an aware datetime, any zone) falls inside the hours and is not a local holiday."""
        if at.tzinfo is None:
            raise ValueError("is_open needs an aware datetime (with a time zone)")
        local = at.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        now, today = local.time(), local.weekday()
        return any(_covers(span, today, now) for span in self.spans)


def _covers(span: OpeningSpan, today: int, now: time) -> bool:
    overnight = span.end is not None and span.end <= span.start
    if span.day == today:
        return now >= span.start and (overnight or span.end is None or now < span.end)
    # The morning part of a span that started yesterday evening ("fri 22:00-02:00" covers Saturday 01:00).
    return overnight and (span.day + 1) % 7 == today and span.end is not None and now < span.end


def open_now(settings: Settings, extras: Mapping[str, Any] | None = None) -> bool:
    """``when=`` predicate: the line is open (honours ``force_open`` and an ``extras["clock"]``)."""
    ivr = settings.ivr
    if ivr.force_open is not None:
        return ivr.force_open
    clock: Clock | None = (extras or {}).get(CLOCK)
    at = clock() if clock is not None else datetime.now(UTC)
    return BusinessHours.from_settings(ivr).is_open(at)


def closed_now(settings: Settings, extras: Mapping[str, Any] | None = None) -> bool:
    """``when=`` predicate: the opposite of :func:`open_now`."""
    return not open_now(settings, extras)
