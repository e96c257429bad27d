"""Validate the RS256 bearer token ACS puts on every mid-call callback.

The algorithm (reliability.md §1a): a bounded ``Authorization: Bearer <token>`` header; an unverified header with
``alg == "RS256"`` and a ``kid`` (the token never chooses the algorithm or the key); the key from the cached JWKS;
then ``jwt.decode`` pinned to RS256 with issuer, audience (the ACS immutable resource id) and a required ``exp``.

Example::

    validator = CallbackTokenValidator(issuer=ACS_JWT_ISSUER, audience=resource_id, jwks_url=ACS_JWKS_URL, http=http)
    await validator.prefetch()
    claims = await validator.validate(request.headers.get("authorization"))
"""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from app.auth.errors import AuthenticationError
from app.auth.jwks import JwksCache

Claims = dict[str, Any]

MAX_AUTHORIZATION_BYTES = 16 * 1024
_ALGORITHM = "RS256"

# Fixed, log-safe reasons: never include token content.
_DECODE_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.MissingRequiredClaimError, "missing required claim"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
)


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
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.jwks = jwks or JwksCache(jwks_url, http)

    async def prefetch(self) -> bool:
        """Load the signing keys at startup; never raises (see :meth:`JwksCache.prefetch`)."""
        return await self.jwks.prefetch()

    def ready(self) -> bool:
        """True once signing keys are loaded (for ``/readyz``)."""
        return self.jwks.ready()

    async def validate(self, authorization_header: str | None) -> Claims:
        """Return the verified claims, or raise ``AuthenticationError`` (401) / ``AuthUnavailableError`` (503)."""
        token = _bearer_token(authorization_header)
        try:
            header = jwt.get_unverified_header(token)
        except Exception:  # any garbage in the token is the sender's problem, never a 500
            raise AuthenticationError("malformed token") from None
        if header.get("alg") != _ALGORITHM:
            raise AuthenticationError("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("token has no kid")
        key = await self.jwks.get_key(kid)
        if key is None:
            raise AuthenticationError("unknown signing key")
        try:
            claims: Claims = jwt.decode(
                token,
                key,
                algorithms=[_ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise AuthenticationError(_reason(error)) from None
        except Exception:
            raise AuthenticationError("invalid token") from None
        return claims


def _bearer_token(header: str | None) -> str:
    if header is None:
        raise AuthenticationError("missing Authorization header")
    if len(header) > MAX_AUTHORIZATION_BYTES:
        raise AuthenticationError("Authorization header too large")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(char.isspace() for char in token):
        raise AuthenticationError("not a bearer token")
    return token


def _reason(error: jwt.PyJWTError) -> str:
    for kind, reason in _DECODE_REASONS:
        if isinstance(error, kind):
            return reason
    return "invalid token"
