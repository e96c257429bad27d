"""Settings of the IVR building blocks (business hours, conference PINs, voicemail), read from ``CALLWRIGHT_IVR_*``.

Example::

    CALLWRIGHT_IVR_TIMEZONE=Europe/London
    CALLWRIGHT_IVR_HOURS=mon-fri 09:00-17:00,sat 10:00-14:00
    CALLWRIGHT_IVR_HOLIDAYS=2026-12-25,2027-01-01
    CALLWRIGHT_IVR_FORCE_OPEN=true
    CALLWRIGHT_IVR_CONFERENCE_PINS=1234:room-standup,5678:room-ops
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")
_PIN = re.compile(r"^\d{3,12}$")
_ROOM = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class OpeningSpan(BaseModel):
    """One day's opening: ``day`` 0 = Monday; ``end`` ``None`` means midnight; ``end <= start`` runs overnight."""

    model_config = ConfigDict(frozen=True)

    day: int = Field(ge=0, le=6)
    start: time
    end: time | None = None


def parse_hours(text: str) -> tuple[OpeningSpan, ...]:
    """``"mon-fri 09:00-17:00,sat 10:00-14:00"`` → one span per day; ``24:00`` is midnight; empty = always closed.

    Example::

        parse_hours("sat 10:00-14:00")   # (OpeningSpan(day=5, start=10:00, end=14:00),)
    """
    spans: list[OpeningSpan] = []
    for item in (part.strip().lower() for part in text.split(",")):
        if not item:
            continue
        found = _SPAN.match(item)
        if found is None:
            raise ValueError(f"{item!r} is not like 'mon-fri 09:00-17:00'")
        first, last, start, end = found.groups()
        days = _day_range(first, last or first)
        begin, finish = _clock(start, midnight_ok=False), _clock(end, midnight_ok=True)
        spans.extend(OpeningSpan(day=day, start=begin, end=finish) for day in days)
    return tuple(spans)


def _day_range(first: str, last: str) -> list[int]:
    for name in (first, last):
        if name not in DAYS:
            raise ValueError(f"{name!r} is not a day ({', '.join(DAYS)})")
    start, stop = DAYS.index(first), DAYS.index(last)
    count = (stop - start) % 7 + 1  # "sat-mon" wraps over the weekend
    return [(start + offset) % 7 for offset in range(count)]


def _clock(text: str, *, midnight_ok: bool) -> time | None:
    hours, minutes = (int(part) for part in text.split(":"))
    if midnight_ok and (hours, minutes) == (24, 0):
        return None
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"{text!r} is not a time of day (00:00-23:59, or 24:00 as an end)")
    return time(hours, minutes)


def _pairs(value: object, label: str) -> object:
    if not isinstance(value, str):
        return value
    pairs: dict[str, str] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        pin, _, room = item.partition(":")
        if not _PIN.match(pin.strip()) or not _ROOM.match(room.strip()):
            # The entry itself holds a PIN: never echo it.
            raise ValueError(f"an entry is not like '1234:room-standup' ({label})")
        pairs[pin.strip()] = room.strip()
    return pairs


class IvrSettings(BaseSettings):
    """IVR kit settings (``CALLWRIGHT_IVR_*``); the sample flows in ``flows/`` read them as ``settings.ivr``."""

    model_config = SettingsConfigDict(env_prefix="CALLWRIGHT_IVR_", env_file=".env", extra="ignore")

    # --- Business hours -----------------------------------------------------------------------------------------
    timezone: str = "UTC"
    hours: Annotated[tuple[OpeningSpan, ...], NoDecode] = Field(
        default_factory=lambda: parse_hours("mon-fri 09:00-17:00")
    )
    holidays: Annotated[tuple[date, ...], NoDecode] = ()
    force_open: bool | None = None
    """``true``/``false`` overrides the clock (tests, demos, an emergency closure); unset follows the hours."""

    # --- Prompts ------------------------------------------------------------------------------------------------------
    # Attempts and timeouts are per kit (``Menu(max_attempts=..., timeout_s=...)``), not global settings.
    hold_music_url: str | None = None
    """A WAV file played to callers on hold while a specialist is added; unset plays a spoken hold message."""

    # --- Voicemail --------------------------------------------------------------------------------------------------
    voicemail_max_seconds: int = Field(default=120, ge=5, le=300)

    # --- Conference bridge --------------------------------------------------------------------------------------------
    conference_pins: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {"1234": "room-standup", "5678": "room-ops"}
    )
    conference_host_pins: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {"9999": "room-standup", "8888": "room-ops"}
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/London") from None
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: object) -> object:
        return parse_hours(value) if isinstance(value, str) else value

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(date.fromisoformat(item.strip()) for item in value.split(",") if item.strip())
        return value

    @field_validator("conference_pins", mode="before")
    @classmethod
    def _guest_pins(cls, value: object) -> object:
        return _pairs(value, "CALLWRIGHT_IVR_CONFERENCE_PINS")

    @field_validator("conference_host_pins", mode="before")
    @classmethod
    def _host_pins(cls, value: object) -> object:
        return _pairs(value, "CALLWRIGHT_IVR_CONFERENCE_HOST_PINS")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
