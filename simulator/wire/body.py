"""Typed access to a JSON request body; every problem is a 400/8523 ACS error naming the field."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from simulator.world.errors import invalid


def parse_json(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object ({} when empty); 400/8523 when it is not one."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid("the request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise invalid("the request body must be a JSON object.")
    return data


class Body:
    """Field getters with type checks.

    Example::

        body = Body({"callbackUri": "https://app/events"})
        body.url("callbackUri", required=True)
    """

    def __init__(self, data: dict[str, Any], prefix: str = "") -> None:
        self.data = data
        self._prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self._prefix}{key}"

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            raise invalid(f"'{self._name(key)}' is required.")
        return value

    def text(self, key: str, *, required: bool = False, max_length: int = 5000) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value):
            raise invalid(f"'{self._name(key)}' must be a non-empty string.")
        if len(value) > max_length:
            raise invalid(f"'{self._name(key)}' is longer than {max_length} characters.")
        return value

    def url(self, key: str, *, required: bool = False) -> str | None:
        value = self.text(key, required=required, max_length=2048)
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise invalid(f"'{self._name(key)}' must be an absolute http(s) URL.")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise invalid(f"'{self._name(key)}' must be a boolean.")
        return value

    def number(self, key: str, *, minimum: float, maximum: float) -> float | None:
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not minimum <= value <= maximum:
            raise invalid(f"'{self._name(key)}' must be a number between {minimum:g} and {maximum:g}.")
        return float(value)

    def obj(self, key: str, *, required: bool = False) -> Body | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise invalid(f"'{self._name(key)}' must be an object.")
        return Body(value, f"{self._name(key)}.")

    def array(self, key: str, *, required: bool = False, non_empty: bool = False) -> list[Any] | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, list) or (non_empty and not value):
            raise invalid(f"'{self._name(key)}' must be a {'non-empty ' if non_empty else ''}list.")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or value.lower() not in {a.lower() for a in allowed}:
            raise invalid(f"'{self._name(key)}' must be one of {', '.join(allowed)}.")
        return next(a for a in allowed if a.lower() == value.lower())
