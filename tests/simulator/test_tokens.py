"""Callback JWTs validate with PyJWT against the JWKS the emulator serves, as an app would validate ACS's."""

from __future__ import annotations

import httpx
import jwt
import pytest

from simulator.config import DEV_RESOURCE_ID
from tests.simulator.delivery_fixtures import delivery_harness


async def _jwks(base_url: str) -> jwt.PyJWKSet:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base_url}/calling/keys")
    assert response.status_code == 200
    return jwt.PyJWKSet.from_dict(response.json())


async def test_minted_token_validates_against_served_jwks() -> None:
    async with delivery_harness() as h:
        token = h.service.tokens.mint()
        keys = await _jwks(h.base_url)
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "RS256"
        key = next(k for k in keys.keys if k.key_id == header["kid"])
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=h.base_url,
            audience=DEV_RESOURCE_ID,
            options={"require": ["exp", "iss", "aud", "iat", "nbf"]},
        )
        assert claims["exp"] - claims["iat"] == 300
        with pytest.raises(jwt.InvalidAudienceError):
            jwt.decode(token, key.key, algorithms=["RS256"], issuer=h.base_url, audience="someone-else")


async def test_jwks_shape_and_openid_document() -> None:
    async with delivery_harness() as h, httpx.AsyncClient() as client:
        keys = (await client.get(f"{h.base_url}/calling/keys")).json()["keys"]
        doc = (await client.get(f"{h.base_url}/calling/.well-known/acsopenidconfiguration")).json()
    assert [set(k) for k in keys] == [{"kty", "use", "alg", "kid", "n", "e"}]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert doc["issuer"] == h.base_url
    assert doc["jwks_uri"] == f"{h.base_url}/calling/keys"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


async def test_rotate_signs_with_new_key_and_keeps_old_one_published() -> None:
    async with delivery_harness() as h:
        old_token = h.service.tokens.mint()
        old_kid = h.service.tokens.kid
        new_kid = h.service.tokens.rotate()
        new_token = h.service.tokens.mint()
        keys = await _jwks(h.base_url)
    assert new_kid != old_kid
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    published = {k.key_id: k for k in keys.keys}
    assert set(published) == {old_kid, new_kid}
    for token, kid in ((old_token, old_kid), (new_token, new_kid)):
        jwt.decode(token, published[kid].key, algorithms=["RS256"], audience=DEV_RESOURCE_ID, issuer=h.base_url)
