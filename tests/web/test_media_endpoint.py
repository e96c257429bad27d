"""The /media WebSocket over real loopback sockets: JWT on the upgrade, typed messages, transcription routed
through the dispatcher with the call bound, media streams with back-pressure, and isolation between calls."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from app import CallActions, CallState, Router
from app.auth.jwks import JwksCache
from app.auth.jwt import CallbackTokenValidator
from app.dispatch import Dispatcher, session_key
from app.media import MediaStream, TranscriptionPhrase
from app.media.endpoint import MediaEndpoint
from app.state.memory import MemoryStateStore
from app.testing.fakes.acs import FakeAcs
from app.testing.fakes.records import Transfer
from config.settings import Settings
from simulator.server import run_asgi
from tests.web.keys import AUDIENCE, ISSUER, JWKS_URL, FakeClock, Signer

WAIT = 5.0
CALL = "2c006980-8ef1-46c2-84fa-357fefac0893"
OTHER_CALL = "41af0b00-360b-49d4-8323-c08b3b9d4043"


def metadata_transcription(call_id: str = CALL) -> dict[str, Any]:
    return {
        "kind": "TranscriptionMetadata",
        "transcriptionMetadata": {
            "subscriptionId": "835be116-f750-48a4-a5a4-ab85e070e5b0",
            "locale": "en-us",
            "callConnectionId": call_id,
            "correlationId": "65c57654-f12c-4975-92a4-21668e61dd98",
        },
    }


def phrase(text: str, *, offset: int = 0, status: str = "Final") -> dict[str, Any]:
    words = [{"text": w.lower(), "offset": offset, "duration": 4_000_000} for w in text.split()]
    return {
        "kind": "TranscriptionData",
        "transcriptionData": {
            "text": text,
            "format": "display",
            "confidence": 0.9,
            "offset": offset,
            "duration": 4_000_000 * len(words),
            "words": words,
            "participantRawID": "4:+15551230001",
            "resultStatus": status,
        },
    }


AUDIO_METADATA = {
    "kind": "AudioMetadata",
    "audioMetadata": {
        "subscriptionId": "89e8cb59",
        "encoding": "PCM",
        "sampleRate": 16000,
        "channels": 1,
        "length": 640,
    },
}


def frame(byte: int) -> dict[str, Any]:
    data = base64.b64encode(bytes([byte]) * 640).decode()
    return {"kind": "AudioData", "audioData": {"timestamp": "2024-11-15T19:16:12.925Z", "data": data, "silent": False}}


class Harness:
    def __init__(self, router: Router, signer: Signer, jwks_http: httpx.AsyncClient, clock: FakeClock) -> None:
        self.settings = Settings()
        self.acs = FakeAcs(self.settings)
        self.store = MemoryStateStore()
        self.dispatcher = Dispatcher(
            self.settings, flows=[router], common=[], store=self.store, actions=self.acs.factory
        )
        validator = CallbackTokenValidator(
            ISSUER, AUDIENCE, JWKS_URL, jwks_http, jwks=JwksCache(JWKS_URL, jwks_http, clock=clock)
        )

        async def server_call_of(call_connection_id: str) -> str:
            return f"server-{call_connection_id}"

        self.endpoint = MediaEndpoint(
            self.settings,
            validator=validator,
            dispatcher=self.dispatcher,
            server_call_of=server_call_of,
            max_queued_frames=5,
        )
        self.signer = signer
        self.url = ""

    @asynccontextmanager
    async def socket(
        self, *, token: str | None = "valid", call_id: str = CALL, flow: str = "tests"
    ) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        headers = {"x-ms-call-connection-id": call_id}
        if token is not None:
            headers["Authorization"] = f"Bearer {self.signer.mint() if token == 'valid' else token}"
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{self.url}?flow={flow}", headers=headers) as ws:
                yield ws


@pytest.fixture
def router() -> Router:
    return Router(name="tests")


@pytest.fixture
async def harness(
    router: Router, signer: Signer, jwks_http: httpx.AsyncClient, clock: FakeClock
) -> AsyncIterator[Harness]:
    built = Harness(router, signer, jwks_http, clock)
    async with run_asgi(Starlette(routes=[WebSocketRoute("/media", built.endpoint)])) as served:
        built.url = f"ws://127.0.0.1:{served.port}/media"
        yield built


async def until(predicate: Callable[[], object], timeout: float = WAIT) -> None:  # noqa: ASYNC109 - poll deadline
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("token", [None, "not-a-jwt"])
async def test_an_upgrade_without_a_valid_acs_token_is_refused(harness: Harness, token: str | None) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        async with harness.socket(token=token):
            pass
    assert refused.value.status == 403


async def test_a_token_for_another_resource_is_refused(harness: Harness) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError):
        async with harness.socket(token=harness.signer.mint(aud="someone-else")):
            pass


async def test_phrases_reach_the_flow_with_the_call_bound_and_state_saved(harness: Harness, router: Router) -> None:
    heard: list[TranscriptionPhrase] = []

    @router.transcription(final=True)
    async def on_phrase(event: TranscriptionPhrase, call: CallActions, state: CallState) -> None:
        heard.append(event)
        state["phrases"] = [*state.get("phrases", []), event.text]
        if event.mentions("agent"):
            await call.transfer("+18005550199")

    async with harness.socket() as ws:
        await ws.send_json(metadata_transcription())
        await ws.send_json(phrase("I want", status="Intermediate"))
        await ws.send_json(phrase("I want an agent"))
        await ws.send_json(phrase("I want an agent"))  # a repeat of the same result is handled once
        await until(lambda: harness.acs.of_type(Transfer))
    assert [p.text for p in heard] == ["I want an agent"]
    assert heard[0].call_connection_id == CALL and heard[0].server_call_id == f"server-{CALL}"
    assert heard[0].speaker == "4:+15551230001" and heard[0].locale == "en-us"
    assert harness.acs.actions_of(CALL) == [Transfer("4:+18005550199", None, ())]
    saved = (await harness.store.read(session_key(CALL))).value or {}
    assert saved["state"]["phrases"] == ["I want an agent"]


async def test_malformed_messages_are_skipped_and_the_socket_stays_open(harness: Harness, router: Router) -> None:
    heard: list[str] = []

    @router.transcription()
    async def on_phrase(event: TranscriptionPhrase) -> None:
        heard.append(event.text)

    async with harness.socket() as ws:
        await ws.send_json(metadata_transcription())
        await ws.send_str("{not json")
        await ws.send_json({"kind": "TranscriptionData", "transcriptionData": {"confidence": "high"}})
        await ws.send_json(phrase("still here"))
        await until(lambda: heard)
    assert heard == ["still here"]


async def test_a_first_message_that_is_not_metadata_closes_the_socket(harness: Harness) -> None:
    async with harness.socket() as ws:
        await ws.send_json(phrase("too early"))
        message = await ws.receive(timeout=WAIT)
    assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1003


async def test_a_media_stream_handler_reads_frames_and_answers_with_audio(harness: Harness, router: Router) -> None:
    @router.media_stream()
    async def echo(stream: MediaStream, call: CallActions) -> None:
        assert call.call_connection_id == CALL
        async for audio in stream:
            await stream.send(audio.pcm)
            await stream.stop_audio()

    async with harness.socket() as ws:
        await ws.send_json(AUDIO_METADATA)
        await ws.send_json(frame(7))
        played = json.loads(await ws.receive_str(timeout=WAIT))
        stopped = json.loads(await ws.receive_str(timeout=WAIT))
    assert played == {
        "Kind": "AudioData",
        "AudioData": {"Data": base64.b64encode(bytes([7]) * 640).decode()},
        "StopAudio": None,
    }
    assert stopped == {"Kind": "StopAudio", "AudioData": None, "StopAudio": {}}


async def test_a_slow_stream_handler_drops_its_oldest_frames_and_does_not_stall_another_call(
    harness: Harness, router: Router
) -> None:
    seen: dict[str, list[int]] = {CALL: [], OTHER_CALL: []}
    streams: dict[str, MediaStream] = {}
    release = asyncio.Event()

    @router.media_stream()
    async def handler(stream: MediaStream, event: Any) -> None:
        streams[str(event.call_connection_id)] = stream
        async for audio in stream:
            seen[str(event.call_connection_id)].append(audio.pcm[0])
            if event.call_connection_id == CALL:
                await release.wait()  # this call's handler is stuck

    async with harness.socket(call_id=CALL) as slow, harness.socket(call_id=OTHER_CALL) as fast:
        await slow.send_json(AUDIO_METADATA)
        await fast.send_json(AUDIO_METADATA)
        await until(lambda: len(streams) == 2)
        for n in range(20):  # paced like real audio, only faster
            await slow.send_json(frame(n))
            await fast.send_json(frame(n))
            await asyncio.sleep(0.005)
        await until(lambda: len(seen[OTHER_CALL]) == 20)
        await until(lambda: streams[CALL].received == 20)
        release.set()
        await until(lambda: len(seen[CALL]) >= 6)
    assert seen[OTHER_CALL] == list(range(20))
    assert seen[CALL][0] == 0 and seen[CALL][-5:] == [15, 16, 17, 18, 19]  # the newest frames were kept
    assert streams[CALL].dropped == 14
