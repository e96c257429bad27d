"""JwksCache: refresh rate limits and the key filters, counting fetches on our own fake JWKS endpoint."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from app.auth import AuthenticationError, CallbackTokenValidator, JwksCache
from tests.web.keys import AUDIENCE, ISSUER, JWKS_URL, FakeClock, FakeJwks, Signer


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(kid="key-1")


async def test_flood_of_random_kids_fetches_at_most_once_per_30s(signer: Signer) -> None:
    jwks, clock = FakeJwks([signer]), FakeClock()
    async with jwks.client() as http:
        validator = CallbackTokenValidator(
            ISSUER, AUDIENCE, JWKS_URL, http, jwks=JwksCache(JWKS_URL, http, clock=clock)
        )
        await validator.prefetch()
        for window in range(3):
            clock.advance(30)
            forged = [Signer(kid=str(uuid.uuid4()), key=signer.key).mint() for _ in range(50)]
            results = await asyncio.gather(
                *(validator.validate(f"Bearer {token}") for token in forged), return_exceptions=True
            )
            assert all(isinstance(result, AuthenticationError) for result in results)
            assert jwks.fetches == 1 + (window + 1)  # the prefetch, then one per 30 s window
        # The genuine key kept working throughout.
        assert (await validator.validate(f"Bearer {signer.mint()}"))["aud"] == AUDIENCE


async def test_concurrent_first_requests_share_one_fetch(signer: Signer) -> None:
    jwks = FakeJwks([signer])
    async with jwks.client() as http:
        validator = CallbackTokenValidator(ISSUER, AUDIENCE, JWKS_URL, http)
        tokens = [signer.mint() for _ in range(20)]
        await asyncio.gather(*(validator.validate(f"Bearer {token}") for token in tokens))
    assert jwks.fetches == 1


async def test_ttl_expiry_refetches(signer: Signer) -> None:
    jwks, clock = FakeJwks([signer]), FakeClock()
    async with jwks.client() as http:
        cache = JwksCache(JWKS_URL, http, clock=clock, ttl=300)
        await cache.prefetch()
        assert await cache.get_key("key-1") is not None
        clock.advance(299)
        await cache.get_key("key-1")
        assert jwks.fetches == 1
        clock.advance(2)
        await cache.get_key("key-1")
        assert jwks.fetches == 2


async def test_outage_retries_are_rate_limited(signer: Signer) -> None:
    jwks, clock = FakeJwks([signer]), FakeClock()
    jwks.down = True
    async with jwks.client() as http:
        cache = JwksCache(JWKS_URL, http, clock=clock, retry_after=5)
        for _ in range(10):
            assert await cache.prefetch() is False
        assert jwks.fetches == 1
        clock.advance(5)
        jwks.down = False
        assert await cache.prefetch() is True
        assert jwks.fetches == 2


def document(*keys: dict[str, Any]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200, json={"keys": keys})))


async def test_only_rsa_signing_keys_are_kept(signer: Signer) -> None:
    good = signer.jwk()
    entries = [
        good,
        {**good, "kid": "enc", "use": "enc"},
        {**good, "kid": "rs512", "alg": "RS512"},
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        {**good, "kid": ""},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not-an-object",
    ]
    async with document(*entries) as http:  # type: ignore[arg-type]  # deliberately malformed entries
        cache = JwksCache(JWKS_URL, http)
        assert await cache.prefetch() is True
        assert await cache.get_key("key-1") is not None
        for kid in ("enc", "rs512", "hmac", "broken"):
            assert await cache.get_key(kid) is None


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"not json"),
        httpx.Response(200, json={"keys": "nope"}),
        httpx.Response(200, json=[]),
        httpx.Response(200, json={"keys": []}),
        httpx.Response(404),
    ],
)
async def test_bad_documents_leave_the_cache_empty(response: httpx.Response) -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda request: response)) as http:
        cache = JwksCache(JWKS_URL, http)
        assert await cache.prefetch() is False
        assert cache.ready() is False


async def test_connection_errors_leave_the_cache_empty() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        cache = JwksCache(JWKS_URL, http)
        assert await cache.prefetch() is False
