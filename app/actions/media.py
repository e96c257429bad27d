"""Media actions (play, recognize, DTMF, hold), mixed into ``CallActions``.

Each returns once ACS has accepted the request; the outcome arrives as an event (``PlayCompleted``,
``RecognizeCompleted``/``RecognizeFailed``, ...) carrying the same operation context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from azure.communication.callautomation import CommunicationIdentifier
from azure.communication.callautomation.aio import CallConnectionClient

from app.actions.packing import ContextLike, pack
from app.actions.prompts import Choice, Prompt, describe, play_source, play_sources, tone_names
from app.actions.recording import RecordingActions
from app.actions.targets import SupportsSdkIdentifier, as_identifier, raw_id

T = TypeVar("T")
TargetLike = str | CommunicationIdentifier | SupportsSdkIdentifier


class MediaActions(RecordingActions):
    """The media half of ``CallActions``.

    Example::

        await call.play("Thanks for calling.", context=Farewell())
        await call.recognize_dtmf("For sales press 1, for support press 2.", max_tones=1, context=Menu())
    """

    def set_language(self, locale: str, voice: str | None = None) -> None:
        """Make ``locale``/``voice`` the default for the rest of the call (kept in the call's session)."""
        self.session.set_language(locale, voice)

    async def play(
        self,
        prompt: Prompt | Sequence[Prompt],
        *,
        to: TargetLike | Literal["all"] = "all",
        loop: bool = False,
        interrupt: bool = False,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        """Play text, SSML or audio to everyone (default) or to one participant.

        ``interrupt=True`` (everyone only) stops whatever media is playing instead of queueing behind it.
        ``PlayStarted`` then ``PlayCompleted``/``PlayFailed``/``PlayCanceled`` follow.
        """
        sources = play_sources(prompt, voice=self.voice, locale=self.locale)
        connection = self._connection()
        if to == "all":
            operation = connection.play_media(
                sources,
                "all",
                loop=loop,
                operation_context=pack(context),
                operation_callback_url=callback_url,
                interrupt_call_media_operation=interrupt,
            )
            target = "all"
        else:
            identifier = as_identifier(to)
            operation = connection.play_media(
                sources, [identifier], loop=loop, operation_context=pack(context), operation_callback_url=callback_url
            )
            target = raw_id(identifier)
        await self._journaled("play", operation, prompt=describe(prompt), to=target, context=context)

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
        """Collect key presses, optionally after a prompt the caller can barge in on (``interrupt_prompt``).

        ``RecognizeCompleted`` (``event.digits``) or ``RecognizeFailed`` (8510 silence, 8532 inter-digit) follows.
        """
        await self._recognize(
            "dtmf",
            prompt,
            target=target,
            initial_silence_timeout=initial_silence_timeout,
            interrupt_prompt=interrupt_prompt,
            context=context,
            callback_url=callback_url,
            dtmf_max_tones_to_collect=max_tones,
            dtmf_stop_tones=tone_names(stop_tones) if stop_tones else None,
            dtmf_inter_tone_timeout=inter_tone_timeout,
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
        """Let the caller say a phrase or press the tone of one of ``choices``; ``event.choice`` is its label."""
        if not choices:
            raise ValueError("recognize_choices needs at least one Choice")
        await self._recognize(
            "choices",
            prompt,
            target=target,
            initial_silence_timeout=initial_silence_timeout,
            interrupt_prompt=interrupt_prompt,
            context=context,
            callback_url=callback_url,
            choices=[choice.to_sdk() for choice in choices],
            speech_language=speech_language or self.locale,
        )

    async def recognize_speech_or_dtmf(
        self,
        prompt: Prompt | Sequence[Prompt] | None = None,
        *,
        max_tones: int = 1,
        end_silence_timeout: int = 1,
        initial_silence_timeout: int = 5,
        interrupt_prompt: bool = True,
        speech_language: str | None = None,
        target: TargetLike | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        """Accept either speech (``event.speech``) or keys (``event.digits``)."""
        await self._recognize(
            "speechOrDtmf",
            prompt,
            target=target,
            initial_silence_timeout=initial_silence_timeout,
            interrupt_prompt=interrupt_prompt,
            context=context,
            callback_url=callback_url,
            dtmf_max_tones_to_collect=max_tones,
            end_silence_timeout=end_silence_timeout,
            speech_language=speech_language or self.locale,
        )

    async def start_continuous_dtmf(self, *, target: TargetLike | None = None, context: ContextLike = None) -> None:
        """Report every key the participant presses as ``ContinuousDtmfRecognitionToneReceived``."""
        identifier = self._default_target(target)
        await self._journaled(
            "start_continuous_dtmf",
            self._connection().start_continuous_dtmf_recognition(identifier, operation_context=pack(context)),
            target=raw_id(identifier),
            context=context,
        )

    async def stop_continuous_dtmf(
        self, *, target: TargetLike | None = None, context: ContextLike = None, callback_url: str | None = None
    ) -> None:
        identifier = self._default_target(target)
        await self._journaled(
            "stop_continuous_dtmf",
            self._connection().stop_continuous_dtmf_recognition(
                identifier, operation_context=pack(context), operation_callback_url=callback_url
            ),
            target=raw_id(identifier),
            context=context,
        )

    async def send_dtmf(
        self,
        tones: str | Sequence[str],
        *,
        target: TargetLike | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        """Send up to 18 tones to a PSTN participant; ``SendDtmfTonesCompleted``/``Failed`` follows."""
        names = tone_names(tones)
        if not 1 <= len(names) <= 18:
            raise ValueError("send_dtmf sends 1 to 18 tones")
        identifier = self._default_target(target)
        connection = self._connection()
        await self._repeatable(
            "send_dtmf",
            lambda headers: connection.send_dtmf_tones(
                names, identifier, operation_context=pack(context), operation_callback_url=callback_url, headers=headers
            ),
            tones=len(names),
            target=raw_id(identifier),
            context=context,
        )

    async def cancel_media(self) -> None:
        """Stop the running and queued media operations (``PlayCanceled``/``RecognizeCanceled`` follow)."""
        await self._journaled("cancel_media", self._connection().cancel_all_media_operations())

    async def hold(
        self,
        *,
        target: TargetLike | None = None,
        music: Prompt | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        """Put a participant on hold, optionally with music; ``ParticipantsUpdated`` shows ``isOnHold``."""
        identifier = self._default_target(target)
        await self._journaled(
            "hold",
            self._connection().hold(
                identifier,
                play_source=play_source(music, voice=self.voice, locale=self.locale) if music is not None else None,
                operation_context=pack(context),
                operation_callback_url=callback_url,
            ),
            target=raw_id(identifier),
            context=context,
        )

    async def unhold(
        self, *, target: TargetLike | None = None, context: ContextLike = None, callback_url: str | None = None
    ) -> None:
        identifier = self._default_target(target)
        await self._journaled(
            "unhold",
            self._connection().unhold(identifier, operation_context=pack(context), operation_callback_url=callback_url),
            target=raw_id(identifier),
            context=context,
        )

    async def _recognize(
        self,
        kind: str,
        prompt: Prompt | Sequence[Prompt] | None,
        *,
        target: TargetLike | None,
        initial_silence_timeout: int,
        interrupt_prompt: bool,
        context: ContextLike,
        callback_url: str | None,
        **options: Any,
    ) -> None:
        identifier = self._default_target(target)
        sources = play_sources(prompt, voice=self.voice, locale=self.locale) if prompt is not None else None
        await self._journaled(
            "recognize",
            self._connection().start_recognizing_media(
                kind,
                identifier,
                initial_silence_timeout=initial_silence_timeout,
                play_prompt=sources[0] if sources and len(sources) == 1 else sources,
                interrupt_prompt=interrupt_prompt,
                operation_context=pack(context),
                operation_callback_url=callback_url,
                **{key: value for key, value in options.items() if value is not None},
            ),
            kind=kind,
            prompt=describe(prompt) if prompt is not None else None,
            target=raw_id(identifier),
            context=context,
        )

    # Plumbing provided by CallActions.
    def _connection(self) -> CallConnectionClient:
        raise NotImplementedError

    def _default_target(self, target: TargetLike | None) -> CommunicationIdentifier:
        raise NotImplementedError
