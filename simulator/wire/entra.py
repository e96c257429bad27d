"""Microsoft Entra ID bearer tokens on the REST API, as ACS accepts them from a managed identity.

Off unless the emulator is started with ``--entra-issuer`` and ``--entra-jwks`` (a JWKS file with the issuer's public
keys). Then ``Authorization: Bearer <JWT>`` is accepted alongside HMAC when the token:

* is RS256-signed by a key of that JWKS (by ``kid``);
* has ``iss`` equal to the configured issuer and ``aud`` ``https://communication.azure.com`` (the audience Entra
  gives tokens for the scope ``https://communication.azure.com//.default``, with or without a trailing ``/``);
* is within ``nbf``/``exp`` (5 minutes of skew) and names the identity (``oid``).

What it does not model: role assignments on the resource (ACS answers 403 when the identity has none) and tenant
discovery. Failures answer 401 with subcode 7501 (invalid token), as ACS does.

Example::

    verifier = EntraTokenVerifier.from_file("https://login.microsoftonline.com/<tenant>/v2.0", "jwks.json")
    claims = verifier.verify(request.headers["authorization"])
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from simulator.world.errors import AcsError

AUDIENCES = ("https://communication.azure.com", "https://communication.azure.com/")
LEEWAY_SECONDS = 300
BEARER = "Bearer "


def _invalid(detail: str) -> AcsError:
    return AcsError(401, 7501, f"Invalid token: {detail}", headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class EntraTokenVerifier:
    """Checks Entra-style access tokens against one issuer and its published keys (see the module docstring)."""

    issuer: str
    keys: dict[str, Any]

    @classmethod
    def from_file(cls, issuer: str, jwks_path: str) -> EntraTokenVerifier:
        """Load the issuer's JWKS (``{"keys": [...]}``) from a file; ValueError if it holds no RS256 key."""
        document = json.loads(Path(jwks_path).read_text())
        keys = {jwk["kid"]: jwt.PyJWK(jwk, algorithm="RS256").key for jwk in document.get("keys", []) if jwk.get("kid")}
        if not keys:
            raise ValueError(f"{jwks_path} holds no signing key with a kid")
        return cls(issuer=issuer, keys=keys)

    def verify(self, authorization: str) -> dict[str, Any]:
        """The token's claims, or AcsError(401, 7501)."""
        token = authorization[len(BEARER) :].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _invalid("not a JWT.") from None
        if header.get("alg") != "RS256":
            raise _invalid("the token must be RS256-signed.")
        key = self.keys.get(str(header.get("kid")))
        if key is None:
            raise _invalid("unknown signing key.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=list(AUDIENCES),
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "oid"]},
            )
        except jwt.ExpiredSignatureError:
            raise _invalid("the token has expired.") from None
        except jwt.PyJWTError as error:
            raise _invalid(f"{error}.") from None
        return claims
