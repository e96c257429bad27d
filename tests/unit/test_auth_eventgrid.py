"""EventGridAuthenticator: the shared secret by query or header, and the subscription allow-list."""

from __future__ import annotations

import pytest

from app.auth import AuthenticationError, EventGridAuthenticator, ForbiddenError

SECRET = "s3cret-value"


@pytest.fixture
def auth() -> EventGridAuthenticator:
    return EventGridAuthenticator(SECRET, "secret", "X-Callwright-Secret", subscriptions=["callwright-incoming"])


def headers(**extra: str) -> dict[str, str]:
    return {"aeg-subscription-name": "CALLWRIGHT-INCOMING", "aeg-event-type": "Notification", **extra}


def test_secret_in_query_is_accepted(auth: EventGridAuthenticator) -> None:
    auth.authenticate(query={"secret": SECRET}, headers=headers())


def test_secret_in_header_is_accepted(auth: EventGridAuthenticator) -> None:
    # The header name is matched in lower case, as ASGI servers deliver it.
    auth.authenticate(query={}, headers=headers(**{"x-callwright-secret": SECRET}))


def test_one_matching_channel_is_enough(auth: EventGridAuthenticator) -> None:
    auth.authenticate(query={"secret": "old"}, headers=headers(**{"x-callwright-secret": SECRET}))


@pytest.mark.parametrize(
    ("query", "extra"),
    [
        ({}, {}),
        ({"secret": "wrong"}, {}),
        ({"secret": SECRET[:-1]}, {}),
        ({"secret": SECRET + "x"}, {}),
        ({"secret": ""}, {}),
        ({"secret": "sëcret-välue"}, {}),  # non-ASCII must not crash compare_digest
        ({}, {"x-callwright-secret": "wrong"}),
        ({"other": SECRET}, {}),
    ],
)
def test_wrong_or_missing_secret_is_401(
    auth: EventGridAuthenticator, query: dict[str, str], extra: dict[str, str]
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        auth.authenticate(query=query, headers=headers(**extra))
    assert caught.value.status_code == 401
    assert SECRET not in caught.value.reason


def test_unknown_subscription_is_401(auth: EventGridAuthenticator) -> None:
    with pytest.raises(AuthenticationError) as caught:
        auth.authenticate(query={"secret": SECRET}, headers=headers(**{"aeg-subscription-name": "OTHER"}))
    assert caught.value.status_code == 401


def test_missing_subscription_header_is_401(auth: EventGridAuthenticator) -> None:
    with pytest.raises(AuthenticationError):
        auth.authenticate(query={"secret": SECRET}, headers={"aeg-event-type": "Notification"})


def test_unknown_subscription_on_validation_is_403(auth: EventGridAuthenticator) -> None:
    with pytest.raises(ForbiddenError) as caught:
        auth.authenticate(
            query={"secret": SECRET},
            headers=headers(**{"aeg-subscription-name": "OTHER", "aeg-event-type": "SubscriptionValidation"}),
        )
    assert caught.value.status_code == 403


def test_empty_allow_list_accepts_any_subscription() -> None:
    auth = EventGridAuthenticator(SECRET, "secret", "x-callwright-secret", subscriptions=[])
    auth.authenticate(query={"secret": SECRET}, headers={"aeg-subscription-name": "ANYTHING"})


def test_no_configured_secret_fails_closed() -> None:
    auth = EventGridAuthenticator(None, "secret", "x-callwright-secret", subscriptions=[])
    with pytest.raises(AuthenticationError):
        auth.authenticate(query={"secret": ""}, headers={})
    assert auth.secret_matches(query={"secret": "anything"}, headers={}) is False


def test_secret_presented(auth: EventGridAuthenticator) -> None:
    assert auth.secret_presented(query={"secret": "x"}, headers={}) is True
    assert auth.secret_presented(query={}, headers={"x-callwright-secret": "x"}) is True
    assert auth.secret_presented(query={}, headers={}) is False
