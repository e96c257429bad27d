"""Live transcription and media streaming: the options for answer/create/connect and the mid-call actions.

ACS streams to a WebSocket URL given when the call is set up. The actions fill it in from the callback base URL
(``ws(s)://<host>/media?flow=<flow>``), so the stream lands on this service's ``/media`` endpoint and its phrases
and frames are routed to the call's flow, like its callbacks.

Example::

    await call.answer(transcription=Transcription(locale="en-US"))            # starts with the call
    await call.answer(media=MediaStreaming(bidirectional=True, start=False))
    await call.start_media_streaming()
    await call.update_transcription("es-MX")
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

from azure.communication.callautomation import MediaStreamingOptions, TranscriptionOptions
from azure.communication.callautomation.aio import CallConnectionClient

from app.actions.packing import FLOW_PARAM, ContextLike, pack
from config.settings import Settings

T = TypeVar("T")
MEDIA_PATH = "/media"


def media_url(settings: Settings, flow: str | None) -> str:
    """``ws://host/media?flow=...`` (``wss://`` behind https): where ACS opens transcription and audio sockets."""
    base = settings.callback_url.removesuffix("/Events")
    scheme, _, rest = base.partition("://")
    url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}{MEDIA_PATH}"
    return f"{url}?{urlencode({FLOW_PARAM: flow})}" if flow else url


@dataclass(frozen=True)
class Transcription:
    """Live transcription for a call being answered, created or connected.

    ``start=False`` sets it up without starting it (``call.start_transcription()`` later). ``intermediate``
    also delivers partial results as the caller speaks.
    """

    locale: str = "en-US"
    start: bool = True
    intermediate: bool = False
    speech_model: str | None = None

    def to_sdk(self, url: str) -> TranscriptionOptions:
        return TranscriptionOptions(
            transport_url=url,
            transport_type="websocket",
            locale=self.locale,
            start_transcription=self.start,
            speech_recognition_model_endpoint_id=self.speech_model,
            enable_intermediate_results=self.intermediate,
        )


@dataclass(frozen=True)
class MediaStreaming:
    """Audio streaming for a call being answered, created or connected.

    ``mixed`` gives one stream of the whole call, otherwise one per participant; ``bidirectional`` lets the app
    play audio back (``stream.send``); ``dtmf`` also delivers key presses (``stream.digits``).
    """

    start: bool = True
    mixed: bool = True
    bidirectional: bool = False
    audio_format: Literal["pcm16KMono", "pcm24KMono"] = "pcm16KMono"
    dtmf: bool = False

    def to_sdk(self, url: str) -> MediaStreamingOptions:
        return MediaStreamingOptions(
            transport_url=url,
            transport_type="websocket",
            content_type="audio",
            audio_channel_type="mixed" if self.mixed else "unmixed",
            start_media_streaming=self.start,
            enable_bidirectional=self.bidirectional,
            audio_format=self.audio_format,
            enable_dtmf_tones=self.dtmf,
        )


def live_media_options(
    settings: Settings, flow: str | None, transcription: Transcription | None, media: MediaStreaming | None
) -> dict[str, Any]:
    """The SDK keyword arguments (``transcription=``, ``media_streaming=``) for answer/create/connect."""
    url = media_url(settings, flow)
    options: dict[str, Any] = {}
    if transcription is not None:
        options["transcription"] = transcription.to_sdk(url)
    if media is not None:
        options["media_streaming"] = media.to_sdk(url)
    return options


class StreamingActions:
    """The live-media half of ``CallActions``: each returns once ACS accepted; ``Transcription*`` /
    ``MediaStreaming*`` events follow with the same operation context."""

    async def start_transcription(
        self,
        *,
        locale: str | None = None,
        speech_model: str | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        """Start the transcription set up with the call: ``TranscriptionStarted`` (or ``TranscriptionFailed``)."""
        await self._transcription("start_transcription", locale, speech_model, context, callback_url)

    async def update_transcription(
        self,
        locale: str,
        *,
        speech_model: str | None = None,
        context: ContextLike = None,
        callback_url: str | None = None,
    ) -> None:
        """Switch the running transcription to ``locale``: ``TranscriptionUpdated``."""
        await self._transcription("update_transcription", locale, speech_model, context, callback_url)

    async def _transcription(
        self,
        action: str,
        locale: str | None,
        speech_model: str | None,
        context: ContextLike,
        callback_url: str | None,
    ) -> None:
        connection = self._connection()
        verb = connection.start_transcription if action == "start_transcription" else connection.update_transcription
        options: dict[str, Any] = {"locale": locale} if locale else {}
        await self._run(
            action,
            verb(
                speech_recognition_model_endpoint_id=speech_model,
                operation_context=pack(context),
                operation_callback_url=callback_url,
                **options,
            ),
            locale=locale,
            context=context,
        )

    async def stop_transcription(self, *, context: ContextLike = None, callback_url: str | None = None) -> None:
        """``TranscriptionStopped`` follows."""
        await self._run(
            "stop_transcription",
            self._connection().stop_transcription(operation_context=pack(context), operation_callback_url=callback_url),
            context=context,
        )

    async def start_media_streaming(self, *, context: ContextLike = None, callback_url: str | None = None) -> None:
        """Start the audio stream set up with the call: ``MediaStreamingStarted`` (or ``MediaStreamingFailed``)."""
        await self._run(
            "start_media_streaming",
            self._connection().start_media_streaming(
                operation_context=pack(context), operation_callback_url=callback_url
            ),
            context=context,
        )

    async def stop_media_streaming(self, *, context: ContextLike = None, callback_url: str | None = None) -> None:
        """``MediaStreamingStopped`` follows."""
        await self._run(
            "stop_media_streaming",
            self._connection().stop_media_streaming(
                operation_context=pack(context), operation_callback_url=callback_url
            ),
            context=context,
        )

    # Plumbing provided by CallActions.
    def _connection(self) -> CallConnectionClient:
        raise NotImplementedError

    async def _run(self, action: str, operation: Awaitable[T], **fields: Any) -> T:
        raise NotImplementedError
