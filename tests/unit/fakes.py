"""``FakeCallActions``: a ``CallActions`` that records typed actions instead of calling ACS, plus call-script helpers.

Example::

    acs = FakeAcs(settings)
    app = create_app(settings, flows=[support_line.router], actions=acs.factory)
    script = CallScript(app, acs)
    await script.incoming(to="+18005550100")
    assert acs.last == Answer(context="support_line.welcome")
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from azure.communication.callautomation import (
    AddParticipantResult,
    CallConnectionProperties,
    CallParticipant,
    CancelAddParticipantOperationResult,
    MuteParticipantResult,
    RecordingProperties,
    RemoveParticipantResult,
    TransferCallResult,
)
from azure.communication.callautomation.aio import CallAutomationClient

from app.actions.call import CallActions, RejectReason, TargetLike
from app.actions.errors import CallActionError
from app.actions.packing import ContextLike, pack
from app.actions.prompts import Audio, Choice, Prompt, Speech, Ssml
from app.actions.targets import as_identifier, raw_id
from app.events import CallEvent, parse_event
from app.web.app import CallwrightApp
from config.settings import Settings

A = TypeVar("A")


# --- recorded actions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    context: str | None = None


@dataclass(frozen=True)
class Reject:
    reason: str = "none"


@dataclass(frozen=True)
class Redirect:
    target: str


@dataclass(frozen=True)
class Play:
    text: str
    context: str | None = None
    to: str = "all"
    loop: bool = False
    locale: str | None = field(default=None, compare=False)
    voice: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Recognize:
    text: str | None
    context: str | None = None
    kind: str = "dtmf"
    max_tones: int = 1
    stop_tones: str | None = None
    interrupt_prompt: bool = True
    initial_silence_timeout: int = field(default=5, compare=False)
    choices: tuple[str, ...] = field(default=(), compare=False)
    target: str | None = field(default=None, compare=False)
    locale: str | None = field(default=None, compare=False)
    voice: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Transfer:
    target: str
    context: str | None = None
    sip_headers: tuple[tuple[str, str], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class AddParticipant:
    target: str
    caller_id: str | None = None
    context: str | None = None
    invitation_timeout: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CancelAddParticipant:
    invitation_id: str
    context: str | None = None


@dataclass(frozen=True)
class RemoveParticipant:
    target: str
    context: str | None = None


@dataclass(frozen=True)
class Mute:
    target: str


@dataclass(frozen=True)
class HangUp:
    for_everyone: bool = True


@dataclass(frozen=True)
class Hold:
    target: str
    music: str | None = None


@dataclass(frozen=True)
class Unhold:
    target: str


@dataclass(frozen=True)
class StartContinuousDtmf:
    target: str
    context: str | None = None


@dataclass(frozen=True)
class StopContinuousDtmf:
    target: str


@dataclass(frozen=True)
class CancelMedia:
    pass


@dataclass(frozen=True)
class StartRecording:
    recording_id: str


@dataclass(frozen=True)
class StopRecording:
    recording_id: str


@dataclass(frozen=True)
class Connect:
    room_id: str | None = None
    group_call_id: str | None = None
    server_call_id: str | None = None
    context: str | None = None
    call_connection_id: str = field(default="", compare=False)


@dataclass(frozen=True)
class ListParticipants:
    pass


def spoken(prompt: Prompt | Sequence[Prompt] | None) -> str | None:
    """The words (or file URLs) of a prompt, joined: what a test looks for."""
    if prompt is None:
        return None
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Speech):
        return prompt.text
    if isinstance(prompt, Audio):
        return prompt.url
    if isinstance(prompt, Ssml):
        return prompt.ssml
    if isinstance(prompt, Sequence):
        return " ".join(filter(None, (spoken(item) for item in prompt)))
    return str(getattr(prompt, "text", None) or getattr(prompt, "url", None) or prompt)


# --- the fake ACS --------------------------------------------------------------------------------------------------


@dataclass
class FakeAcs:
    """Shared by every ``FakeCallActions`` of a test: the action log, participants, and failures to inject.

    ``fail["transfer"] = CallActionError(...)`` makes the next ``transfer`` raise it (once).
    """

    settings: Settings
    log: list[tuple[str | None, object]] = field(default_factory=list)
    participants: dict[str, list[str]] = field(default_factory=dict)
    fail: dict[str, CallActionError] = field(default_factory=dict)
    answer_ids: dict[str, str] = field(default_factory=dict)
    """incomingCallContext → the call connection id ``answer`` returns (so a script's callbacks line up)."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def factory(
        self,
        *,
        call_connection_id: str | None,
        server_call_id: str | None,
        incoming_call_context: str | None,
        party: str | None,
        flow: str | None,
    ) -> CallActions:
        return FakeCallActions(
            self,
            call_connection_id=call_connection_id,
            server_call_id=server_call_id,
            incoming_call_context=incoming_call_context,
            party=party,
            flow=flow,
        )

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


