"""Authenticate Event Grid deliveries with a shared secret and an optional subscription allow-list.

Event Grid cannot sign its webhook deliveries with a key of ours, so the subscription carries a secret: either in
the endpoint URL's query string (``?secret=...``, stored encrypted by Event Grid) or in a custom delivery header
marked secret (kept out of URLs and access logs, the CloudEvents webhook spec's preference). Either is accepted.

Example::

    auth = EventGridAuthenticator(secret="s3cret", param="secret", header="x-callwright-secret",
                                  subscriptions=["callwright-incoming"])
    auth.authenticate(query=request.query_params, headers=request.headers)   # raises on failure
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from app.auth.errors import AuthenticationError, ForbiddenError

SUBSCRIPTION_HEADER = "aeg-subscription-name"
EVENT_TYPE_HEADER = "aeg-event-type"
VALIDATION_EVENT_TYPE = "SubscriptionValidation"


class EventGridAuthenticator:
    """Checks the shared secret (query parameter OR header) in constant time, then the subscription name.

    ``secret=None`` fails closed: every request is refused. (To run without a secret, set
    ``allow_unauthenticated_eventgrid`` and the endpoint skips this check entirely.) An empty ``subscriptions``
    list accepts any subscription; otherwise ``aeg-subscription-name`` must be in it, compared case-insensitively
    because Event Grid sends the name upper-cased.

    Example::

        auth = EventGridAuthenticator("s3cret", "secret", "x-callwright-secret", subscriptions=[])
        auth.authenticate(query={"secret": "s3cret"}, headers={})
    """

    def __init__(self, secret: str | None, param: str, header: str, subscriptions: Sequence[str]) -> None:
        self._secret = secret.encode("utf-8") if secret else None
        self.param = param
        self.header = header.lower()
        self._subscriptions = frozenset(name.strip().casefold() for name in subscriptions if name.strip())

    def authenticate(self, *, query: Mapping[str, str], headers: Mapping[str, str]) -> None:
        """Raise :class:`AuthenticationError` (401) or :class:`ForbiddenError` (403); return None when accepted.

        A validation handshake (``aeg-event-type: SubscriptionValidation``) from a subscription outside the
        allow-list gets 403, so the code is never echoed; any other delivery from one gets 401.
        """
        if not self.secret_matches(query=query, headers=headers):
            raise AuthenticationError("missing or wrong Event Grid secret")
        if self._subscriptions:
            name = headers.get(SUBSCRIPTION_HEADER, "").strip().casefold()
            if name not in self._subscriptions:
                if headers.get(EVENT_TYPE_HEADER, "").strip().lower() == VALIDATION_EVENT_TYPE.lower():
                    raise ForbiddenError("unknown Event Grid subscription")
                raise AuthenticationError("unknown Event Grid subscription")

    def secret_matches(self, *, query: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        """True when the query parameter or the header carries the secret."""
        if self._secret is None:
            return False
        candidates = [value for value in (query.get(self.param), headers.get(self.header)) if value is not None]
        matched = False
        for value in candidates:
            # Bytes, because compare_digest refuses non-ASCII str (a TypeError would become a 500).
            matched |= hmac.compare_digest(value.encode("utf-8", "surrogateescape"), self._secret)
        return matched

    def secret_presented(self, *, query: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        """True when the request carries something in the secret's query parameter or header."""
        return query.get(self.param) is not None or headers.get(self.header) is not None
