"""The emulator's callback signing keys: RS256 JWTs, the JWKS and the OpenID configuration document.

ACS signs every mid-call callback with a fresh RS256 JWT (5-minute lifetime, ``iss`` = the service,
``aud`` = the resource's immutable id) and publishes its keys at ``/calling/keys``. The emulator does the same with
a key pair generated at start, so an app validates emulator callbacks with exactly the code it uses against ACS,
pointed at the emulator's issuer and JWKS URL.

Example::

    issuer = TokenIssuer(issuer="http://127.0.0.1:8090", audience=DEV_RESOURCE_ID)
    token = issuer.mint()
    issuer.rotate()          # new key; old one stays published so in-flight tokens still verify
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

TOKEN_LIFETIME_SECONDS = 300
KEYS_PATH = "/calling/keys"
OPENID_PATH = "/calling/.well-known/acsopenidconfiguration"
_KEYS_KEPT = 3  # published keys after rotations: enough for tokens minted just before a rotation


@dataclass(frozen=True)
class _SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    jwk: dict[str, Any]


def _new_key() -> _SigningKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    # RFC 7638 thumbprint: stable, unique per key, and what many identity providers use as kid.
    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": public_jwk["n"], "e": public_jwk["e"]}
    return _SigningKey(kid=kid, private_key=private_key, jwk=jwk)


class TokenIssuer:
    """Mints callback JWTs and serves the keys that verify them."""

    def __init__(self, issuer: str, audience: str, *, lifetime_seconds: int = TOKEN_LIFETIME_SECONDS) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.lifetime_seconds = lifetime_seconds
        self._keys: list[_SigningKey] = [_new_key()]

    @property
    def kid(self) -> str:
        """The id of the key that signs new tokens."""
        return self._keys[-1].kid

    def mint(self, *, lifetime_seconds: int | None = None) -> str:
        """A fresh RS256 JWT for one callback: ``iss``, ``aud``, ``iat``, ``nbf``, ``exp`` (now + 5 min, or
        ``lifetime_seconds``), ``jti``."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + (self.lifetime_seconds if lifetime_seconds is None else lifetime_seconds),
            "jti": str(uuid.uuid4()),  # RS256 is deterministic: this keeps each callback's token distinct
        }
        key = self._keys[-1]
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def rotate(self) -> str:
        """Add a new key and sign with it from now on; returns its kid. The last few keys stay published."""
        self._keys = [*self._keys, _new_key()][-_KEYS_KEPT:]
        return self.kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(key.jwk) for key in self._keys]}

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}{KEYS_PATH}",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "claims_supported": ["iss", "aud", "iat", "nbf", "exp", "jti"],
        }

    def public_routes(self) -> list[BaseRoute]:
        """``GET /calling/keys`` and ``GET /calling/.well-known/acsopenidconfiguration``."""

        async def keys(_: Request) -> JSONResponse:
            return JSONResponse(self.jwks(), headers={"cache-control": "public, max-age=300"})

        async def openid(_: Request) -> JSONResponse:
            return JSONResponse(self.openid_configuration(), headers={"cache-control": "public, max-age=300"})

        return [
            Route(KEYS_PATH, keys, methods=["GET"]),
            Route(OPENID_PATH, openid, methods=["GET"]),
        ]
