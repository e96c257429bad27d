"""``FakeAcs``: a small in-memory ACS for fast tests, one layer below the real ``CallActions``.

Handlers get the real :class:`~app.actions.call.CallActions` over the real SDK client; only the client's HTTP
transport is fake (:mod:`app.testing.fakes.transport`). Each request is read back from its wire body into a typed
record (:mod:`app.testing.fakes.records`), so a test sees what ACS would have received, every field of it, and the
actions' own checks (an answer needs a ringing call, a transfer carries its SIP headers) run as in production.

What it checks: the requests (operation, every body field, the call connection they target) and the real action
code's guards and error mapping. What it does not: ACS's call model. No events follow an action (the test sends
them, see ``CallScript``), participants are whatever ``participants`` says, and any well-formed request succeeds
unless ``fail`` names it. The SDK client makes no retries here, so one injected failure is one error.

Example::

    acs = FakeAcs(settings)
    acs.fail["transfer"] = CallActionError("transfer", 403, "7504", "not allowed")   # the next transfer fails
    app = create_app(settings, flows=[router], actions=acs.factory)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential

from app.actions.call import CallActions
from app.actions.errors import CallActionError
from app.events.media_events import tone_to_digit
from app.session import CallSession
from app.testing.fakes.records import (
    AddParticipant,
    Answer,
    CancelAddParticipant,
    CancelMedia,
    Connect,
    CreateCall,
    GetParticipant,
    GetProperties,
    HangUp,
    Headers,
    Hold,
    ListParticipants,
    Mute,
    Play,
    Recognize,
    Redirect,
    Reject,
    RemoveParticipant,
    SendDtmf,
    StartContinuousDtmf,
    StartRecording,
    StopContinuousDtmf,
    StopRecording,
    Transfer,
    Unhold,
)
from app.testing.fakes.transport import FakeAcsTransport, WireReply, WireRequest
from config.settings import Settings

A = TypeVar("A")
_CONNECTIONS = "/calling/callConnections"
_FAKE_KEY = "ZmFrZS1hY3Mta2V5LWZvci10ZXN0cy1vbmx5"  # base64; only signs requests that never leave the process


@dataclass
class FakeAcs:
    """Shared by every call of a test: the action log, participants, and failures to inject.

    ``fail["transfer"] = CallActionError(...)`` makes the next ``transfer`` request answer with that error's
    status and code (once); the real ``CallActions`` turns it back into a ``CallActionError``.
    """

    settings: Settings
    log: list[tuple[str | None, object]] = field(default_factory=list)
    participants: dict[str, list[str]] = field(default_factory=dict)
    fail: dict[str, CallActionError] = field(default_factory=dict)
    answer_ids: dict[str, str] = field(default_factory=dict)
    """incomingCallContext → the call connection id ``answer`` returns (so a script's callbacks line up)."""
    handling: str | None = None
    """The call connection whose event is being handled (``CallScript`` sets it): requests that name no call
    connection (create, connect) are logged under it, as the call that asked for them."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _client: CallAutomationClient | None = field(default=None, repr=False)

    @property
    def client(self) -> CallAutomationClient:
        """The real SDK client, over the fake transport (one per ``FakeAcs``)."""
        if self._client is None:
            key = self.settings.acs_access_key.get_secret_value() if self.settings.acs_access_key else _FAKE_KEY
            self._client = CallAutomationClient(
                self.settings.endpoint,
                AzureKeyCredential(key),
                transport=FakeAcsTransport(self.handle),
                retry_total=0,
                logging_enable=False,
            )
        return self._client

    def factory(self, session: CallSession) -> CallActions:
        """The dispatcher's actions factory: the real ``CallActions`` over :attr:`client`."""
        return CallActions(self.client, self.settings, session)

    def next_id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids)}"

    @property
    def actions(self) -> list[object]:
        return [action for _, action in self.log]

    def actions_of(self, call_connection_id: str) -> list[object]:
        return [action for call_id, action in self.log if call_id == call_connection_id]

    @property
    def last(self) -> object:
        return self.log[-1][1] if self.log else None

    def of_type(self, kind: type[A]) -> list[A]:
        return [action for action in self.actions if isinstance(action, kind)]

    def clear(self) -> None:
        self.log.clear()

    # --- the wire --------------------------------------------------------------------------------------------------

    async def handle(self, request: WireRequest) -> WireReply:
        """Answer one SDK request: record it, and reply as ACS would (or with the failure ``fail`` names)."""
        route = _route(request)
        if route is None:
            return WireReply(404, {"error": {"code": "8522", "message": f"no such operation {request.path}"}})
        verb, call_id, build = route
        failure = self.fail.pop(verb, None)
        if failure is not None:
            return WireReply(failure.status or 500, {"error": {"code": failure.code or "", "message": failure.message}})
        record, reply = build(self, request, call_id)
        if record is not _Logged:
            self.log.append((call_id, record))
        return reply

    def _connection(self, call_id: str, context: str | None, callback_url: str | None) -> WireReply:
        body = {"callConnectionId": call_id, "serverCallId": f"server-{call_id}", "callConnectionState": "connecting"}
        return WireReply(200, {**body, "operationContext": context, "callbackUri": callback_url or ""})


