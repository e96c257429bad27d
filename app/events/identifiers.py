"""The wire ``CommunicationIdentifierModel``: who is calling, who was dialed, who joined.

ACS sends ``rawId`` plus at most one detail object, and usually ``kind`` (requests from the SDK omit it). Missing
``rawId`` is rebuilt from the detail object and missing ``kind`` is derived from the ``rawId`` prefix, following the
SDK's own rules (``4:`` phone, ``8:acs:`` ACS user, ``8:orgid:`` Teams user, ``28:`` Teams app, ...).

Example::

    who = Identifier.model_validate({"rawId": "4:+15555550123"})
    who.kind            # "phoneNumber"
    who.phone_number    # "+15555550123"
    who.to_sdk()        # PhoneNumberIdentifier("+15555550123")
"""

from __future__ import annotations

import re
from typing import Any

from azure.communication.callautomation import (
    CommunicationCloudEnvironment,
    CommunicationIdentifier,
    CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier,
    MicrosoftTeamsUserIdentifier,
    PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier,
    UnknownIdentifier,
)
from pydantic import Field, model_validator

from app.events.wire import WireModel

PHONE_NUMBER = "phoneNumber"
COMMUNICATION_USER = "communicationUser"
MICROSOFT_TEAMS_USER = "microsoftTeamsUser"
MICROSOFT_TEAMS_APP = "microsoftTeamsApp"
TEAMS_EXTENSION_USER = "teamsExtensionUser"
UNKNOWN = "unknown"

_ACS_PREFIXES = ("8:acs:", "8:dod-acs:", "8:gcch-acs:")
_TEAMS_USER_PREFIXES = {"8:orgid:": "PUBLIC", "8:dod:": "DOD", "8:gcch:": "GCCH", "8:teamsvisitor:": "PUBLIC"}
_TEAMS_APP_PREFIXES = {"28:orgid:": "PUBLIC", "28:dod:": "DOD", "28:gcch:": "GCCH"}
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


class CommunicationUserDetails(WireModel):
    id: str


class PhoneNumberDetails(WireModel):
    value: str
    is_anonymous: bool | None = None
    asserted_id: str | None = None


class TeamsUserDetails(WireModel):
    user_id: str
    is_anonymous: bool | None = None
    cloud: str | None = None


class TeamsAppDetails(WireModel):
    app_id: str
    cloud: str | None = None


class TeamsExtensionUserDetails(WireModel):
    user_id: str
    tenant_id: str
    resource_id: str
    cloud: str | None = None


