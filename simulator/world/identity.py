"""Communication identifiers as raw ids, and the ids the emulator mints.

Example::

    who = Identifier("4:+15551230001")
    who.kind            # "phoneNumber"
    who.to_wire()       # {"kind": "phoneNumber", "rawId": "4:+15551230001", "phoneNumber": {"value": "+15551230001"}}
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

_ACS_PREFIXES = ("8:acs:", "8:spool:", "8:dod-acs:", "8:gcch-acs:")
_TEAMS_USER_PREFIXES = {"8:orgid:": "public", "8:dod:": "dod", "8:gcch:": "gcch", "8:teamsvisitor:": "public"}
_TEAMS_APP_PREFIXES = {
    "28:orgid:": "public",
    "28:dod:": "dod",
    "28:gcch:": "gcch",
    "28:dod-global:": "dod",
    "28:gcch-global:": "gcch",
}
E164 = re.compile(r"^\+[1-9]\d{5,14}$")
_UNSIGNED_JWT_HEADER = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"


@dataclass(frozen=True)
class Identifier:
    """A participant identity, keyed by its raw id."""

    raw_id: str

    @property
    def kind(self) -> str:
        raw = self.raw_id
        if raw.startswith("4:"):
            return "phoneNumber"
        if raw.startswith(_ACS_PREFIXES):
            return "communicationUser"
        if raw.startswith(tuple(_TEAMS_USER_PREFIXES)):
            return "microsoftTeamsUser"
        if raw.startswith(tuple(_TEAMS_APP_PREFIXES)):
            return "microsoftTeamsApp"
        return "unknown"

    @property
    def is_phone(self) -> bool:
        return self.kind == "phoneNumber"

    @property
    def phone_number(self) -> str:
        return self.raw_id[2:] if self.is_phone else ""

    def to_wire(self) -> dict[str, Any]:
        """The CommunicationIdentifierModel ACS puts in responses and events (always ``kind`` and ``rawId``)."""
        kind = self.kind
        model: dict[str, Any] = {"kind": kind, "rawId": self.raw_id}
        if kind == "phoneNumber":
            model["phoneNumber"] = {"value": self.phone_number}
        elif kind == "communicationUser":
            model["communicationUser"] = {"id": self.raw_id}
        elif kind == "microsoftTeamsUser":
            prefix = next(p for p in _TEAMS_USER_PREFIXES if self.raw_id.startswith(p))
            model["microsoftTeamsUser"] = {
                "userId": self.raw_id[len(prefix) :],
                "isAnonymous": prefix == "8:teamsvisitor:",
                "cloud": _TEAMS_USER_PREFIXES[prefix],
            }
        elif kind == "microsoftTeamsApp":
            prefix = next(p for p in _TEAMS_APP_PREFIXES if self.raw_id.startswith(p))
            model["microsoftTeamsApp"] = {"appId": self.raw_id[len(prefix) :], "cloud": _TEAMS_APP_PREFIXES[prefix]}
        return model

    @classmethod
    def phone(cls, number: str) -> Identifier:
        return cls(f"4:{number}")

    @classmethod
    def parse_loose(cls, text: str) -> Identifier:
        """A raw id, or a bare E.164 number (``"+1555..."`` → ``4:+1555...``); the control API accepts both."""
        text = text.strip()
        if E164.match(text):
            return cls.phone(text)
        return cls(text)


def resource_identity(resource_id: str) -> Identifier:
    """The resource's own ACS identity: how the app appears in the roster of calls it holds without a ``source``.

    Real ACS lists such an ``8:acs:<resource>_<guid>`` user in PSTN calls (the DTMF live-test capture). The guid is
    derived from the resource id, so it is the same on every start.
    """
    return Identifier(f"8:acs:{resource_id}_{uuid.uuid5(uuid.NAMESPACE_URL, resource_id)}")


def mint_user_id(resource_id: str) -> str:
    """An ACS user raw id with exactly one underscore after the resource id (see
    https://learn.microsoft.com/azure/communication-services/concepts/identifiers)."""
    return f"8:acs:{resource_id}_{uuid.uuid4()}"


def mint_guid() -> str:
    return str(uuid.uuid4())


def mint_server_call_id() -> str:
    """A URL-safe base64 string shaped like a real serverCallId (``aHR0cHM6Ly9h...``)."""
    conversation = secrets.token_urlsafe(16)
    text = f"https://api.flightproxy.skype.com/api/v2/cp/conv-usea-01.conv.skype.com/conv/{conversation}?i=10"
    text += "&" * ((3 - len(text) % 3) % 3)  # a multiple of 3 bytes: no padding
    return base64.urlsafe_b64encode(text.encode()).decode()


def mint_incoming_call_context(server_call_id: str) -> str:
    """An opaque string shaped like the real one: an unsigned JWT."""
    payload = {"cc": secrets.token_urlsafe(24), "shrToken": secrets.token_urlsafe(12), "scid": server_call_id}
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{_UNSIGNED_JWT_HEADER}.{body}."
