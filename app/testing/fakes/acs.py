"""``FakeCallActions``: a ``CallActions`` recording typed actions instead of calling ACS; ``FakeAcs`` is its world."""

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
from app.actions.prompts import Choice, Prompt
from app.actions.targets import as_identifier, raw_id
from app.session import CallSession
from app.testing.fakes.records import (
    AddParticipant,
    Answer,
    CancelAddParticipant,
    CancelMedia,
    Connect,
    HangUp,
    Hold,
    ListParticipants,
    Mute,
    Play,
    Recognize,
    Redirect,
    Reject,
    RemoveParticipant,
    StartContinuousDtmf,
    StartRecording,
    StopContinuousDtmf,
    StopRecording,
    Transfer,
    Unhold,
    spoken,
)
from config.settings import Settings

A = TypeVar("A")


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

    def factory(self, session: CallSession) -> CallActions:
        return FakeCallActions(self, session)

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

    def __init__(self, acs: FakeAcs, session: CallSession) -> None:
        super().__init__(cast(CallAutomationClient, None), acs.settings, session)
        self._acs = acs

    def for_connection(self, call_connection_id: str) -> CallActions:
        return FakeCallActions(self._acs, self.session.detached(call_connection_id))

    def _record(self, verb: str, action: object) -> None:
        error = self._acs.fail.pop(verb, None)
        if error is not None:
            raise error
        self._acs.log.append((self.call_connection_id, action))

    async def answer(self, *, context: ContextLike = None) -> CallConnectionProperties:
        incoming = self._require_incoming("answer")
        failure = self._acs.fail.pop("answer", None)
        if failure is not None:
            raise failure
        new_id = self._acs.answer_ids.get(incoming) or self._acs.next_id("call")
        self.session.bind(new_id, self.server_call_id)
        self._record("answer", Answer(pack(context)))
        return CallConnectionProperties(call_connection_id=new_id, server_call_id=self.server_call_id)

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
        session = CallSession(flow=self.flow, call_connection_id=new_id, server_call_id=f"server-{new_id}")
        return FakeCallActions(self._acs, session)

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
