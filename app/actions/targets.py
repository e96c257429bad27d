"""Turn what flows write (``"+15555550150"``, ``"8:acs:..."``, identifiers) into SDK identifiers."""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from azure.communication.callautomation import (
    CommunicationIdentifier,
    CommunicationUserIdentifier,
    PhoneNumberIdentifier,
)

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

Target = "str | CommunicationIdentifier | SupportsSdkIdentifier"


@runtime_checkable
class SupportsSdkIdentifier(Protocol):
    """Anything that converts itself, such as the identifiers on typed events."""

    def to_sdk(self) -> CommunicationIdentifier: ...


def as_identifier(target: str | CommunicationIdentifier | SupportsSdkIdentifier) -> CommunicationIdentifier:
    """``"+15555550150"`` or ``"4:+1..."`` → phone number; ``"8:acs:..."`` → ACS user; identifiers pass through.

    Example::

        as_identifier("+15555550150")        # PhoneNumberIdentifier("+15555550150")
    """
    if not isinstance(target, str):  # str first: a runtime Protocol check costs tens of microseconds
        return target.to_sdk() if isinstance(target, SupportsSdkIdentifier) else target
    value = target.strip()
    if value.startswith("4:"):
        value = value[2:]
    if _E164.match(value):
        return PhoneNumberIdentifier(value)
    if value.startswith("8:"):
        return CommunicationUserIdentifier(value)
    raise ValueError(f"{target!r} is neither an E.164 number (+15555550150) nor an ACS user id (8:acs:...)")


def as_phone_number(number: str | PhoneNumberIdentifier) -> PhoneNumberIdentifier:
    """A caller id: must be an E.164 number owned by the ACS resource."""
    if isinstance(number, PhoneNumberIdentifier):
        return number
    identifier = as_identifier(number)
    if not isinstance(identifier, PhoneNumberIdentifier):
        raise ValueError(f"caller id {number!r} must be a phone number such as +18005550100")
    return identifier


def raw_id(identifier: CommunicationIdentifier) -> str:
    return str(identifier.raw_id)