class FakeCallActions(CallActions):
    """``CallActions`` with every verb recorded into ``FakeAcs.log`` (and nothing sent anywhere)."""

    def __init__(self, acs: FakeAcs, **binding: Any) -> None:
        super().__init__(cast(CallAutomationClient, None), acs.settings, **binding)
        self._acs = acs

    def _record(self, verb: str, action: object) -> None:
        error = self._acs.fail.pop(verb, None)
        if error is not None:
            raise error
        self._acs.log.append((self.call_connection_id, action))

    async def answer(self, *, context: ContextLike = None) -> CallConnectionProperties:
        incoming = self._require_incoming("answer")
        self.call_connection_id = self._acs.answer_ids.get(incoming) or self._acs.next_id("call")
        self._record("answer", Answer(pack(context)))
        self.answered = True
        return CallConnectionProperties(call_connection_id=self.call_connection_id, server_call_id=self.server_call_id)

    async def reject(self, reason: RejectReason = "none") -> None:
        self._record("reject", Reject(reason))

    async def redirect(self, target: TargetLike) -> None:
        self._record("redirect", Redirect(raw_id(as_identifier(target))))

    async def connect(
        self,
        *,
        server_call_id: str | None = None,
        group_call_id: str | None = None,
        room_id: str | None = None,
        context: ContextLike = None,
    ) -> CallActions:
        new_id = self._acs.next_id("leg")
        self._record("connect", Connect(room_id, group_call_id, server_call_id, pack(context), new_id))
        return FakeCallActions(
            self._acs,
            call_connection_id=new_id,
            server_call_id=f"server-{new_id}",
            incoming_call_context=None,
            party=None,
            flow=self.flow,
        )

    async def transfer(
        self, target: TargetLike, *, sip_headers: Any = None, context: ContextLike = None, **_: Any
    ) -> TransferCallResult:
        headers = tuple(sorted((sip_headers or {}).items()))
        self._record("transfer", Transfer(raw_id(as_identifier(target)), pack(context), headers))
        return TransferCallResult(operation_context=pack(context))

    async def add_participant(
        self,
        target: TargetLike,
        *,
        caller_id: str | None = None,
        invitation_timeout: int | None = None,
        context: ContextLike = None,
        **_: Any,
    ) -> AddParticipantResult:
        self._record(
            "add_participant",
            AddParticipant(raw_id(as_identifier(target)), caller_id, pack(context), invitation_timeout),
        )
        return AddParticipantResult(invitation_id=self._acs.next_id("invite"), operation_context=pack(context))

    async def cancel_add_participant(
        self, invitation_id: str, *, context: ContextLike = None, callback_url: str | None = None
    ) -> CancelAddParticipantOperationResult:
        self._record("cancel_add_participant", CancelAddParticipant(invitation_id, pack(context)))
        return CancelAddParticipantOperationResult(invitation_id=invitation_id)

    async def remove_participant(
        self, target: TargetLike, *, context: ContextLike = None, callback_url: str | None = None
    ) -> RemoveParticipantResult:
        self._record("remove_participant", RemoveParticipant(raw_id(as_identifier(target)), pack(context)))
        return RemoveParticipantResult(operation_context=pack(context))

    async def mute(self, target: TargetLike, *, context: ContextLike = None) -> MuteParticipantResult:
        self._record("mute", Mute(raw_id(as_identifier(target))))
        return MuteParticipantResult()

    async def hang_up(self, *, for_everyone: bool = True) -> None:
        self._connected("hang_up")
        self._record("hang_up", HangUp(for_everyone))

    async def list_participants(self) -> list[CallParticipant]:
        key = self._connected("list_participants")
        self._record("list_participants", ListParticipants())
        return [CallParticipant(identifier=as_identifier(raw)) for raw in self._acs.participants.get(key, [])]

    async def play(
        self,
        prompt: Prompt | Sequence[Prompt],
        *,
        to: Any = "all",
        loop: bool = False,
        interrupt: bool = False,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        self._connected("play")
        target = "all" if to == "all" else raw_id(as_identifier(to))
        self._record("play", Play(spoken(prompt) or "", pack(context), target, loop, self.locale, self.voice))

    async def recognize_dtmf(
        self,
        prompt: Prompt | Sequence[Prompt] | None = None,
        *,
        max_tones: int = 1,
        stop_tones: str | Sequence[str] | None = None,
        initial_silence_timeout: int = 5,
        inter_tone_timeout: int | None = None,
        interrupt_prompt: bool = True,
        target: TargetLike | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        self._connected("recognize")
        who = raw_id(self._default_target(target))
        stops = "".join(stop_tones) if stop_tones else None
        self._record(
            "recognize",
            Recognize(
                spoken(prompt),
                pack(context),
                "dtmf",
                max_tones,
                stops,
                interrupt_prompt,
                initial_silence_timeout,
                target=who,
                locale=self.locale,
                voice=self.voice,
            ),
        )

    async def recognize_choices(
        self,
        prompt: Prompt | Sequence[Prompt] | None,
        choices: Sequence[Choice],
        *,
        initial_silence_timeout: int = 5,
        interrupt_prompt: bool = True,
        speech_language: str | None = None,
        target: TargetLike | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        self._connected("recognize")
        who = raw_id(self._default_target(target))
        self._record(
            "recognize",
            Recognize(
                spoken(prompt),
                pack(context),
                "choices",
                interrupt_prompt=interrupt_prompt,
                initial_silence_timeout=initial_silence_timeout,
                choices=tuple(choice.label for choice in choices),
                target=who,
                locale=self.locale,
                voice=self.voice,
            ),
        )

    async def start_continuous_dtmf(self, *, target: TargetLike | None = None, context: ContextLike = None) -> None:
        self._record("start_continuous_dtmf", StartContinuousDtmf(raw_id(self._default_target(target)), pack(context)))

    async def stop_continuous_dtmf(
        self, *, target: TargetLike | None = None, context: ContextLike = None, callback_url: str | None = None
    ) -> None:
        self._record("stop_continuous_dtmf", StopContinuousDtmf(raw_id(self._default_target(target))))

    async def cancel_media(self) -> None:
        self._record("cancel_media", CancelMedia())

    async def hold(
        self,
        *,
        target: TargetLike | None = None,
        music: Prompt | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        self._record("hold", Hold(raw_id(self._default_target(target)), spoken(music)))

    async def unhold(
        self, *, target: TargetLike | None = None, context: ContextLike = None, callback_url: str | None = None
    ) -> None:
        self._record("unhold", Unhold(raw_id(self._default_target(target))))

    async def start_recording(self, **_: Any) -> RecordingProperties:
        self._connected("start_recording")
        recording_id = self._acs.next_id("rec")
        self._record("start_recording", StartRecording(recording_id))
        return RecordingProperties(recording_id=recording_id, recording_state="active")

    async def stop_recording(self, recording_id: str) -> None:
        self._record("stop_recording", StopRecording(recording_id))

    def _connected(self, action: str) -> str:
        if not self.call_connection_id:
            raise CallActionError(action, None, None, "this call has no call connection yet")
        return self.call_connection_id


# --- call scripts ---------------------------------------------------------------------------------------------------


class CallScript:
    """Feeds realistic events (built as wire dicts and parsed) for one call to ``app.dispatch``.

    ``call_id`` and ``server_id`` identify the call; each callback echoes the context the test passes, or by default
    the context of the last recognize/play/transfer/invite the fake recorded for this call.
    """

    def __init__(
        self,
        app: CallwrightApp,
        acs: FakeAcs,
        *,
        call_id: str = "call-a",
        caller: str = "+15555550123",
        flow: str | None = None,
    ) -> None:
        self.app, self.acs = app, acs
        self.call_id = call_id
        self.server_id = f"server-{call_id}"
        self.caller = caller
        self.flow = flow
        self._events = itertools.count(1)

    @property
    def actions(self) -> list[object]:
        return self.acs.actions_of(self.call_id)

    @property
    def last(self) -> object:
        mine = self.actions
        return mine[-1] if mine else None

    def last_of(self, kind: type[A]) -> A:
        found = [action for action in self.actions if isinstance(action, kind)]
        assert found, f"no {kind.__name__} in {self.actions}"
        return found[-1]

    @property
    def flow_name(self) -> str | None:
        """The flow this call is bound to (read from the recorded actions' contexts: ``<flow>.<kit>:...``)."""
        context = self.context()
        return context.split(".", 1)[0] if context else None

    async def state(self) -> dict[str, Any]:
        """The call's saved state (a copy)."""
        store = self.app.state.store
        return cast(dict[str, Any], await store.load(self.server_id))

    def context(self) -> str | None:
        for action in reversed(self.actions):
            found = getattr(action, "context", None)
            if found is not None:
                return cast(str, found)
        return None

    # --- events ---

    async def incoming(self, to: str) -> object:
        event = parse_event(
            {
                "id": f"{self.call_id}-ic",
                "eventType": "Microsoft.Communication.IncomingCall",
                "data": {
                    "to": {"rawId": f"4:{to}", "phoneNumber": {"value": to}},
                    "from": {"rawId": f"4:{self.caller}", "phoneNumber": {"value": self.caller}},
                    "incomingCallContext": f"ctx-{self.call_id}",
                    "serverCallId": self.server_id,
                },
            }
        )
        # The fake answers with the id the test chose, so later callbacks line up.
        self.acs.answer_ids[f"ctx-{self.call_id}"] = self.call_id
        return await self._dispatch(event)

    async def send(
        self, name: str, *, context: str | None | bool = True, flow: str | None = None, **data: Any
    ) -> object:
        """Dispatch ``Microsoft.Communication.<name>``; ``context=True`` echoes the last action's context."""
        echoed = self.context() if context is True else (context or None)
        payload: dict[str, Any] = {"callConnectionId": self.call_id, "serverCallId": self.server_id, **data}
        if echoed is not None:
            payload["operationContext"] = echoed
        event = parse_event(
            {
                "id": f"{self.call_id}-{next(self._events)}",
                "type": f"Microsoft.Communication.{name}",
                "source": f"calling/callConnections/{self.call_id}",
                "specversion": "1.0",
                "data": payload,
            }
        )
        return await self._dispatch(event, flow=flow)

    async def connected(self, context: str | None | bool = True) -> object:
        return await self.send("CallConnected", context=context)

    async def press(self, keys: str) -> object:
        tones = [_TONES[key] for key in keys]
        return await self.send(
            "RecognizeCompleted",
            recognitionType="dtmf",
            dtmfResult={"tones": tones},
            resultInformation={"code": 200, "subCode": 8531, "message": "Max digits received."},
        )

    async def choose(self, label: str) -> object:
        return await self.send(
            "RecognizeCompleted",
            recognitionType="choices",
            choiceResult={"label": label, "recognizedPhrase": label},
            resultInformation={"code": 200, "subCode": 8545, "message": "Speech option matched."},
        )

    async def silence(self) -> object:
        return await self.send(
            "RecognizeFailed", resultInformation={"code": 400, "subCode": 8510, "message": "Initial silence timeout."}
        )

    async def play_completed(self) -> object:
        return await self.send("PlayCompleted", resultInformation={"code": 200, "subCode": 0, "message": "ok"})

    async def tone(self, key: str, sequence: int) -> object:
        return await self.send("ContinuousDtmfRecognitionToneReceived", tone=_TONES[key], sequenceId=sequence)

    async def failed(self, name: str, code: int, sub_code: int, message: str = "failed") -> object:
        return await self.send(name, resultInformation={"code": code, "subCode": sub_code, "message": message})

    async def disconnected(self, code: int = 200, sub_code: int = 7000) -> object:
        return await self.send(
            "CallDisconnected", context=None, resultInformation={"code": code, "subCode": sub_code, "message": "end"}
        )

    async def _dispatch(self, event: CallEvent, *, flow: str | None = None) -> object:
        return await self.app.dispatch(event, flow=flow or self.flow)


_TONES = {
    "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
    "8": "eight", "9": "nine", "*": "asterisk", "#": "pound",
}  # fmt: skip


def make_settings(**ivr: Any) -> Settings:
    """Settings for kit and flow tests: development defaults, unauthenticated callbacks, IVR overrides."""
    from config.ivr import IvrSettings

    return Settings(allow_unauthenticated_callbacks=True, ivr=IvrSettings(**ivr))


def make_app(settings: Settings, *flows: Any, extras: dict[str, Any] | None = None) -> tuple[CallwrightApp, FakeAcs]:
    """An app over ``flows`` (routers) with fake actions: ``(app, acs)``."""
    from app.web.app import create_app

    acs = FakeAcs(settings)
    app = create_app(settings, flows=list(flows), common=[], extras=extras, actions=acs.factory)
    return app, acs