class Identifier(WireModel):
    """A participant identity as ACS sends it (``rawId``, ``kind`` and one detail object).

    Example::

        event.from_.raw_id        # "4:+15555550123"
        event.from_.phone_number  # "+15555550123", or None for ACS users and anonymous callers
    """

    raw_id: str
    kind: str = UNKNOWN
    communication_user: CommunicationUserDetails | None = None
    phone_number_details: PhoneNumberDetails | None = Field(default=None, alias="phoneNumber")
    microsoft_teams_user: TeamsUserDetails | None = None
    microsoft_teams_app: TeamsAppDetails | None = None
    teams_extension_user: TeamsExtensionUserDetails | None = None

    @model_validator(mode="before")
    @classmethod
    def _complete(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        data = dict(value)
        if not isinstance(data.get("rawId", data.get("raw_id")), str):
            data.pop("raw_id", None)
            data["rawId"] = _raw_id_from_details(data)
        if not isinstance(data.get("kind"), str):
            data["kind"] = _kind_from_details(data) or kind_of_raw_id(data["rawId"])
        return data

    @property
    def phone_number(self) -> str | None:
        """The E.164 number for a phone participant; None for other kinds and for anonymous callers."""
        if self.phone_number_details is not None:
            candidate = self.phone_number_details.value
        elif self.raw_id.startswith("4:"):
            candidate = self.raw_id[2:].split("_", 1)[0]
        else:
            return None
        return candidate if _E164.match(candidate) else None

    @property
    def is_phone(self) -> bool:
        return self.kind == PHONE_NUMBER

    def matches(self, value: str) -> bool:
        """True when ``value`` is this identity's raw id or its E.164 number."""
        return value == self.raw_id or (self.phone_number is not None and value == self.phone_number)

    def to_sdk(self) -> CommunicationIdentifier:
        """The SDK identifier, ready for ``transfer_call_to_participant``, ``add_participant``, ..."""
        raw_id = self.raw_id
        if self.kind == PHONE_NUMBER:
            value = self.phone_number_details.value if self.phone_number_details else raw_id.removeprefix("4:")
            return PhoneNumberIdentifier(value, raw_id=raw_id)
        if self.kind == COMMUNICATION_USER:
            return CommunicationUserIdentifier(self.communication_user.id if self.communication_user else raw_id)
        if self.kind == MICROSOFT_TEAMS_USER:
            return self._teams_user(raw_id)
        if self.kind == MICROSOFT_TEAMS_APP:
            app = self.microsoft_teams_app
            app_id, cloud = (app.app_id, app.cloud) if app else _split_prefixed(raw_id, _TEAMS_APP_PREFIXES)
            return MicrosoftTeamsAppIdentifier(app_id, cloud=_cloud(cloud), raw_id=raw_id)
        if self.kind == TEAMS_EXTENSION_USER and self.teams_extension_user is not None:
            ext = self.teams_extension_user
            return TeamsExtensionUserIdentifier(
                user_id=ext.user_id,
                tenant_id=ext.tenant_id,
                resource_id=ext.resource_id,
                cloud=_cloud(ext.cloud),
                raw_id=raw_id,
            )
        return UnknownIdentifier(raw_id)

    def _teams_user(self, raw_id: str) -> CommunicationIdentifier:
        user = self.microsoft_teams_user
        if user is not None:
            return MicrosoftTeamsUserIdentifier(
                user.user_id, is_anonymous=bool(user.is_anonymous), cloud=_cloud(user.cloud), raw_id=raw_id
            )
        user_id, cloud = _split_prefixed(raw_id, _TEAMS_USER_PREFIXES)
        anonymous = raw_id.startswith("8:teamsvisitor:")
        return MicrosoftTeamsUserIdentifier(user_id, is_anonymous=anonymous, cloud=_cloud(cloud), raw_id=raw_id)


def kind_of_raw_id(raw_id: str) -> str:
    """The wire ``kind`` implied by a raw id prefix (the SDK's ``identifier_from_raw_id`` rules)."""
    if raw_id.startswith("4:"):
        return PHONE_NUMBER
    if raw_id.startswith("28:"):
        return MICROSOFT_TEAMS_APP
    if raw_id.startswith(tuple(_TEAMS_USER_PREFIXES)):
        return MICROSOFT_TEAMS_USER
    if raw_id.startswith(_ACS_PREFIXES):
        # <resourceId>_<tenantId>_<userId> is a Teams extension user; <resourceId>_<user> an ACS user.
        suffix = raw_id.split(":", 2)[2]
        return TEAMS_EXTENSION_USER if len(suffix.split("_")) == 3 else COMMUNICATION_USER
    if raw_id.startswith("8:spool:"):
        return COMMUNICATION_USER
    return UNKNOWN


def _kind_from_details(data: dict[str, Any]) -> str | None:
    for key in (PHONE_NUMBER, COMMUNICATION_USER, MICROSOFT_TEAMS_USER, MICROSOFT_TEAMS_APP, TEAMS_EXTENSION_USER):
        if isinstance(data.get(key), dict):
            return key
    return None


def _raw_id_from_details(data: dict[str, Any]) -> str:
    phone, user = data.get(PHONE_NUMBER), data.get(COMMUNICATION_USER)
    teams_user, teams_app = data.get(MICROSOFT_TEAMS_USER), data.get(MICROSOFT_TEAMS_APP)
    if isinstance(phone, dict) and isinstance(phone.get("value"), str):
        return "4:" + str(phone["value"])
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return str(user["id"])
    if isinstance(teams_user, dict) and isinstance(teams_user.get("userId"), str):
        if teams_user.get("isAnonymous") is True:
            return "8:teamsvisitor:" + str(teams_user["userId"])
        return _cloud_prefix(teams_user.get("cloud"), _TEAMS_USER_PREFIXES) + str(teams_user["userId"])
    if isinstance(teams_app, dict) and isinstance(teams_app.get("appId"), str):
        return _cloud_prefix(teams_app.get("cloud"), _TEAMS_APP_PREFIXES) + str(teams_app["appId"])
    raise ValueError("identifier has neither rawId nor a recognised detail object")


def _cloud_prefix(cloud: object, prefixes: dict[str, str]) -> str:
    wanted = cloud.upper() if isinstance(cloud, str) else "PUBLIC"
    for prefix, name in prefixes.items():
        if name == wanted and "visitor" not in prefix:
            return prefix
    return next(iter(prefixes))


def _split_prefixed(raw_id: str, prefixes: dict[str, str]) -> tuple[str, str]:
    for prefix, cloud in prefixes.items():
        if raw_id.startswith(prefix):
            return raw_id[len(prefix) :], cloud
    return raw_id.split(":", 2)[-1], "PUBLIC"


def _cloud(value: str | None) -> CommunicationCloudEnvironment:
    # The SDK sends "PUBLIC" while the generated enum is lower-case: accept both.
    try:
        return CommunicationCloudEnvironment((value or "PUBLIC").upper())
    except ValueError:
        return CommunicationCloudEnvironment.PUBLIC
