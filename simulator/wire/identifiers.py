"""Reading identifiers and custom calling context from request bodies (the SDK's request models;
https://learn.microsoft.com/azure/communication-services/concepts/identifiers)."""

from __future__ import annotations

import re
from typing import Any

from simulator.wire.body import Body
from simulator.world.errors import invalid
from simulator.world.identity import E164, Identifier

_SIP_KEY = re.compile(r"^[A-Za-z0-9.!%*_+~-]+$")
_SIP_VALUE = re.compile(r"^[A-Za-z0-9.!%*_+~=;-]*$")
MAX_SIP_HEADERS = 5
MAX_VOIP_HEADERS = 1000


def parse_identifier(value: Any, field: str) -> Identifier:
    """A CommunicationIdentifierModel (no ``kind`` needed, as the SDK sends it) → Identifier; 400/8523 if bad."""
    if not isinstance(value, dict):
        raise invalid(f"'{field}' must be a communication identifier object.")
    raw_id = value.get("rawId")
    if raw_id is not None and (not isinstance(raw_id, str) or not raw_id):
        raise invalid(f"'{field}.rawId' must be a non-empty string.")
    derived = _from_sub_object(value, field)
    who = Identifier(raw_id) if raw_id else derived
    if who is None:
        raise invalid(f"'{field}' needs a rawId or one of communicationUser, phoneNumber, microsoftTeamsUser.")
    if who.is_phone and not (E164.match(who.phone_number) or who.phone_number == "anonymous"):
        raise invalid(f"'{field}' phone number must be in E.164 format.")
    return who


def _from_sub_object(value: dict[str, Any], field: str) -> Identifier | None:
    user = value.get("communicationUser")
    if isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]:
        return Identifier(user["id"])
    phone = value.get("phoneNumber")
    if isinstance(phone, dict) and isinstance(phone.get("value"), str) and phone["value"]:
        return Identifier.phone(phone["value"])
    teams = value.get("microsoftTeamsUser")
    if isinstance(teams, dict) and isinstance(teams.get("userId"), str) and teams["userId"]:
        prefix = "8:teamsvisitor:" if teams.get("isAnonymous") else "8:orgid:"
        return Identifier(prefix + teams["userId"])
    app = value.get("microsoftTeamsApp")
    if isinstance(app, dict) and isinstance(app.get("appId"), str) and app["appId"]:
        return Identifier("28:orgid:" + app["appId"])
    for key in ("communicationUser", "phoneNumber", "microsoftTeamsUser", "microsoftTeamsApp"):
        if key in value:
            raise invalid(f"'{field}.{key}' is incomplete.")
    return None


def identifier_field(body: Body, key: str, *, required: bool = False) -> Identifier | None:
    value = body.data.get(key)
    if value is None:
        if required:
            raise invalid(f"'{key}' is required.")
        return None
    return parse_identifier(value, key)


def user_field(body: Body, key: str) -> Identifier | None:
    """A CommunicationUserIdentifierModel (``{"id": "8:acs:..."}``, how the SDK sends ``source`` and ``answeredBy``).

    A full CommunicationIdentifierModel is accepted too; anything but an ACS user is 400/8523.
    """
    value = body.data.get(key)
    if value is None:
        return None
    if isinstance(value, dict) and "id" in value and "rawId" not in value and "communicationUser" not in value:
        user_id = value["id"]
        if not isinstance(user_id, str) or not user_id:
            raise invalid(f"'{key}.id' must be a non-empty string.")
        who = Identifier(user_id)
    else:
        who = parse_identifier(value, key)
    if who.kind != "communicationUser":
        raise invalid(f"'{key}' must be an ACS user (8:acs:...).")
    return who


def identifier_list(body: Body, key: str, *, required: bool = False, non_empty: bool = False) -> list[Identifier]:
    items = body.array(key, required=required, non_empty=non_empty) or []
    return [parse_identifier(item, f"{key}[{i}]") for i, item in enumerate(items)]


def phone_value(body: Body, key: str) -> str | None:
    """``{"value": "+1..."}`` (sourceCallerIdNumber) → ``"+1..."``."""
    obj = body.obj(key)
    if obj is None:
        return None
    number = obj.text("value", required=True)
    assert number is not None
    if not E164.match(number):
        raise invalid(f"'{key}.value' must be a phone number in E.164 format.")
    return number


def custom_calling_context(body: Body) -> dict[str, Any] | None:
    """Validate ``customCallingContext`` against the service limits; returns it as IncomingCall customContext."""
    ctx = body.obj("customCallingContext")
    if ctx is None:
        return None
    sip = _headers(ctx, "sipHeaders")
    voip = _headers(ctx, "voipHeaders")
    if len(sip) > MAX_SIP_HEADERS:
        raise invalid(f"at most {MAX_SIP_HEADERS} custom SIP headers are allowed.")
    for key, value in sip.items():
        lowered = key.lower()
        if (
            lowered != "user-to-user"
            and not lowered.startswith("x-")
            or (lowered.startswith("x-ms-") and not lowered.startswith("x-ms-custom-"))
        ):
            raise invalid(f"SIP header '{key}' must start with 'X-MS-Custom-' or 'X-', or be User-To-User.")
        _check(key, value, 64, 256, "SIP", strict_value=True)
    if len(voip) > MAX_VOIP_HEADERS:
        raise invalid(f"at most {MAX_VOIP_HEADERS} VoIP headers are allowed.")
    for key, value in voip.items():
        _check(key, value, 64, 1024, "VoIP", strict_value=False)
    result: dict[str, Any] = {}
    if sip:
        result["sipHeaders"] = sip
    if voip:
        result["voipHeaders"] = voip
    return result or None


def _headers(ctx: Body, key: str) -> dict[str, str]:
    value = ctx.data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid(f"'customCallingContext.{key}' must map header names to string values.")
    return dict(value)


def _check(key: str, value: str, key_max: int, value_max: int, kind: str, *, strict_value: bool) -> None:
    if not key or len(key) > key_max:
        raise invalid(f"{kind} header name '{key[:80]}' must be 1 to {key_max} characters.")
    if len(value) > value_max:
        raise invalid(f"{kind} header '{key}' value is longer than {value_max} characters.")
    if not _SIP_KEY.match(key):
        raise invalid(f"{kind} header name '{key}' has characters outside alphanumerics and . ! % * _ + ~ -.")
    if strict_value and not _SIP_VALUE.match(value):
        raise invalid(f"{kind} header '{key}' value has characters outside alphanumerics and . ! % * _ + ~ - = ;.")
