"""Authentication of inbound traffic on ``/Events``: ACS callback JWTs and Event Grid shared secrets.

Example::

    from app.auth import CallbackTokenValidator, EventGridAuthenticator, AuthenticationError
"""

from app.auth.compact_jwt import Claims
from app.auth.errors import AuthenticationError, AuthUnavailableError, ForbiddenError
from app.auth.eventgrid import EventGridAuthenticator
from app.auth.jwks import JwksCache
from app.auth.jwt import CallbackTokenValidator

__all__ = [
    "AuthUnavailableError",
    "AuthenticationError",
    "CallbackTokenValidator",
    "Claims",
    "EventGridAuthenticator",
    "ForbiddenError",
    "JwksCache",
]
