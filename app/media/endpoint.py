"""The ``/media`` WebSocket: where ACS streams a call's transcription or audio.

The upgrade request is authenticated like a callback: ``Authorization: Bearer <ACS JWT>`` checked by the same
validator (before the socket is accepted; a bad token is refused with HTTP 403). The first message says what
the socket carries:

* ``TranscriptionMetadata``: each ``TranscriptionData`` becomes a :class:`TranscriptionPhrase` that goes through
  the dispatcher like a callback (de-duplicated, under the call's lock, its state loaded and saved), in order.
* ``AudioMetadata``: a :class:`MediaStream` is handed to the call's ``@router.media_stream()`` handler, which runs
  outside the call lock for as long as the stream lasts; frames are queued (bounded, oldest dropped first).

The call is named by the ``x-ms-call-connection-id`` header (or the metadata's ``callConnectionId``); the flow
by the ``flow`` query parameter the actions put in the transport URL. Each socket is its own task, so a slow
handler only delays its own call.

Example::

    lookup = dispatcher.server_call_of
    endpoint = MediaEndpoint(settings, validator=validator, dispatcher=dispatcher, server_call_of=lookup)
    app = Starlette(routes=[WebSocketRoute("/media", endpoint)])
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.auth.errors import AuthenticationError, AuthUnavailableError
from app.auth.jwt import CallbackTokenValidator
from app.dispatch import Dispatcher
from app.logging import bind_call
from app.media.events import MediaStreamOpened, TranscriptionPhrase
from app.media.messages import (
    AudioFrame,
    AudioMetadata,
    DtmfData,
    StreamMessage,
    StreamMessageError,
    TranscriptionData,
    TranscriptionMetadata,
    parse_message,
)
from app.media.stream import MediaStream, StreamClosed
from app.web.sink import SinkUnavailable
from config.settings import Settings

FIRST_MESSAGE_SECONDS = 30.0
HANDLER_GRACE_SECONDS = 5.0
_FLOW = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
# WebSocket close codes of the WebSocket protocol (RFC 6455)
POLICY_VIOLATION = 1008
UNSUPPORTED_DATA = 1003
TRY_AGAIN_LATER = 1013

ServerCallLookup = Callable[[str], Awaitable[str | None]]


class MediaEndpoint:
    """The raw ASGI app behind ``/media`` (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        *,
        validator: CallbackTokenValidator | None,
        dispatcher: Dispatcher,
        server_call_of: ServerCallLookup,
        max_queued_frames: int | None = None,
    ) -> None:
        self.settings = settings
        self.validator = validator
        self.dispatcher = dispatcher
        self.server_call_of = server_call_of
        self.max_queued_frames = max_queued_frames
        self._log = structlog.get_logger("callwright.media")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return
        websocket = WebSocket(scope, receive, send)
        refusal = await self._refusal(websocket)
        if refusal is not None:
            code, reason = refusal
            self._log.warning("media_refused", reason=reason)
            await websocket.close(code=code)
            return
        flow = websocket.query_params.get("flow")
        header_id = websocket.headers.get("x-ms-call-connection-id")
        await websocket.accept()
        try:
            await self._serve(websocket, receive, flow, header_id)
        except WebSocketDisconnect:
            pass
        except Exception:
            self._log.exception("media_socket_failed")
            with contextlib.suppress(RuntimeError):
                await websocket.close(code=1011)

    async def _refusal(self, websocket: WebSocket) -> tuple[int, str] | None:
        flow = websocket.query_params.get("flow")
        if flow is not None and not _FLOW.fullmatch(flow):
            return POLICY_VIOLATION, "bad flow parameter"
        if self.settings.allow_unauthenticated_callbacks:
            return None
        if self.validator is None:
            return POLICY_VIOLATION, "no token validator"
        try:
            await self.validator.validate(websocket.headers.get("authorization"))
        except AuthUnavailableError as error:
            return TRY_AGAIN_LATER, error.reason
        except AuthenticationError as error:
            return POLICY_VIOLATION, error.reason
        return None

    async def _serve(self, websocket: WebSocket, receive: Receive, flow: str | None, header_id: str | None) -> None:
        try:
            first = await asyncio.wait_for(websocket.receive_text(), FIRST_MESSAGE_SECONDS)
            metadata = parse_message(first)
        except (TimeoutError, StreamMessageError, KeyError) as error:
            self._log.warning("media_metadata_missing", reason=type(error).__name__)
            await websocket.close(code=UNSUPPORTED_DATA)
            return
        if isinstance(metadata, TranscriptionMetadata):
            call_id = _safe_id(metadata.call_connection_id) or _safe_id(header_id)
            await self._transcription(websocket, metadata, call_id, flow)
        elif isinstance(metadata, AudioMetadata):
            await self._audio(websocket, receive, metadata, _safe_id(header_id), flow)
        else:
            self._log.warning("media_metadata_missing", reason="first message is not metadata")
            await websocket.close(code=UNSUPPORTED_DATA)

    async def _transcription(
        self, websocket: WebSocket, metadata: TranscriptionMetadata, call_id: str | None, flow: str | None
    ) -> None:
        server_call_id = await self._server_call(call_id)
        with bind_call(call_connection_id=call_id, server_call_id=server_call_id, correlation_id=None):
            self._log.info("transcription_opened", flow=flow, locale=metadata.locale)
            async for message in self._messages(websocket):
                if not isinstance(message, TranscriptionData):
                    continue
                phrase = _phrase(message, metadata, call_id, server_call_id)
                try:
                    await self.dispatcher.dispatch(phrase, flow=flow)
                except SinkUnavailable as error:
                    self._log.error("transcription_dispatch_unavailable", error=str(error))
            self._log.info("transcription_closed")

    async def _audio(
        self, websocket: WebSocket, receive: Receive, metadata: AudioMetadata, call_id: str | None, flow: str | None
    ) -> None:
        server_call_id = await self._server_call(call_id)

        async def send(text: str) -> None:
            try:
                await websocket.send_text(text)
            except (RuntimeError, WebSocketDisconnect, OSError) as error:
                raise StreamClosed("the media socket is closed") from error

        options = {"max_queued": self.max_queued_frames} if self.max_queued_frames else {}
        stream = MediaStream(metadata, send, call_connection_id=call_id, **options)
        opened = MediaStreamOpened(
            id=f"{metadata.subscription_id or 'stream'}:{uuid.uuid4()}",
            type=MediaStreamOpened.TYPE,
            call_connection_id=call_id,
            server_call_id=server_call_id,
            subscription_id=metadata.subscription_id,
            sample_rate=metadata.sample_rate,
            channels=metadata.channels,
            frame_bytes=metadata.length,
        )
        with bind_call(call_connection_id=call_id, server_call_id=server_call_id, correlation_id=None):
            self._log.info("media_stream_opened", flow=flow, sample_rate=metadata.sample_rate)
            handler = asyncio.create_task(
                self.dispatcher.dispatch_detached(opened, flow=flow, extra={"stream": stream})
            )
            try:
                await self._frames(receive, stream)
            finally:
                stream.close()
                await _finish(handler)
                self._log.info("media_stream_closed", frames=stream.received, dropped=stream.dropped)

    async def _frames(self, receive: Receive, stream: MediaStream) -> None:
        """The hot loop of an audio socket (50 messages a second per call): straight from the ASGI ``receive``,
        without the WebSocket wrapper's per-message state checks; malformed messages are logged and skipped."""
        while True:
            event = await receive()
            kind = event["type"]
            if kind == "websocket.disconnect":
                return
            if kind != "websocket.receive":
                continue
            text = event.get("text")
            if text is None:
                self._log.warning("media_message_rejected", reason="binary message")
                continue
            try:
                message = parse_message(text)
            except StreamMessageError as error:
                self._log.warning("media_message_rejected", reason=str(error))
                continue
            if isinstance(message, AudioFrame):
                stream.push(message)
            elif isinstance(message, DtmfData):
                stream.press(message.data)

    async def _messages(self, websocket: WebSocket) -> AsyncIterator[StreamMessage]:
        """The socket's messages, typed; malformed ones are logged and skipped, unknown kinds ignored."""
        async for text in websocket.iter_text():
            try:
                message = parse_message(text)
            except StreamMessageError as error:
                self._log.warning("media_message_rejected", reason=str(error))
                continue
            if message is not None:
                yield message

    async def _server_call(self, call_id: str | None) -> str | None:
        """The server call id, so the phrases of a call share its callbacks' lock (ACS does not send it)."""
        if call_id is None:
            return None
        try:
            return await self.server_call_of(call_id)
        except Exception as error:  # the call may be gone already; phrases then lock on the connection id
            self._log.info("server_call_unknown", error=type(error).__name__)
            return None


