"""Redaction: secrets and caller input never reach a log line.

A :class:`Redactor` is a structlog processor. Keys whose names are secret (``token``, ``access_key``,
``incomingCallContext``, the digits a caller pressed, ...) are masked whatever their value; every other string is
scanned once, with one combined pattern, for secret shapes (bearer credentials, JWTs, secret JSON members,
``name=value`` pairs in URLs and connection strings). Known-safe keys (the ids and names Callwright logs itself)
and plain identifiers are not scanned, which keeps an INFO line cheap.

Example::

    redact = Redactor(extra_params=["code"])
    redact(None, "info", {"event": "x", "token": "abc"})   # {"event": "x", "token": "[redacted]"}
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from structlog.typing import EventDict, WrappedLogger

REDACTED = "[redacted]"

# Normalised (lower case, no "_" or "-") key names whose values are always secret, or caller input.
_SECRET_KEYS = frozenset(
    {
        "accesskey",
        "authorization",
        "token",
        "secret",
        "password",
        "connectionstring",
        "incomingcallcontext",
        "apikey",
        "cookie",
        "setcookie",
        # What callers press: PINs, account numbers, read-backs (docs/security.md).
        "digits",
        "tones",
        "dtmf",
        "pin",
        "pins",
    }
)
_SECRET_KEY_SUFFIXES = ("token", "secret", "password", "apikey", "accesskey", "connectionstring", "callcontext", "pin")
# Keys whose values are ids, names and numbers we produce ourselves: never scanned, which keeps INFO lines cheap.
# ("event" is scanned: for stdlib records, such as uvicorn's access lines, it holds the whole message.)
_SAFE_KEYS = frozenset(
    {
        "level",
        "logger",
        "timestamp",
        "call_connection_id",
        "server_call_id",
        "correlation_id",
        "event_id",
        "event_type",
        "channel",
        "flow",
        "action",
        "status",
        "kit",
        "handler",
        "length",
        "attempt",
        "attempts",
        "code",
        "sub_code",
        "received",
        "failed",
        "ms",
    }
)
_UNSCANNED = frozenset({"exc_info", "_record", "_from_structlog"})
_PLAIN = frozenset({str, int, float, bool, type(None)})

_JSON_SECRET_NAMES = (
    "incomingCallContext|incoming_call_context|access_?key|token|secret|password|api_?key|authorization"
)
_DEFAULT_PARAMS = (
    "accesskey",
    "access_key",
    "secret",
    "token",
    "password",
    "pwd",
    "api_key",
    "apikey",
    "sig",
    "key",
    "seed",  # an outbound call's seed token: whoever holds it binds a call to its initial state
)
_MAX_DEPTH = 8


def _secret_pattern(params: Iterable[str]) -> re.Pattern[str]:
    """ONE pattern for every secret shape, so a string is scanned once.

    Alternatives: ``Bearer``/``Basic`` credentials; JWT-shaped values (including the unsigned ``alg: none``
    incomingCallContext, whose signature part is empty); secret JSON members; ``name=value`` in URLs (query
    strings) and connection strings (``endpoint=...;accesskey=...``).
    """
    names = "|".join(sorted({re.escape(name) for name in params}, key=len, reverse=True))
    return re.compile(
        r"(?P<scheme>\b(?i:bearer|basic))\s+[A-Za-z0-9\-_.~+/=]+"
        r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
        rf"|(?P<member>\"(?i:{_JSON_SECRET_NAMES})\"\s*:\s*)\"(?:[^\"\\]|\\.)*\""
        rf"|(?<![A-Za-z0-9_])(?P<param>(?i:{names}))=[^&;\s\"',]+"
    )


def _mask(match: re.Match[str]) -> str:
    if match.group("scheme") is not None:
        return f"{match.group('scheme')} {REDACTED}"
    if match.group("member") is not None:
        return f'{match.group("member")}"{REDACTED}"'
    if match.group("param") is not None:
        return f"{match.group('param')}={REDACTED}"
    return REDACTED


class Redactor:
    """A structlog processor masking secret keys (recursively) and secret-looking patterns in strings.

    Known-safe keys (ids and names Callwright itself logs) are not scanned; everything else is, with one pattern.

    Example::

        redact = Redactor(extra_params=["code"])
        redact(None, "info", {"event": "x", "token": "abc"})   # {"event": "x", "token": "[redacted]"}
    """

    def __init__(self, extra_params: Iterable[str] = ()) -> None:
        self._pattern = _secret_pattern([*_DEFAULT_PARAMS, *extra_params])

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        for key, value in event_dict.items():
            kind = type(value)
            if (key in _SAFE_KEYS and kind in _PLAIN) or key in _UNSCANNED:
                continue
            if _is_secret_key(key):
                event_dict[key] = REDACTED
            elif kind is str:
                # An identifier (event names such as "event_received") cannot hold a secret shape: every pattern
                # needs a space, a dot, a quote or "=".
                if not value.isidentifier():
                    event_dict[key] = self.clean_text(value)
            elif kind not in _PLAIN:
                event_dict[key] = self.clean(value)
        return event_dict

    def clean(self, value: Any, depth: int = 0) -> Any:
        """Return ``value`` with secrets masked; dicts, lists and tuples are rebuilt, other objects kept."""
        if isinstance(value, str):
            return self.clean_text(value)
        if depth >= _MAX_DEPTH:
            return value
        if isinstance(value, Mapping):
            return {
                key: REDACTED if isinstance(key, str) and _is_secret_key(key) else self.clean(item, depth + 1)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return type(value)(self.clean(item, depth + 1) for item in value)
        return value

    def clean_text(self, text: str) -> str:
        """Mask bearer tokens, JWT-shaped strings, ``secret=...`` pairs and secret JSON members in ``text``."""
        return self._pattern.sub(_mask, text)


def redact(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """The default :class:`Redactor` as a plain processor (for ``capture_logs(processors=[redact])``)."""
    return _DEFAULT_REDACTOR(logger, method_name, event_dict)


_DEFAULT_REDACTOR = Redactor()


@functools.lru_cache(maxsize=4096)  # key names are few and repeat on every line
def _is_secret_key(key: str) -> bool:
    normalised = key.lower().replace("_", "").replace("-", "")
    return normalised in _SECRET_KEYS or normalised.endswith(_SECRET_KEY_SUFFIXES)