# --- reading requests back into records --------------------------------------------------------------------------

Builder = Callable[[FakeAcs, WireRequest, "str | None"], tuple[object, WireReply]]


def _route(request: WireRequest) -> tuple[str, str | None, Builder] | None:
    path, method = request.path, request.method
    if path.startswith(_CONNECTIONS + ":"):
        name = path.removeprefix(_CONNECTIONS + ":")
        builder = _CALL_SETUP.get(name)
        return (name, None, builder) if builder else None
    if path == _CONNECTIONS and method == "POST":
        return ("create_call", None, _create)
    if path.startswith("/calling/recordings"):
        return _recording_route(path, method)
    if not path.startswith(_CONNECTIONS + "/"):
        return None
    rest = path.removeprefix(_CONNECTIONS + "/")
    call_id, _, operation = rest.partition("/")
    if not operation:
        call_id, _, action = call_id.partition(":")
        key = action or method
        builder = _CALL_ACTIONS.get(key)
        return (_VERBS.get(key, key), call_id, builder) if builder else None
    if operation == "participants" and method == "GET":
        return ("list_participants", call_id, _list_participants)
    if operation.startswith("participants:"):
        action = operation.removeprefix("participants:")
        builder = _PARTICIPANT_ACTIONS.get(action)
        return (_VERBS.get(action, action), call_id, builder) if builder else None
    if operation.startswith("participants/") and method == "GET":
        return ("get_participant", call_id, _get_participant)
    return None


def _recording_route(path: str, method: str) -> tuple[str, str | None, Builder] | None:
    if path == "/calling/recordings" and method == "POST":
        return ("start_recording", None, _start_recording)
    recording_id = path.removeprefix("/calling/recordings/")
    if method == "DELETE" and ":" not in recording_id:
        return ("stop_recording", None, _stop_recording)
    return None


def _raw(identifier: dict[str, Any] | None) -> str:
    if not identifier:
        return ""
    if identifier.get("rawId"):
        return str(identifier["rawId"])
    if "phoneNumber" in identifier:
        return f"4:{identifier['phoneNumber']['value']}"
    return str(identifier.get("communicationUser", {}).get("id", ""))


def _flow(url: str | None) -> str | None:
    values = parse_qs(urlsplit(url or "").query).get("flow")
    return values[0] if values else None


def _headers(body: dict[str, Any], kind: str) -> Headers:
    found = (body.get("customCallingContext") or {}).get(kind) or {}
    return tuple(sorted((str(key), str(value)) for key, value in found.items()))


def _phone(body: dict[str, Any]) -> str | None:
    number = body.get("sourceCallerIdNumber")
    return str(number["value"]) if number else None


def _words(sources: list[dict[str, Any]]) -> tuple[str, str | None, str | None]:
    """The prompt's words (or file URLs), and the locale and voice of its first spoken source."""
    words: list[str] = []
    locale = voice = None
    for source in sources:
        if source.get("kind") == "text":
            words.append(source["text"]["text"])
            locale = locale or source["text"].get("sourceLocale")
            voice = voice or source["text"].get("voiceName")
        elif source.get("kind") == "ssml":
            words.append(source["ssml"]["ssmlText"])
        elif source.get("kind") == "file":
            words.append(source["file"]["uri"])
    return " ".join(words), locale, voice


def _tones(tones: list[str] | None) -> str | None:
    return "".join(tone_to_digit(tone) for tone in tones) if tones else None


