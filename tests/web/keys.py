"""Test signing keys: an RSA key pair of our own, its JWKS, and tokens shaped like ACS callback tokens."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://acscallautomation.communication.azure.com"
AUDIENCE = "5f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5"
JWKS_URL = "https://jwks.test/calling/keys"


@dataclass
class Signer:
    """One RSA key pair with a ``kid``; mints RS256 tokens and publishes its public JWK."""

    kid: str
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def mint(self, *, headers: dict[str, Any] | None = None, omit: tuple[str, ...] = (), **claims: Any) -> str:
        now = int(time.time())
        # A jti keeps tokens minted in the same second distinct, as ACS mints a new token for every event.
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        body.update(claims)
        for name in omit:
            body.pop(name, None)
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})})


def unsigned_token(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A hand-built JWT (for ``alg: none`` and algorithm-confusion attacks)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join(
        [part(json.dumps(header).encode()), part(json.dumps(claims).encode()), part(signature) if signature else ""]
    )


@dataclass
class FakeJwks:
    """Our own fake of the JWKS endpoint (an httpx MockTransport): counts fetches and can go down."""

    signers: list[Signer]
    fetches: int = 0
    down: bool = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.down:
            return httpx.Response(503)
        return httpx.Response(200, json={"keys": [signer.jwk() for signer in self.signers]})

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


ClockFn = Callable[[], float]