def _phrase(
    data: TranscriptionData, metadata: TranscriptionMetadata, call_id: str | None, server_call_id: str | None
) -> TranscriptionPhrase:
    key = f"{metadata.subscription_id}:{data.offset}:{data.result_status}:{len(data.words)}:{len(data.text)}"
    return TranscriptionPhrase(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        type=TranscriptionPhrase.TYPE,
        call_connection_id=call_id,
        server_call_id=server_call_id,
        correlation_id=metadata.correlation_id,
        text=data.text,
        format=data.format,
        confidence=data.confidence,
        offset=data.offset,
        duration=data.duration,
        words=data.words,
        speaker=data.participant_raw_id,
        result_status=data.result_status,
        subscription_id=metadata.subscription_id,
        locale=metadata.locale,
    )


def _safe_id(value: str | None) -> str | None:
    return value if value is not None and _ID.fullmatch(value) else None


async def _finish(handler: asyncio.Task[object]) -> None:
    """Give the stream's handler a moment to finish after the stream ended, then cancel it."""
    try:
        await asyncio.wait_for(asyncio.shield(handler), HANDLER_GRACE_SECONDS)
    except TimeoutError:
        handler.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await handler
    except Exception:  # the dispatcher contains handler errors; anything else is only logged
        structlog.get_logger("callwright.media").exception("media_handler_failed")
