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
from app.media.events import MediaStreamOpened, TranscriptionPhrase
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

    def transcription(self, *, final: bool | None = None, when: When = ()) -> Callable[[F], F]:
        """A transcribed phrase from the ``/media`` WebSocket (``TranscriptionPhrase``), with the call bound.

        ``final=True`` keeps only final results, ``final=False`` only intermediate ones; by default both.

        Example::

            @router.transcription(final=True, when=lambda event: event.mentions("agent"))
            async def escalate(call: CallActions) -> None:
                await call.transfer("+18005550199")
        """
        checks: list[Any] = [] if final is None else [lambda event: event.is_final == final]
        extra = list(when) if isinstance(when, list | tuple) else [when]
        return self.on(TranscriptionPhrase, when=tuple(checks + extra))

    def media_stream(self, *, when: When = ()) -> Callable[[F], F]:
        """An audio stream opened for the call (``MediaStreamOpened``): ask for ``stream`` and read it.

        The handler runs outside the call's lock for as long as the stream lasts; its ``state`` is a snapshot.

        Example::

            @router.media_stream()
            async def bot(stream: MediaStream) -> None:
                async for frame in stream:
                    ...
        """
        return self.on(MediaStreamOpened, when=when)

    def unknown(self, *, context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """``UnknownEvent``: an event type Callwright does not model."""
        return self.on(UnknownEvent, context=context, when=when)


class _Probe(EventShortcuts):
    """Calls a shortcut and remembers the event classes it registers (nothing is registered anywhere)."""

    def __init__(self) -> None:
        self.events: tuple[type[CallEvent], ...] = ()

    def on(self, *events: type[CallEvent], context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        self.events = events
        return lambda func: func

    def _register(self, events: tuple[type[CallEvent], ...], **_: Any) -> Callable[[F], F]:
        self.events = events
        return lambda func: func


def _shortcut_names() -> Mapping[type[CallEvent], str]:
    names: dict[type[CallEvent], str] = {}
    for name, member in vars(EventShortcuts).items():
        if name.startswith("_") or name == "on" or not callable(member):
            continue
        probe = _Probe()
        getattr(probe, name)()
        [event] = probe.events
        names[event] = name
    return MappingProxyType(names)


SHORTCUT_NAMES: Mapping[type[CallEvent], str] = _shortcut_names()
"""Each event class and the decorator that registers it, read from the decorators themselves (not kept by hand).
Used to suggest a ready-to-paste decorator for unhandled events; ``tests/unit/test_routing.py`` checks it against
the event registry."""

WITHOUT_SHORTCUT: frozenset[str] = frozenset(
    {
        # Reporting, Event Grid-only or media-pipeline events a flow rarely handles: use ``router.on(EventClass)``.
        "MoveParticipantSucceeded", "MoveParticipantFailed", "ContinuousDtmfRecognitionToneFailed",
        "HoldAudioStarted", "HoldAudioPaused", "HoldAudioResumed", "HoldAudioCompleted", "StartRecordingFailed",
        "MediaStreamingStarted", "MediaStreamingStopped", "MediaStreamingFailed", "TranscriptionStarted",
        "TranscriptionStopped", "TranscriptionUpdated", "TranscriptionFailed", "SubscriptionValidation",
        "CallStarted", "CallEnded", "CallParticipantAdded", "CallParticipantRemoved", "RecordingFileStatusUpdated",
    }
)  # fmt: skip
"""Names of the registry's event classes that deliberately have no shortcut decorator."""
