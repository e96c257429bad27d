"""Convenience accessors on typed events and identifiers: digits, numbers, failures, timeouts, SDK identifiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.communication.callautomation import (
    CommunicationCloudEnvironment,
    CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier,
    MicrosoftTeamsUserIdentifier,
    PhoneNumberIdentifier,
    TeamsExtensionUserIdentifier,
    UnknownIdentifier,
)

from app.events import (
    AddParticipantFailed,
    CallDisconnected,
    CallEvent,
    CallTransferAccepted,
    CallTransferFailed,
    ContinuousDtmfRecognitionToneReceived,
    HoldAudioCompleted,
    Identifier,
    IncomingCall,
    ParticipantsUpdated,
    PlayCompleted,
    PlayFailed,
    RecognizeCompleted,
    RecognizeFailed,
    kind_of_raw_id,
    parse_events,
    tone_to_digit,
)

MakeEvent = Callable[..., CallEvent]


@pytest.mark.parametrize(
    ("tones", "digits"),
    [
        (["one"], "1"),
        (["zero", "nine"], "09"),
        (["pound"], "#"),
        (["asterisk", "a", "b", "c", "d"], "*ABCD"),
        ([], ""),
        (["Pound"], "#"),
    ],
)
def test_recognize_completed_digits(make_event: MakeEvent, tones: list[str], digits: str) -> None:
    event = make_event(RecognizeCompleted, recognitionType="dtmf", dtmfResult={"tones": tones})
    assert isinstance(event, RecognizeCompleted)
    assert event.tones == tones
    assert event.digits == digits


def test_unknown_tone_name_passes_through() -> None:
    assert tone_to_digit("flash") == "flash"


def test_recognize_without_any_result_has_empty_accessors(make_event: MakeEvent) -> None:
    event = make_event(RecognizeCompleted)
    assert isinstance(event, RecognizeCompleted)
    assert (event.tones, event.digits, event.choice, event.speech) == ([], "", None, None)


def test_choice_and_speech_accessors(load: Callable[[str], Any]) -> None:
    choice, speech, *_ = parse_events(load("callbacks_recognize_other.json"))
    assert isinstance(choice, RecognizeCompleted) and isinstance(speech, RecognizeCompleted)
    assert choice.choice == "agent" and choice.speech is None
    assert speech.speech == "I need help with my bill" and speech.choice is None


def test_continuous_tone_digit(make_event: MakeEvent) -> None:
    event = make_event(ContinuousDtmfRecognitionToneReceived, tone="asterisk", sequenceId=3)
    assert isinstance(event, ContinuousDtmfRecognitionToneReceived)
    assert (event.digit, event.sequence_id) == ("*", 3)


@pytest.mark.parametrize(
    ("cls", "code", "sub_code", "failure", "timeout"),
    [
        (PlayCompleted, 200, 0, False, False),
        (PlayFailed, 400, 8535, True, False),
        (CallTransferFailed, None, None, True, False),  # a *Failed type is a failure even without a result
        (HoldAudioCompleted, 400, 8508, True, False),
        (RecognizeFailed, 400, 8510, True, True),
        (RecognizeFailed, 400, 8532, True, True),
        (RecognizeFailed, 408, 8570, True, True),
        (AddParticipantFailed, 408, 10057, True, True),
        (AddParticipantFailed, 408, 0, True, True),
        (CallDisconnected, 200, 7000, False, False),
    ],
)
def test_failure_and_timeout_flags(
    make_event: MakeEvent, cls: type[CallEvent], code: int | None, sub_code: int | None, failure: bool, timeout: bool
) -> None:
    data: dict[str, Any] = {}
    if code is not None:
        data["resultInformation"] = {"code": code, "subCode": sub_code, "message": "m"}
    event = make_event(cls, **data)
    assert (event.result_code, event.sub_code) == (code, sub_code)
    assert event.is_failure is failure
    assert event.is_timeout is timeout


def test_context_is_the_raw_operation_context(make_event: MakeEvent) -> None:
    assert make_event(PlayCompleted, operationContext="menu:2").context == "menu:2"
    assert make_event(PlayCompleted).context is None


def test_event_name_is_the_short_type(make_event: MakeEvent) -> None:
    assert make_event(PlayFailed).event_name == "PlayFailed"


def test_incoming_call_numbers_and_identifiers(load: Callable[[str], Any]) -> None:
    [event] = parse_events(load("eventgrid_incoming_call_pstn.json"))
    assert isinstance(event, IncomingCall)
    assert event.to_number == "+18005550102"
    assert event.from_number == "+15555550123"
    assert event.to_raw_id == "4:+18005550102"
    assert event.caller is event.from_ and event.callee is event.to
    assert event.sip_headers["X-MS-Custom-myheader1"] == "35567842"
    assert event.voip_headers == {"customHeader": "customValue"}
    assert event.on_behalf_of_callee is not None and event.on_behalf_of_callee.phone_number == "+18005550102"


def test_voip_incoming_call_has_no_numbers_and_derives_kind(load: Callable[[str], Any]) -> None:
    [event] = parse_events(load("cloudevent_incoming_call_voip.json"))
    assert isinstance(event, IncomingCall)
    assert event.to_number is None and event.from_number is None
    assert event.from_.kind == "communicationUser"
    assert event.sip_headers == {} and event.voip_headers == {}


def test_incoming_call_context_never_appears_in_repr(load: Callable[[str], Any]) -> None:
    body = load("eventgrid_incoming_call_pstn.json")
    [event] = parse_events(body)
    assert body[0]["data"]["incomingCallContext"] not in repr(event)
    assert body[0]["data"]["incomingCallContext"] not in str(event)


def test_identifiers_without_kind_get_it_from_raw_id(load: Callable[[str], Any]) -> None:
    [event] = parse_events(load("callback_participants_updated_no_kind.json"))
    assert isinstance(event, ParticipantsUpdated)
    kinds = [participant.identifier.kind for participant in event.participants]
    assert kinds == ["communicationUser", "communicationUser", "phoneNumber", "microsoftTeamsUser", "microsoftTeamsApp"]
    assert [participant.is_muted for participant in event.participants][:2] == [False, True]
    assert event.participants[2].is_on_hold is True
    assert event.sequence_number == 4


@pytest.mark.parametrize(
    ("raw_id", "kind"),
    [
        ("4:+15555550123", "phoneNumber"),
        ("4:anonymous", "phoneNumber"),
        ("8:acs:res_user", "communicationUser"),
        ("8:acs:res_tenant_user", "teamsExtensionUser"),
        ("8:gcch-acs:res_user", "communicationUser"),
        ("8:spool:abc", "communicationUser"),
        ("8:orgid:aad", "microsoftTeamsUser"),
        ("8:teamsvisitor:anon", "microsoftTeamsUser"),
        ("28:orgid:bot", "microsoftTeamsApp"),
        ("28:gcch-global:bot", "microsoftTeamsApp"),
        ("9:weird", "unknown"),
    ],
)
def test_kind_of_raw_id(raw_id: str, kind: str) -> None:
    assert kind_of_raw_id(raw_id) == kind
    assert Identifier.model_validate({"rawId": raw_id}).kind == kind


@pytest.mark.parametrize(
    ("wire", "number"),
    [
        ({"rawId": "4:+15555550123"}, "+15555550123"),
        ({"phoneNumber": {"value": "+15555550123"}}, "+15555550123"),
        (
            {"rawId": "4:+15555550123_asserted", "phoneNumber": {"value": "+15555550123", "assertedId": "asserted"}},
            "+15555550123",
        ),
        ({"rawId": "4:+15555550123_asserted"}, "+15555550123"),
        ({"rawId": "4:anonymous", "phoneNumber": {"value": "anonymous", "isAnonymous": True}}, None),
        ({"rawId": "8:acs:res_user"}, None),
    ],
)
def test_phone_number_is_e164_or_none(wire: dict[str, Any], number: str | None) -> None:
    assert Identifier.model_validate(wire).phone_number == number


def test_identifier_matches_raw_id_or_number() -> None:
    who = Identifier.model_validate({"rawId": "4:+18005550102"})
    assert who.matches("+18005550102") and who.matches("4:+18005550102")
    assert not who.matches("+18005550103")


def test_raw_id_is_rebuilt_from_details() -> None:
    assert Identifier.model_validate({"communicationUser": {"id": "8:acs:r_u"}}).raw_id == "8:acs:r_u"
    teams = Identifier.model_validate({"microsoftTeamsUser": {"userId": "oid", "cloud": "gcch"}})
    assert (teams.raw_id, teams.kind) == ("8:gcch:oid", "microsoftTeamsUser")
    visitor = Identifier.model_validate({"microsoftTeamsUser": {"userId": "v", "isAnonymous": True}})
    assert visitor.raw_id == "8:teamsvisitor:v"
    assert Identifier.model_validate({"microsoftTeamsApp": {"appId": "bot"}}).raw_id == "28:orgid:bot"


def test_to_sdk_builds_the_sdk_identifiers() -> None:
    phone = Identifier.model_validate({"rawId": "4:+15555550123"}).to_sdk()
    assert isinstance(phone, PhoneNumberIdentifier) and phone.properties["value"] == "+15555550123"
    user = Identifier.model_validate({"rawId": "8:acs:r_u", "kind": "communicationUser"}).to_sdk()
    assert isinstance(user, CommunicationUserIdentifier) and user.raw_id == "8:acs:r_u"
    teams = Identifier.model_validate(
        {"rawId": "8:orgid:oid", "microsoftTeamsUser": {"userId": "oid", "isAnonymous": False, "cloud": "public"}}
    ).to_sdk()
    assert isinstance(teams, MicrosoftTeamsUserIdentifier)
    assert teams.properties["cloud"] == CommunicationCloudEnvironment.PUBLIC
    bot = Identifier.model_validate({"rawId": "28:dod:bot"}).to_sdk()
    assert isinstance(bot, MicrosoftTeamsAppIdentifier) and bot.properties["app_id"] == "bot"
    ext = Identifier.model_validate(
        {"rawId": "8:acs:r_t_u", "teamsExtensionUser": {"userId": "u", "tenantId": "t", "resourceId": "r"}}
    ).to_sdk()
    assert isinstance(ext, TeamsExtensionUserIdentifier) and ext.raw_id == "8:acs:r_t_u"
    assert isinstance(Identifier.model_validate({"rawId": "9:x"}).to_sdk(), UnknownIdentifier)


def test_transfer_accepted_identifiers(load: Callable[[str], Any]) -> None:
    accepted = parse_events(load("callbacks_call_control.json"))[0]
    assert isinstance(accepted, CallTransferAccepted)
    assert accepted.transfer_target is not None and accepted.transfer_target.phone_number == "+15555550150"
    assert accepted.transferee is not None and accepted.transferee.phone_number == "+15555550123"


def test_events_are_frozen(make_event: MakeEvent) -> None:
    event = make_event(PlayCompleted)
    with pytest.raises(ValueError):
        event.operation_context = "changed"  # type: ignore[misc]  # the point of the test
