"""HMAC-SHA256 request authentication exactly as the SDK signs
(https://learn.microsoft.com/rest/api/communication/authentication).

Example::

    verify_request(method="GET", targets=["/calling/callConnections/x?api-version=2026-03-12"], headers=headers,
                   body=b"", access_key=key, hosts=["127.0.0.1:8090"], now=time.time())
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac as _hmac
import re
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from simulator.world.errors import AcsError

MAX_SKEW_SECONDS = 15 * 60
_PREFIX = "HMAC-SHA256 "


def _unauthorized(detail: str) -> AcsError:
    return AcsError(401, 7509, f"HMAC validation failed: {detail}")


def content_hash(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def sign(method: str, target: str, date: str, host: str, body_hash: str, access_key: str) -> str:
    """The signature the SDK computes for one request."""
    string_to_sign = f"{method.upper()}\n{target}\n{date};{host};{body_hash}"
    key = base64.b64decode(access_key)
    return base64.b64encode(_hmac.new(key, string_to_sign.encode(), hashlib.sha256).digest()).decode()


def verify_request(
    *,
    method: str,
    targets: Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    hosts: Iterable[str],
    now: float,
) -> None:
    """Raise AcsError(401, 7509) unless the request carries a valid signature for one of ``hosts``."""
    authorization = headers.get("authorization", "")
    date = headers.get("x-ms-date", "")
    claimed_hash = headers.get("x-ms-content-sha256", "")
    if not authorization.startswith(_PREFIX):
        raise _unauthorized("missing or malformed Authorization header.")
    fields = dict(part.partition("=")[::2] for part in authorization[len(_PREFIX) :].split("&"))
    if fields.get("SignedHeaders", "").lower() != "x-ms-date;host;x-ms-content-sha256":
        raise _unauthorized("SignedHeaders must be x-ms-date;host;x-ms-content-sha256.")
    signature = fields.get("Signature", "")
    if not date or not claimed_hash or not signature:
        raise _unauthorized("x-ms-date, x-ms-content-sha256 and Signature are required.")
    try:
        signed_at = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        raise _unauthorized("x-ms-date is not an RFC 1123 date.") from None
    if abs(now - signed_at) > MAX_SKEW_SECONDS:
        raise _unauthorized("x-ms-date is more than 15 minutes away from the current time.")
    if not _hmac.compare_digest(claimed_hash, content_hash(body)):
        raise _unauthorized("x-ms-content-sha256 does not match the request body.")
    try:
        for target in targets:
            for host in hosts:
                expected = sign(method, target, date, host, claimed_hash, access_key)
                if _hmac.compare_digest(expected, signature):
                    return
    except (binascii.Error, ValueError):
        raise _unauthorized("the emulator's access key is not base64.") from None
    raise _unauthorized("signature mismatch.")


_ACTION_SEGMENT = re.compile(r"^[^:]*:[A-Za-z]+$")


def candidate_targets(path: str, query: str) -> list[str]:
    """Request targets the SDK may have signed: as received, and with each path segment percent-encoded the way
    the SDK builds it. Some transports (aiohttp/yarl) send ``4:+1555...`` where the SDK signed ``4%3A%2B1555...``.
    """
    suffix = "?" + query if query else ""
    segments = []
    for segment in path.split("/"):
        decoded = unquote(segment)
        if _ACTION_SEGMENT.match(decoded):
            resource, _, action = decoded.partition(":")
            segments.append(f"{quote(resource, safe='')}:{action}")
        else:
            segments.append(quote(unquote(segment), safe=""))
    encoded = "/".join(segments)
    return [path + suffix] if encoded == path else [path + suffix, encoded + suffix]


def candidate_hosts(host_header: str | None, public_url_host: str | None, bind_host: str) -> list[str]:
    """Hosts the SDK may have signed with: the endpoint it was given, with or without a trailing ``/``."""
    hosts: list[str] = []
    for host in (host_header, public_url_host, bind_host):
        if host and host not in hosts:
            hosts.extend([host, host + "/"])
    return hosts
