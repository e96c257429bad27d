"""One decorator per common event: ``router.play_failed(...)`` is ``router.on(PlayFailed, ...)``.

Example::

    @router.play_completed(context=Farewell)
    async def goodbye(call: CallActions) -> None:
        await call.hang_up()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from app.events import (
    AddParticipantFailed,
    AddParticipantSucceeded,
    AnswerFailed,
    CallConnected,
    CallDisconnected,
    CallEvent,
    CallTransferAccepted,
    CallTransferFailed,
    CancelAddParticipantFailed,
    CancelAddParticipantSucceeded,
    ConnectFailed,
    ContinuousDtmfRecognitionStopped,
    ContinuousDtmfRecognitionToneReceived,
    CreateCallFailed,
    HoldFailed,
    IncomingCall,
    ParticipantsUpdated,
    PlayCanceled,
    PlayCompleted,
    PlayFailed,
    PlayStarted,
    RecognizeCanceled,
    RecognizeCompleted,
    RecognizeFailed,
    RecordingStateChanged,
    RemoveParticipantFailed,
    RemoveParticipantSucceeded,
    SendDtmfTonesCompleted,
    SendDtmfTonesFailed,
    UnknownEvent,
)
from app.routing.matching import ContextSpec, NumberSpec, When

F = TypeVar("F", bound=Callable[..., Any])


class EventShortcuts:
    """The per-event decorators; each returns the function unchanged, so they stack and stay callable."""

    def on(self, *events: type[CallEvent], context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        raise NotImplementedError

    def _register(
        self,
        events: tuple[type[CallEvent], ...],
        *,
        context: ContextSpec = None,
        when: When = (),
        to: NumberSpec = None,
        from_: NumberSpec = None,
    ) -> Callable[[F], F]:
        raise NotImplementedError

    def incoming_call(self, *, to: NumberSpec = None, from_: NumberSpec = None, when: When = ()) -> Callable[[F], F]:
        """``IncomingCall``: a call is ringing for one of the resource's numbers or identities.

        ``to=`` matches the dialed number and ``from_=`` the caller, each as an E.164 string or raw id
        (``"+18005550102"`` or ``"4:+18005550102"``), a set of them, or a function taking the number (sync or
        async; it receives the E.164 number, or the raw id for a non-phone party).

        Example::

            @router.incoming_call(to=SUPPORT_NUMBER, from_=lambda number: number not in BLOCKED)
            async def answer(call: CallActions) -> None: ...
        """
        return self._register((IncomingCall,), when=when, to=to, from_=from_)

    def call_connected(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``CallConnected``: the call is up (answered, created or connected)."""
        return self.on(CallConnected, context=context, when=when)

    def call_disconnected(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``CallDisconnected``: the call leg ended; the last event for this call."""
        return self.on(CallDisconnected, context=context, when=when)

    def create_call_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``CreateCallFailed``: an outbound call could not be set up."""
        return self.on(CreateCallFailed, context=context, when=when)

    def answer_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``AnswerFailed``: answering the incoming call failed."""
        return self.on(AnswerFailed, context=context, when=when)

    def connect_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``ConnectFailed``: connecting to an existing call failed."""
        return self.on(ConnectFailed, context=context, when=when)

    def participants_updated(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``ParticipantsUpdated``: the participant list changed."""
        return self.on(ParticipantsUpdated, context=context, when=when)

    def add_participant_succeeded(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``AddParticipantSucceeded``: the invited participant joined."""
        return self.on(AddParticipantSucceeded, context=context, when=when)

    def add_participant_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``AddParticipantFailed``: the invited participant did not join."""
        return self.on(AddParticipantFailed, context=context, when=when)

    def remove_participant_succeeded(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``RemoveParticipantSucceeded``: a participant was removed."""
        return self.on(RemoveParticipantSucceeded, context=context, when=when)

    def remove_participant_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``RemoveParticipantFailed``: removing a participant failed."""
        return self.on(RemoveParticipantFailed, context=context, when=when)

    def cancel_add_participant_succeeded(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``CancelAddParticipantSucceeded``: a pending invitation was cancelled."""
        return self.on(CancelAddParticipantSucceeded, context=context, when=when)

    def cancel_add_participant_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``CancelAddParticipantFailed``: cancelling an invitation failed."""
        return self.on(CancelAddParticipantFailed, context=context, when=when)

    def call_transfer_accepted(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``CallTransferAccepted``: the transfer target took the call."""
        return self.on(CallTransferAccepted, context=context, when=when)

    def call_transfer_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``CallTransferFailed``: the transfer did not complete."""
        return self.on(CallTransferFailed, context=context, when=when)

    def play_started(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``PlayStarted``: a prompt started playing."""
        return self.on(PlayStarted, context=context, when=when)

    def play_completed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``PlayCompleted``: a prompt finished playing."""
        return self.on(PlayCompleted, context=context, when=when)

    def play_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``PlayFailed``: a prompt could not be played."""
        return self.on(PlayFailed, context=context, when=when)

    def play_canceled(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``PlayCanceled``: a prompt was cancelled."""
        return self.on(PlayCanceled, context=context, when=when)

    def recognize_completed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``RecognizeCompleted``: the caller entered something (DTMF, choice or speech)."""
        return self.on(RecognizeCompleted, context=context, when=when)

    def recognize_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``RecognizeFailed``: recognition ended without usable input (often a timeout)."""
        return self.on(RecognizeFailed, context=context, when=when)

    def recognize_canceled(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``RecognizeCanceled``: recognition was cancelled."""
        return self.on(RecognizeCanceled, context=context, when=when)

    def continuous_dtmf_tone_received(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``ContinuousDtmfRecognitionToneReceived``: one key pressed during continuous DTMF."""
        return self.on(ContinuousDtmfRecognitionToneReceived, context=context, when=when)

    def continuous_dtmf_stopped(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``ContinuousDtmfRecognitionStopped``: continuous DTMF recognition stopped."""
        return self.on(ContinuousDtmfRecognitionStopped, context=context, when=when)

    def send_dtmf_completed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``SendDtmfTonesCompleted``: sending DTMF tones finished."""
        return self.on(SendDtmfTonesCompleted, context=context, when=when)

    def send_dtmf_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``SendDtmfTonesFailed``: sending DTMF tones failed."""
        return self.on(SendDtmfTonesFailed, context=context, when=when)

    def hold_failed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``HoldFailed``: putting a participant on hold failed."""
        return self.on(HoldFailed, context=context, when=when)

    def recording_state_changed(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``RecordingStateChanged``: recording became active or inactive."""
        return self.on(RecordingStateChanged, context=context, when=when)

    def unknown(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``UnknownEvent``: an event type Callwright does not model."""
        return self.on(UnknownEvent, context=context, when=when)


# The shortcut for each event class, used to suggest a ready-to-paste decorator for unhandled events.
SHORTCUT_NAMES: Mapping[type[CallEvent], str] = MappingProxyType(
    {
        IncomingCall: "incoming_call",
        CallConnected: "call_connected",
        CallDisconnected: "call_disconnected",
        CreateCallFailed: "create_call_failed",
        AnswerFailed: "answer_failed",
        ConnectFailed: "connect_failed",
        ParticipantsUpdated: "participants_updated",
        AddParticipantSucceeded: "add_participant_succeeded",
        AddParticipantFailed: "add_participant_failed",
        RemoveParticipantSucceeded: "remove_participant_succeeded",
        RemoveParticipantFailed: "remove_participant_failed",
        CancelAddParticipantSucceeded: "cancel_add_participant_succeeded",
        CancelAddParticipantFailed: "cancel_add_participant_failed",
        CallTransferAccepted: "call_transfer_accepted",
        CallTransferFailed: "call_transfer_failed",
        PlayStarted: "play_started",
        PlayCompleted: "play_completed",
        PlayFailed: "play_failed",
        PlayCanceled: "play_canceled",
        RecognizeCompleted: "recognize_completed",
        RecognizeFailed: "recognize_failed",
        RecognizeCanceled: "recognize_canceled",
        ContinuousDtmfRecognitionToneReceived: "continuous_dtmf_tone_received",
        ContinuousDtmfRecognitionStopped: "continuous_dtmf_stopped",
        SendDtmfTonesCompleted: "send_dtmf_completed",
        SendDtmfTonesFailed: "send_dtmf_failed",
        HoldFailed: "hold_failed",
        RecordingStateChanged: "recording_state_changed",
        UnknownEvent: "unknown",
    }
)
