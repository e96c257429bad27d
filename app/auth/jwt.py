"""Validate the RS256 bearer token ACS puts on every mid-call callback.

The algorithm (docs/security.md): a bounded ``Authorization: Bearer <token>`` header; the token's own header must
say ``alg == "RS256"`` and carry a ``kid`` (the token never chooses the algorithm or the key); the key from the
cached JWKS; then the RS256 signature and the claims (:mod:`app.auth.compact_jwt`): issuer, audience (the ACS
immutable resource id) and a required ``exp``. Time claims (``exp``, ``nbf``, ``iat``) must be JSON numbers.

Per event, the token header is parsed once: the key it names is remembered per header (ACS signs every callback
with the same few headers), until the key set changes or is due for a refresh.

Example::

    validator = CallbackTokenValidator(issuer=ACS_JWT_ISSUER, audience=resource_id, jwks_url=ACS_JWKS_URL, http=http)
    await validator.prefetch()
    claims = await validator.validate(request.headers.get("authorization"))
    token = await validator.verify(request.headers.get("authorization"))   # claims + fingerprint + expiry
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from app.auth import compact_jwt
from app.auth.compact_jwt import Claims
from app.auth.errors import AuthenticationError
from app.auth.jwks import JwksCache

MAX_AUTHORIZATION_BYTES = 16 * 1024
_ALGORITHM = "RS256"
_BEARER = re.compile(r"\s*[Bb][Ee][Aa][Rr][Ee][Rr]\s+(\S+)\s*")
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_HEADERS_REMEMBERED = 64  # ACS uses one header per signing key; forged headers only evict each other


@dataclass(frozen=True)
class VerifiedToken:
    """A callback token that passed every check.

    ``fingerprint`` identifies the token by its decoded signature (so re-encodings of the same token, which
    base64 allows, share it); ``expires_at`` is its ``exp`` (Unix seconds).
    """

    claims: Claims
    fingerprint: bytes
    expires_at: float


class CallbackTokenValidator:
    """Checks callback JWTs against the ACS JWKS. One instance per process (it owns the key cache).

    Example::

        validator = CallbackTokenValidator(issuer, audience, jwks_url, http, leeway=60)
        try:
            claims = await validator.validate(header)
        except AuthUnavailableError:   # 503 + Retry-After
            ...
        except AuthenticationError:    # 401
            ...
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str,
        http: httpx.AsyncClient,
        leeway: int = 60,
        *,
        jwks: JwksCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.jwks = jwks or JwksCache(jwks_url, http)
        self._keys_by_header: OrderedDict[str, tuple[int, RSAPublicKey]] = OrderedDict()
        self._clock = clock

    async def prefetch(self) -> bool:
        """Load the signing keys at startup; never raises (see :meth:`JwksCache.prefetch`)."""
        return await self.jwks.prefetch()

    def ready(self) -> bool:
        """True once signing keys are loaded (for ``/readyz``)."""
        return self.jwks.ready()

    async def validate(self, authorization_header: str | None) -> Claims:
        """Return the verified claims, or raise ``AuthenticationError`` (401) / ``AuthUnavailableError`` (503)."""
        return (await self.verify(authorization_header)).claims

    async def verify(self, authorization_header: str | None) -> VerifiedToken:
        """Like :meth:`validate`, with the token's fingerprint and expiry (for replay protection)."""
        token = bearer_token(authorization_header)
        key = await self._key_for(token.partition(".")[0])
        claims, signature = compact_jwt.verify(
            token, key, issuer=self.issuer, audience=self.audience, leeway=self.leeway, now=self._clock()
        )
        return VerifiedToken(claims, hashlib.sha256(signature).digest(), float(claims["exp"]))

    async def _key_for(self, header_segment: str) -> RSAPublicKey:
        remembered = self._keys_by_header.get(header_segment)
        if remembered is not None and remembered[0] == self.jwks.generation and self.jwks.fresh():
            self._keys_by_header.move_to_end(header_segment)
            return remembered[1]
        header = compact_jwt.read_header(header_segment)
        if header.get("alg") != _ALGORITHM:
            raise AuthenticationError("algorithm not allowed")
        if "crit" in header:  # RFC 7515 4.1.11: extensions we do not understand make the token invalid
            raise AuthenticationError("unsupported critical header")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("token has no kid")
        key = await self.jwks.get_key(kid)
        if key is None:
            raise AuthenticationError("unknown signing key")
        self._keys_by_header[header_segment] = (self.jwks.generation, key)
        while len(self._keys_by_header) > _HEADERS_REMEMBERED:
            self._keys_by_header.popitem(last=False)
        return key


def bearer_token(header: str | None) -> str:
    """The JWT in ``Authorization: Bearer <jwt>``, or :class:`AuthenticationError` (its shape checked once).

    Example::

        bearer_token("Bearer eyJ...")   # "eyJ..."
    """
    if header is None:
        raise AuthenticationError("missing Authorization header")
    if len(header) > MAX_AUTHORIZATION_BYTES:
        raise AuthenticationError("Authorization header too large")
    found = _BEARER.fullmatch(header)
    if found is None:
        raise AuthenticationError("not a bearer token")
    token = found.group(1)
    if not _JWT_SHAPE.fullmatch(token):
        raise AuthenticationError("malformed token")
    return token