def _answer(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    incoming = str(body.get("incomingCallContext"))
    call_id = acs.answer_ids.get(incoming) or acs.next_id("call")
    record = Answer(body.get("operationContext"), _flow(body.get("callbackUri")))
    acs.log.append((call_id, record))  # logged under the new connection, as its first action
    return _Logged, acs._connection(call_id, body.get("operationContext"), body.get("callbackUri"))


def _reject(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    return Reject(request.body.get("callRejectReason", "none")), WireReply(204)


def _redirect(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    return Redirect(_raw(request.body.get("target"))), WireReply(204)


def _create(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    call_id = acs.next_id("call")
    targets = tuple(_raw(target) for target in body.get("targets", []))
    record = CreateCall(
        targets, _phone(body), body.get("sourceDisplayName"), body.get("operationContext"),
        _flow(body.get("callbackUri")), call_connection_id=call_id,
    )  # fmt: skip
    acs.log.append((acs.handling, record))
    reply = acs._connection(call_id, body.get("operationContext"), body.get("callbackUri"))
    return _Logged, WireReply(201, reply.body)


def _connect(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    locator = body.get("callLocator", {})
    call_id = acs.next_id("leg")
    record = Connect(
        locator.get("roomId"), locator.get("groupCallId"), locator.get("serverCallId"),
        body.get("operationContext"), _flow(body.get("callbackUri")), call_connection_id=call_id,
    )  # fmt: skip
    acs.log.append((acs.handling, record))
    return _Logged, acs._connection(call_id, body.get("operationContext"), body.get("callbackUri"))


def _hang_up(for_everyone: bool) -> Builder:
    def build(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
        return HangUp(for_everyone), WireReply(204)

    return build


def _get_properties(acs: FakeAcs, request: WireRequest, call_id: str | None) -> tuple[object, WireReply]:
    return GetProperties(), acs._connection(str(call_id), None, None)


def _transfer(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    record = Transfer(
        _raw(body.get("targetParticipant")), body.get("operationContext"), _headers(body, "sipHeaders"),
        _headers(body, "voipHeaders"), _raw(body.get("transferee")) or None,
    )  # fmt: skip
    return record, WireReply(202, {"operationContext": body.get("operationContext")})


def _play(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    text, locale, voice = _words(body.get("playSources", []))
    play_to = [_raw(target) for target in body.get("playTo", [])]
    loop = bool(body.get("playOptions", {}).get("loop", False))
    to = play_to[0] if play_to else "all"
    record = Play(
        text, body.get("operationContext"), to, loop, locale, voice, body.get("interruptCallMediaOperation", False)
    )
    return record, WireReply(202)


def _recognize(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    options = body.get("recognizeOptions", {})
    dtmf = options.get("dtmfOptions") or {}
    prompts = body.get("playPrompts") or ([body["playPrompt"]] if body.get("playPrompt") else [])
    text, locale, voice = _words(prompts)
    wire_kind = str(body.get("recognizeInputType", ""))
    kind = {"speechOrDtmf": "speech_or_dtmf"}.get(wire_kind, wire_kind)
    record = Recognize(
        text if prompts else None,
        body.get("operationContext"),
        kind,
        dtmf.get("maxTonesToCollect"),
        _tones(dtmf.get("stopTones")),
        options.get("interruptPrompt", False),
        options.get("initialSilenceTimeoutInSeconds"),
        tuple(choice["label"] for choice in options.get("choices") or []),
        _raw(options.get("targetParticipant")) or None,
        locale,
        voice,
        dtmf.get("interToneTimeoutInSeconds"),
        options.get("speechLanguage"),
    )
    return record, WireReply(202)


def _simple(kind: Callable[..., object], status: int = 200) -> Builder:
    def build(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
        body = request.body
        return kind(_raw(body.get("targetParticipant")), body.get("operationContext")), WireReply(status)

    return build


def _hold(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    music = _words([body["playSourceInfo"]])[0] if body.get("playSourceInfo") else None
    return Hold(_raw(body.get("targetParticipant")), music, body.get("operationContext")), WireReply(200)


def _send_dtmf(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    record = SendDtmf(
        _tones(body.get("tones")) or "", _raw(body.get("targetParticipant")), body.get("operationContext")
    )
    return record, WireReply(202, {"operationContext": body.get("operationContext")})


def _cancel_media(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    return CancelMedia(), WireReply(202)


def _add(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    target = body.get("participantToAdd", {})
    record = AddParticipant(
        _raw(target), _phone(body), body.get("operationContext"), body.get("invitationTimeoutInSeconds"),
        body.get("sourceDisplayName"), _headers(body, "sipHeaders"), _headers(body, "voipHeaders"),
    )  # fmt: skip
    participant = {"identifier": {**target, "rawId": _raw(target)}, "isMuted": False}
    reply = {
        "participant": participant,
        "operationContext": body.get("operationContext"),
        "invitationId": acs.next_id("invite"),
    }
    return record, WireReply(202, reply)


def _remove(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    record = RemoveParticipant(_raw(body.get("participantToRemove")), body.get("operationContext"))
    return record, WireReply(202, {"operationContext": body.get("operationContext")})


def _mute(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    [target] = body.get("targetParticipants", [{}])
    return Mute(_raw(target), body.get("operationContext")), WireReply(
        200, {"operationContext": body.get("operationContext")}
    )


def _cancel_add(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    record = CancelAddParticipant(str(body.get("invitationId")), body.get("operationContext"))
    return record, WireReply(
        202, {"invitationId": body.get("invitationId"), "operationContext": body.get("operationContext")}
    )


def _list_participants(acs: FakeAcs, request: WireRequest, call_id: str | None) -> tuple[object, WireReply]:
    value = [_participant(raw) for raw in acs.participants.get(str(call_id), [])]
    return ListParticipants(), WireReply(200, {"value": value})


def _get_participant(acs: FakeAcs, request: WireRequest, call_id: str | None) -> tuple[object, WireReply]:
    raw = request.path.rsplit("/participants/", 1)[1]
    return GetParticipant(raw), WireReply(200, _participant(raw))


def _participant(raw: str) -> dict[str, Any]:
    if raw.startswith("4:"):
        identifier = {"rawId": raw, "kind": "phoneNumber", "phoneNumber": {"value": raw[2:]}}
    else:
        identifier = {"rawId": raw, "kind": "communicationUser", "communicationUser": {"id": raw}}
    return {"identifier": identifier, "isMuted": False, "isOnHold": False}


def _start_recording(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    body = request.body
    recording_id = acs.next_id("rec")
    call_id = acs.handling or body.get("callConnectionId")
    record = StartRecording(
        recording_id, body.get("recordingContentType", "audio"), body.get("recordingChannelType", "mixed"),
        body.get("recordingFormatType", "wav"),
    )  # fmt: skip
    acs.log.append((call_id, record))
    return _Logged, WireReply(200, {"recordingId": recording_id, "recordingState": "active"})


def _stop_recording(acs: FakeAcs, request: WireRequest, _: str | None) -> tuple[object, WireReply]:
    acs.log.append((acs.handling, StopRecording(request.path.rsplit("/", 1)[1])))
    return _Logged, WireReply(204)


class _Logged:
    """Returned by builders that logged their record themselves (under a call id the request did not name)."""


_CALL_SETUP: dict[str, Builder] = {"answer": _answer, "reject": _reject, "redirect": _redirect, "connect": _connect}
_CALL_ACTIONS: dict[str, Builder] = {
    "GET": _get_properties,
    "DELETE": _hang_up(False),
    "terminate": _hang_up(True),
    "transferToParticipant": _transfer,
    "play": _play,
    "recognize": _recognize,
    "cancelAllMediaOperations": _cancel_media,
    "startContinuousDtmfRecognition": _simple(StartContinuousDtmf),
    "stopContinuousDtmfRecognition": _simple(StopContinuousDtmf),
    "sendDtmfTones": _send_dtmf,
    "hold": _hold,
    "unhold": _simple(Unhold),
}
_PARTICIPANT_ACTIONS: dict[str, Builder] = {
    "add": _add,
    "remove": _remove,
    "mute": _mute,
    "cancelAddParticipant": _cancel_add,
}
# Wire operation → the CallActions verb a test names in ``fail``.
_VERBS = {
    "GET": "get_properties",
    "DELETE": "hang_up",
    "terminate": "hang_up",
    "transferToParticipant": "transfer",
    "recognize": "recognize",
    "cancelAllMediaOperations": "cancel_media",
    "startContinuousDtmfRecognition": "start_continuous_dtmf",
    "stopContinuousDtmfRecognition": "stop_continuous_dtmf",
    "sendDtmfTones": "send_dtmf",
    "add": "add_participant",
    "remove": "remove_participant",
    "mute": "mute",
    "cancelAddParticipant": "cancel_add_participant",
}
