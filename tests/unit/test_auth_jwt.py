"""CallbackTokenValidator: the ACS callback JWT rules of docs/security.md, with our own RSA keys."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest

from app.auth import AuthenticationError, AuthUnavailableError, CallbackTokenValidator, JwksCache
from app.auth.jwt import MAX_AUTHORIZATION_BYTES
from tests.web.keys import AUDIENCE, ISSUER, JWKS_URL, FakeClock, FakeJwks, Signer, unsigned_token


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(kid="key-1")


@pytest.fixture(scope="module")
def intruder() -> Signer:
    return Signer(kid="key-1")  # same kid, different key: a forged signature


@pytest.fixture
def jwks(signer: Signer) -> FakeJwks:
    return FakeJwks([signer])


@pytest.fixture
async def http(jwks: FakeJwks) -> AsyncIterator[httpx.AsyncClient]:
    async with jwks.client() as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def validator(http: httpx.AsyncClient, clock: FakeClock) -> CallbackTokenValidator:
    return CallbackTokenValidator(
        ISSUER, AUDIENCE, JWKS_URL, http, leeway=60, jwks=JwksCache(JWKS_URL, http, clock=clock)
    )


async def reason_of(validator: CallbackTokenValidator, header: str | None) -> str:
    with pytest.raises(AuthenticationError) as caught:
        await validator.validate(header)
    assert caught.value.status_code == 401
    return caught.value.reason


async def test_valid_token_is_accepted(validator: CallbackTokenValidator, signer: Signer) -> None:
    claims = await validator.validate(f"Bearer {signer.mint(sub='acs')}")
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == "acs"


async def test_scheme_is_case_insensitive(validator: CallbackTokenValidator, signer: Signer) -> None:
    assert (await validator.validate(f"bearer {signer.mint()}"))["iss"] == ISSUER


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing Authorization header"),
        ("", "not a bearer token"),
        ("Basic dXNlcjpwYXNz", "not a bearer token"),
        ("Bearer", "not a bearer token"),
        ("Bearer a b", "not a bearer token"),
        ("Bearer not-a-jwt", "malformed token"),
        ("Bearer ....", "malformed token"),
        ("Bearer eyJ!!.eyJ.x", "malformed token"),
        ("Bearer " + "A" * (MAX_AUTHORIZATION_BYTES + 1), "Authorization header too large"),
    ],
)
async def test_bad_headers_are_refused(validator: CallbackTokenValidator, header: str | None, reason: str) -> None:
    assert await reason_of(validator, header) == reason


async def test_forged_signature_is_refused(validator: CallbackTokenValidator, intruder: Signer) -> None:
    assert await reason_of(validator, f"Bearer {intruder.mint()}") == "bad signature"


async def test_expired_beyond_leeway_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    token = signer.mint(exp=int(time.time()) - 120)
    assert await reason_of(validator, f"Bearer {token}") == "token expired"


async def test_expired_within_leeway_is_accepted(validator: CallbackTokenValidator, signer: Signer) -> None:
    token = signer.mint(exp=int(time.time()) - 20)
    assert (await validator.validate(f"Bearer {token}"))["iss"] == ISSUER


async def test_not_yet_valid_beyond_leeway_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    token = signer.mint(nbf=int(time.time()) + 600, exp=int(time.time()) + 900)
    assert await reason_of(validator, f"Bearer {token}") == "token not yet valid"


@pytest.mark.parametrize("audience", ["00000000-0000-0000-0000-000000000000", AUDIENCE[:-1], AUDIENCE.upper()])
async def test_wrong_audience_is_refused(validator: CallbackTokenValidator, signer: Signer, audience: str) -> None:
    assert await reason_of(validator, f"Bearer {signer.mint(aud=audience)}") == "wrong audience"


@pytest.mark.parametrize("issuer", ["https://evil.example.com", ISSUER[:-1], ISSUER + ".evil.com", "https://acs"])
async def test_wrong_issuer_is_refused(validator: CallbackTokenValidator, signer: Signer, issuer: str) -> None:
    assert await reason_of(validator, f"Bearer {signer.mint(iss=issuer)}") == "wrong issuer"


@pytest.mark.parametrize("claim", ["exp", "iss", "aud"])
async def test_required_claims(validator: CallbackTokenValidator, signer: Signer, claim: str) -> None:
    assert await reason_of(validator, f"Bearer {signer.mint(omit=(claim,))}") == "missing required claim"


async def test_alg_none_is_refused_before_any_key_lookup(validator: CallbackTokenValidator, jwks: FakeJwks) -> None:
    token = unsigned_token({"alg": "none", "typ": "JWT", "kid": "key-1"}, {"iss": ISSUER, "aud": AUDIENCE})
    assert await reason_of(validator, f"Bearer {token}") == "algorithm not allowed"
    assert jwks.fetches == 0


async def test_hs256_keyed_with_the_public_pem_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": "key-1"}
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300}
    unsigned = unsigned_token(header, claims).rstrip(".")
    signature = hmac.new(signer.public_pem(), unsigned.encode(), hashlib.sha256).digest()
    forged = unsigned_token(header, claims, signature)
    assert await reason_of(validator, f"Bearer {forged}") == "algorithm not allowed"


async def test_rs512_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    import jwt

    token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60}, signer.key, "RS512", {"kid": "key-1"}
    )
    assert await reason_of(validator, f"Bearer {token}") == "algorithm not allowed"


async def test_missing_kid_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    import jwt

    token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60}, signer.key, "RS256")
    assert await reason_of(validator, f"Bearer {token}") == "token has no kid"


async def test_unknown_kid_refreshes_once_then_401(
    validator: CallbackTokenValidator, signer: Signer, jwks: FakeJwks, clock: FakeClock
) -> None:
    assert await validator.prefetch() is True
    clock.advance(31)  # past the refresh cooldown, so an unknown kid may trigger one refresh
    stranger = Signer(kid="key-unknown", key=signer.key)
    assert await reason_of(validator, f"Bearer {stranger.mint()}") == "unknown signing key"
    assert jwks.fetches == 2
    assert await reason_of(validator, f"Bearer {stranger.mint()}") == "unknown signing key"
    assert jwks.fetches == 2  # the second one is inside the cooldown: no fetch


async def test_cached_keys_survive_a_jwks_outage(
    validator: CallbackTokenValidator, signer: Signer, jwks: FakeJwks, clock: FakeClock
) -> None:
    await validator.prefetch()
    jwks.down = True
    clock.advance(3600)  # TTL long gone: a refresh is tried, fails, and the last good keys are kept
    assert (await validator.validate(f"Bearer {signer.mint()}"))["aud"] == AUDIENCE
    assert jwks.fetches == 2


async def test_never_fetched_and_jwks_down_is_unavailable(
    validator: CallbackTokenValidator, signer: Signer, jwks: FakeJwks
) -> None:
    jwks.down = True
    assert await validator.prefetch() is False
    assert validator.ready() is False
    with pytest.raises(AuthUnavailableError) as caught:
        await validator.validate(f"Bearer {signer.mint()}")
    assert caught.value.retry_after == 5


async def test_unknown_kid_while_jwks_down_is_unavailable_not_401(
    validator: CallbackTokenValidator, signer: Signer, jwks: FakeJwks, clock: FakeClock
) -> None:
    await validator.prefetch()
    jwks.down = True
    clock.advance(31)
    with pytest.raises(AuthUnavailableError):
        await validator.validate(f"Bearer {Signer(kid='rotated', key=signer.key).mint()}")


async def test_keys_stale_past_the_limit_are_unavailable(signer: Signer, jwks: FakeJwks, clock: FakeClock) -> None:
    async with jwks.client() as http:
        cache = JwksCache(JWKS_URL, http, clock=clock, max_stale=600)
        validator = CallbackTokenValidator(ISSUER, AUDIENCE, JWKS_URL, http, jwks=cache)
        await validator.prefetch()
        jwks.down = True
        clock.advance(601)
        with pytest.raises(AuthUnavailableError):
            await validator.validate(f"Bearer {signer.mint()}")


async def test_key_rotation_is_picked_up(validator: CallbackTokenValidator, jwks: FakeJwks, clock: FakeClock) -> None:
    await validator.prefetch()
    rotated = Signer(kid="key-2")
    jwks.signers = [rotated]
    clock.advance(31)
    assert (await validator.validate(f"Bearer {rotated.mint()}"))["iss"] == ISSUER
    assert jwks.fetches == 2


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
async def test_time_claims_must_be_numbers(validator: CallbackTokenValidator, signer: Signer, claim: str) -> None:
    values = {"exp": "9999999999", "nbf": str(int(time.time()) - 10), "iat": str(int(time.time()))}
    assert await reason_of(validator, f"Bearer {signer.mint(**{claim: values[claim]})}") == (
        f"the {claim} claim is not a number"
    )


async def test_boolean_exp_is_not_a_number(validator: CallbackTokenValidator, signer: Signer) -> None:
    assert await reason_of(validator, f"Bearer {signer.mint(exp=True)}") in {
        "the exp claim is not a number",
        "token expired",
    }


async def test_the_key_is_looked_up_again_after_the_key_set_changes(
    validator: CallbackTokenValidator, signer: Signer, jwks: FakeJwks, clock: FakeClock
) -> None:
    await validator.validate(f"Bearer {signer.mint()}")
    await validator.validate(f"Bearer {signer.mint()}")
    assert jwks.fetches == 1  # the second token's header was remembered
    jwks.signers = [Signer(kid="key-1")]  # rotated: same kid, new key
    clock.advance(301)  # the key set is due for a refresh
    assert await reason_of(validator, f"Bearer {signer.mint()}") == "bad signature"
    assert jwks.fetches == 2


async def test_an_audience_list_must_contain_ours(validator: CallbackTokenValidator, signer: Signer) -> None:
    assert (await validator.validate(f"Bearer {signer.mint(aud=['other', AUDIENCE])}"))["aud"] == ["other", AUDIENCE]
    assert await reason_of(validator, f"Bearer {signer.mint(aud=['other'])}") == "wrong audience"
    assert await reason_of(validator, f"Bearer {signer.mint(aud=[AUDIENCE, 7])}") == "wrong audience"


async def test_an_issued_at_in_the_future_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    assert await reason_of(validator, f"Bearer {signer.mint(iat=int(time.time()) + 600)}") == "token not yet valid"


async def test_a_critical_header_extension_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    token = signer.mint(headers={"crit": ["exp"], "exp": 1})
    assert await reason_of(validator, f"Bearer {token}") == "unsupported critical header"


async def test_a_signed_payload_that_is_not_an_object_is_refused(
    validator: CallbackTokenValidator, signer: Signer
) -> None:
    token = jwt.api_jws.PyJWS().encode(b"[1, 2]", signer.key, algorithm="RS256", headers={"kid": signer.kid})
    assert await reason_of(validator, f"Bearer {token}") == "malformed token"


async def test_a_signature_spelled_another_way_is_refused(validator: CallbackTokenValidator, signer: Signer) -> None:
    """The last base64url character of a 256-byte signature carries 4 unused bits: flipping one spells the same bytes
    differently. The token is refused, as a replay under another spelling would otherwise pass as new text."""
    token = signer.mint()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]
    assert await reason_of(validator, f"Bearer {respelled}") == "malformed token"
