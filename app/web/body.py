"""Reading an ``/Events`` body safely: content type, a hard size limit enforced while streaming, strict JSON.

Each failure is a :class:`BodyError` carrying the HTTP status and a short, log-safe message that never echoes
the body.

Example::

    check_content_type(request.headers.get("content-type"))
    raw = await read_limited(request, limit=262_144)
    payload = decode_json(raw)
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request

from app.errors import CallwrightError

ACCEPTED_MEDIA_TYPES = frozenset(
    {"application/json", "application/cloudevents+json", "application/cloudevents-batch+json"}
)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


class BodyError(CallwrightError):
    """The body cannot be accepted: ``status`` (400, 413 or 415), ``code`` and a log-safe ``detail``."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def check_content_type(value: str | None) -> None:
    """Accept JSON and the CloudEvents JSON types (parameters allowed, charset must be UTF-8); else 415."""
    if not value:
        raise BodyError(415, "unsupported_media_type", "Content-Type is required (application/json)")
    media_type, *params = (part.strip() for part in value.split(";"))
    if media_type.lower() not in ACCEPTED_MEDIA_TYPES:
        raise BodyError(415, "unsupported_media_type", "Content-Type must be JSON or CloudEvents JSON")
    for param in params:
        name, _, charset = param.partition("=")
        if name.strip().lower() == "charset" and charset.strip().strip('"').lower() not in _UTF8_NAMES:
            raise BodyError(415, "unsupported_media_type", "only the UTF-8 charset is accepted")


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, refusing (413) as soon as it passes ``limit`` bytes, whether or not it is chunked."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BodyError(400, "bad_content_length", "Content-Length is not a number")
        if int(declared) > limit:
            raise BodyError(413, "body_too_large", f"the body is larger than {limit} bytes")
    # The ASGI messages read directly (what Request.stream does, without its async generator): a callback's body
    # usually arrives in one message.
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyError(413, "body_too_large", f"the body is larger than {limit} bytes")
            if not message.get("more_body", False):
                if not chunks:
                    return bytes(chunk)
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)
        elif kind == "http.disconnect":
            raise BodyError(400, "client_disconnected", "the client went away before the body was complete")


def decode_json(raw: bytes) -> Any:
    """Strict UTF-8 JSON whose top level is an object or an array; anything else is a 400.

    Numbers must be finite (``NaN``, ``Infinity`` and overflowing literals such as ``1e999`` are refused), and
    nesting deeper than the parser's recursion limit is a 400 too.
    """
    if not raw.strip():
        raise BodyError(400, "empty_body", "the body is empty")
    try:
        text = raw.decode("utf-8")
        payload: Any = _DECODER.decode(text)
    except UnicodeDecodeError:
        raise BodyError(400, "invalid_utf8", "the body is not valid UTF-8") from None
    except RecursionError:
        raise BodyError(400, "too_deep", "the JSON is nested too deeply") from None
    except ValueError:
        raise BodyError(400, "malformed_json", "the body is not valid JSON") from None
    if not isinstance(payload, dict | list):
        raise BodyError(400, "not_an_event_batch", "the body must be a JSON array or object")
    return payload


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; a Redis-backed state store would fail to store them later.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses to infinity: as unstorable as a literal Infinity
        raise ValueError(f"{text} is out of range")
    return value


# Built once: json.loads with hooks builds a new decoder for every body.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
