"""parse_events: every realistic fixture, schema detection, variants, and every malformed input."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.events import (
    ALL_EVENT_CLASSES,
    EVENT_TYPES,
    MAX_EVENTS,
    CallConnected,
    CallDisconnected,
    CallEvent,
    ContinuousDtmfRecognitionToneReceived,
    EventParseError,
    IncomingCall,
    ParticipantsUpdated,
    PlayFailed,
    RecognizeCompleted,
    RecordingStateChanged,
    SubscriptionValidation,
    UnknownEvent,
    parse_event,
    parse_events,
)
from app.media.events import STREAM_EVENTS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "events"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


ALL_FIXTURES = sorted(path.name for path in FIXTURES.glob("*.json"))


def _items(body: Any) -> list[dict[str, Any]]:
    return body if isinstance(body, list) else [body]


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_parses_to_its_registered_class(name: str) -> None:
    body = load_fixture(name)
    events = parse_events(body)
    items = _items(body)
    assert len(events) == len(items)
    for event, item in zip(events, items, strict=True):
        wire_type = item.get("eventType", item.get("type"))
        assert event.type == wire_type
        assert event.id == item["id"]
        assert type(event) is EVENT_TYPES.get(wire_type, UnknownEvent)
        assert event.raw == item["data"]
        assert event.envelope == ("eventgrid" if "eventType" in item else "cloudevents")


def test_fixtures_cover_every_modelled_event_type() -> None:
    seen = {item.get("eventType", item.get("type")) for name in ALL_FIXTURES for item in _items(load_fixture(name))}
    assert set(EVENT_TYPES) <= seen


def test_registry_lists_every_concrete_event_class() -> None:
    def concrete(cls: type[CallEvent]) -> Iterator[type[CallEvent]]:
        for sub in cls.__subclasses__():
            if sub.TYPE:
                yield sub
            yield from concrete(sub)

    # Stream events come only from the authenticated /media socket, so /Events cannot be made to produce them.
    assert set(concrete(CallEvent)) - set(STREAM_EVENTS) == set(ALL_EVENT_CLASSES)
    assert all(EVENT_TYPES[cls.TYPE] is cls for cls in ALL_EVENT_CLASSES)
    assert not set(STREAM_EVENTS) & set(ALL_EVENT_CLASSES)


def test_event_grid_array_maps_envelope_fields() -> None:
    [event] = parse_events(load_fixture("eventgrid_incoming_call_pstn.json"))
    assert isinstance(event, IncomingCall)
    assert event.envelope == "eventgrid"
    assert event.source is not None and event.source.startswith("/subscriptions/")
    assert event.time is not None and event.time.year == 2025
    assert event.subject == "/caller/4:+15555550123/recipient/4:+18005550102"


def test_single_cloudevent_object_is_accepted() -> None:
    events = parse_events(load_fixture("cloudevent_recognize_completed_dtmf.json"))
    assert [type(event) for event in events] == [RecognizeCompleted]
    assert events[0].time is not None and events[0].time.microsecond == 533815  # 7 fractional digits


def test_cloudevents_array_keeps_delivery_order() -> None:
    events = parse_events(load_fixture("callbacks_answered_call.json"))
    assert [type(event) for event in events] == [CallConnected, ParticipantsUpdated, CallDisconnected]


def test_empty_array_is_no_events() -> None:
    assert parse_events([]) == []


def test_subscription_validation_exposes_code_and_url() -> None:
    [event] = parse_events(load_fixture("eventgrid_subscription_validation.json"))
    assert isinstance(event, SubscriptionValidation)
    assert event.validation_code == "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"
    assert event.validation_url is not None and event.validation_url.startswith("https://")


def test_result_information_is_optional() -> None:
    connected, updated, disconnected = parse_events(load_fixture("callbacks_answered_call.json"))
    assert connected.result_information is None and connected.result_code is None
    assert disconnected.result_code == 200 and disconnected.sub_code == 7000
    assert not disconnected.is_failure


def test_legacy_collect_tones_result_reads_like_dtmf_result() -> None:
    [legacy] = parse_events(load_fixture("callbacks_recognize_legacy.json"))
    assert isinstance(legacy, RecognizeCompleted)
    assert legacy.tones == ["five", "asterisk"]
    assert legacy.digits == "5*"


def test_tone_info_variant_of_continuous_dtmf() -> None:
    events = parse_events(load_fixture("callbacks_dtmf.json"))
    tones = [event for event in events if isinstance(event, ContinuousDtmfRecognitionToneReceived)]
    assert [(tone.sequence_id, tone.digit) for tone in tones] == [(1, "5"), (2, "#")]


def test_recording_state_changed_without_call_connection_id() -> None:
    events = parse_events(load_fixture("callbacks_session.json"))
    [recording] = [event for event in events if isinstance(event, RecordingStateChanged)]
    assert recording.call_connection_id is None
    assert recording.state == "active"
    assert recording.start_date_time is not None


def test_unknown_type_becomes_unknown_event_with_raw_data() -> None:
    [event] = parse_events(load_fixture("callbacks_unknown.json"))
    assert isinstance(event, UnknownEvent)
    assert event.type == "Microsoft.Communication.DialogStarted"
    assert event.data["dialogId"] == "92e08834-b6ee-4ede-8956-9fefa27a691c"
    assert event.call_connection_id == "2c006980-8ef1-46c2-84fa-357fefac0893"
    assert event.operation_context == "bot"


def test_unknown_type_with_badly_typed_common_fields_still_parses() -> None:
    item = {"id": "1", "type": "Contoso.Custom", "source": "x", "data": {"callConnectionId": 5, "resultInformation": 3}}
    event = parse_event(item)
    assert isinstance(event, UnknownEvent)
    assert event.call_connection_id is None and event.result_information is None


def test_extra_fields_are_tolerated() -> None:
    body = load_fixture("callbacks_play.json")
    body[1]["futureEnvelopeField"] = {"a": 1}
    body[1]["data"]["futureDataField"] = [1, 2, 3]
    events = parse_events(body)
    assert isinstance(events[1], PlayFailed)
    assert events[1].failed_play_source_index == 1


def test_unparseable_time_is_dropped_not_fatal() -> None:
    body = load_fixture("callbacks_play.json")[0]
    body["time"] = "yesterday"
    assert parse_event(body).time is None


def test_envelope_keys_inside_data_do_not_override_the_envelope() -> None:
    item = load_fixture("callbacks_play.json")[0]
    item["data"]["id"] = "spoofed"
    item["data"]["type"] = "Microsoft.Communication.CallDisconnected"
    event = parse_event(item)
    assert event.id == item["id"] and event.type == "Microsoft.Communication.PlayStarted"


def _valid() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("callbacks_play.json")[1])


MALFORMED: list[tuple[str, object]] = [
    ("string body", "hello"),
    ("number body", 42),
    ("null body", None),
    ("item is a string", ["x"]),
    ("item is a list", [[1]]),
    ("no type at all", [{"id": "1", "data": {}}]),
    ("type not a string", [{"id": "1", "type": 5, "source": "s", "data": {}}]),
    ("empty type", [{"id": "1", "type": "", "source": "s", "data": {}}]),
    ("eventType not a string", [{"id": "1", "eventType": ["x"], "data": {}}]),
    ("missing id", [{"type": PlayFailed.TYPE, "source": "s", "data": {"callConnectionId": "c"}}]),
    ("empty id", [{"id": "", "type": PlayFailed.TYPE, "source": "s", "data": {"callConnectionId": "c"}}]),
    ("numeric id", [{"id": 7, "type": PlayFailed.TYPE, "source": "s", "data": {"callConnectionId": "c"}}]),
    ("data is a list", [{"id": "1", "type": PlayFailed.TYPE, "source": "s", "data": [1]}]),
    ("data is a string", [{"id": "1", "eventType": IncomingCall.TYPE, "data": "to"}]),
    ("callback without call id", [{"id": "1", "type": PlayFailed.TYPE, "source": "s", "data": {}}]),
    ("wrong field type", [{**_valid(), "data": {**_valid()["data"], "failedPlaySourceIndex": "first"}}]),
    ("wrong nested type", [{**_valid(), "data": {**_valid()["data"], "resultInformation": {"code": "big"}}}]),
    ("incoming call without context", [{"id": "1", "eventType": IncomingCall.TYPE, "data": {"to": {"rawId": "4:+1"}}}]),
    (
        "identifier without anything",
        [{"id": "1", "eventType": IncomingCall.TYPE, "data": {"to": {}, "from": {}, "incomingCallContext": "x"}}],
    ),
    ("validation without code", [{"id": "1", "eventType": SubscriptionValidation.TYPE, "data": {}}]),
    ("too many events", [_valid()] * (MAX_EVENTS + 1)),
]


@pytest.mark.parametrize(("label", "payload"), MALFORMED, ids=[label for label, _ in MALFORMED])
def test_malformed_payloads_raise_event_parse_error(label: str, payload: object) -> None:
    with pytest.raises(EventParseError) as caught:
        parse_events(payload)
    assert len(str(caught.value)) < 400


def test_validation_error_names_the_event_id_and_field_but_no_values() -> None:
    item = load_fixture("eventgrid_incoming_call_pstn.json")[0]
    item["data"]["from"] = {"rawId": 12345}
    item["data"]["to"] = "+18005550102-SECRET"
    with pytest.raises(EventParseError) as caught:
        parse_events([item])
    message = str(caught.value)
    assert item["id"] in message and "IncomingCall" in message and "to" in message
    assert "SECRET" not in message and item["data"]["incomingCallContext"] not in message


def test_sender_chosen_keys_are_not_echoed() -> None:
    item = load_fixture("eventgrid_incoming_call_pstn.json")[0]
    item["data"]["customContext"]["sipHeaders"] = {"X-Evil\nInjected: yes": 1}
    with pytest.raises(EventParseError) as caught:
        parse_events([item])
    assert "\n" not in str(caught.value) and "Injected" not in str(caught.value)


def _mutations(value: Any, rng: random.Random) -> Any:
    """A copy of ``value`` with one random node replaced, removed or retyped."""
    replacements: list[Any] = [None, 0, -1, 3.5, "", "x" * 300, [], {}, [{}], {"a": None}, True, ":::"]
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        copied = dict(value)
        action = rng.random()
        if action < 0.25:
            del copied[key]
        elif action < 0.6:
            copied[key] = rng.choice(replacements)
        else:
            copied[key] = _mutations(value[key], rng)
        return copied
    if isinstance(value, list) and value:
        index = rng.randrange(len(value))
        copied_list = list(value)
        copied_list[index] = _mutations(value[index], rng) if rng.random() < 0.7 else rng.choice(replacements)
        return copied_list
    return rng.choice(replacements)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fuzzed_fixtures_only_parse_or_raise_event_parse_error(name: str) -> None:
    rng = random.Random(name)  # deterministic per fixture
    original = load_fixture(name)
    outcomes = {"parsed": 0, "rejected": 0}
    for _ in range(150):
        mutated = original
        for _ in range(rng.randint(1, 3)):
            mutated = _mutations(mutated, rng)
        try:
            events = parse_events(mutated)
        except EventParseError:
            outcomes["rejected"] += 1
            continue
        outcomes["parsed"] += 1
        for event in events:
            # Every accessor must work on whatever parsed.
            _ = (event.is_failure, event.is_timeout, event.result_code, event.sub_code, event.context, repr(event))
            json.dumps(event.raw)
    # Both paths were exercised, and nothing but EventParseError ever escaped.
    assert outcomes["parsed"] > 0 and outcomes["rejected"] > 0


def test_parse_event_labels_errors_with_the_index() -> None:
    with pytest.raises(EventParseError, match="#3"):
        parse_event("nope", index=3)


@pytest.fixture
def cloud_item(load: Callable[[str], Any]) -> dict[str, Any]:
    item: dict[str, Any] = load("callbacks_play.json")[0]
    return item


def test_cloudevent_without_data_is_empty_data(cloud_item: dict[str, Any]) -> None:
    del cloud_item["data"]
    cloud_item["type"] = "Contoso.NoData"
    event = parse_event(cloud_item)
    assert isinstance(event, UnknownEvent) and event.raw == {}
