"""One RS256 compact JWT, decoded once: its segments, its signature (verified with ``cryptography`` through PyJWT's
RS256 algorithm), and the registered claims ACS callback tokens carry.

Why not ``jwt.decode``: PyJWT re-validates every segment character by character in Python before it decodes it,
which costs about three times the RSA verification itself, on every callback. The caller has already checked the
token's shape with one regular expression (:func:`app.auth.jwt.bearer_token`), so each segment is decoded once, with
the same strictness (canonical unpadded base64url, JSON objects only).

The claim rules are PyJWT's, for the options Callwright uses: ``exp`` required (expired when ``exp <= now -
leeway``), ``nbf`` and ``iat`` checked when present (not yet valid when ``> now + leeway``), each a JSON number;
``iss`` equal to the expected issuer; ``aud`` a string or a list of strings containing the expected audience.

Example::

    header = read_header(token)                          # {"alg": "RS256", "kid": "..."}
    claims, signature = verify(token, public_key, issuer=ISSUER, audience=AUDIENCE, leeway=60, now=time.time())
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from app.auth.errors import AuthenticationError

Claims = dict[str, Any]

_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)
_TIME_CLAIMS = ("exp", "nbf", "iat")


def read_header(token: str) -> dict[str, Any]:
    """The token's JOSE header, a JSON object; :class:`AuthenticationError` when it is not one."""
    return _json_object(token.partition(".")[0])


def verify(
    token: str, key: RSAPublicKey, *, issuer: str, audience: str, leeway: float, now: float
) -> tuple[Claims, bytes]:
    """Verify ``token``'s RS256 signature with ``key``, then its claims; return the claims and the raw signature.

    Raises :class:`AuthenticationError` with a fixed, log-safe reason (never token content).
    """
    signing_input, _, encoded_signature = token.rpartition(".")
    signature = _segment(encoded_signature)
    if not _RS256.verify(signing_input.encode("ascii"), key, signature):
        raise AuthenticationError("bad signature")
    claims = _json_object(signing_input.partition(".")[2])
    check_claims(claims, issuer=issuer, audience=audience, leeway=leeway, now=now)
    return claims, signature


def check_claims(claims: Claims, *, issuer: str, audience: str, leeway: float, now: float) -> None:
    """The registered-claim rules of the module docstring."""
    for name in _TIME_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise AuthenticationError(f"the {name} claim is not a number")
    for name in ("exp", "iss", "aud"):
        if name not in claims:
            raise AuthenticationError("missing required claim")
    if claims["exp"] <= now - leeway:
        raise AuthenticationError("token expired")
    for name in ("nbf", "iat"):
        if name in claims and claims[name] > now + leeway:
            raise AuthenticationError("token not yet valid")
    if not isinstance(claims["iss"], str) or claims["iss"] != issuer:
        raise AuthenticationError("wrong issuer")
    aud = claims["aud"]
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences):
        raise AuthenticationError("wrong audience")
    if audience not in audiences:
        raise AuthenticationError("wrong audience")


def _segment(segment: str) -> bytes:
    """Canonical unpadded base64url only: a segment that would decode to the same bytes from another spelling (stray
    bits in its last character) is refused, as PyJWT refuses it."""
    try:
        decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        canonical = base64.urlsafe_b64encode(decoded).rstrip(b"=") == segment.encode("ascii")
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        raise AuthenticationError("malformed token") from None
    if not canonical:
        raise AuthenticationError("malformed token")
    return decoded


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_segment(segment))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise AuthenticationError("malformed token") from None
    if not isinstance(value, dict):
        raise AuthenticationError("malformed token")
    return value
