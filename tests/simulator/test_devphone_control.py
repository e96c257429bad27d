"""What the dev phone needs from the emulator: parties answered by hand, staying silent, prompts as heard,
the live stream, and the page itself."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import httpx
from azure.communication.callautomation import CallInvite, DtmfTone, PhoneNumberIdentifier, TextSource

from tests.simulator.conftest import Env

APP_NUMBER = "+18005550100"
CALLER = "+15551230001"
BOB = "+15551230002"


def party_path(server_call_id: str, who: str, verb: str) -> str:
    return f"/simulator/calls/{quote(server_call_id, safe='')}/parties/{quote(who, safe='')}/{verb}"


async def first_frame(http: httpx.AsyncClient) -> Any:
    """The snapshot a page gets when it opens the stream."""
    async with http.stream("GET", "/simulator/stream") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                return json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended before its snapshot")


async def _ringing_call(env: Env) -> str:
    await env.control.set_behaviour("*", answer="manual")
    props = await env.client.create_call(
        CallInvite(PhoneNumberIdentifier(BOB), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)),
        env.callback_url,
    )
    return str(props.call_connection_id)


async def test_a_manual_party_rings_until_answered_by_hand(env: Env, http: httpx.AsyncClient) -> None:
    conn_id = await _ringing_call(env)
    await asyncio.sleep(0.2)  # 10 simulated seconds: a default party would have answered after 1
    assert env.receiver.of(conn_id) == []
    call = (await first_frame(http))["calls"][0]
    assert call["ringing"] == [
        {"rawId": f"4:{BOB}", "invitationId": call["ringing"][0]["invitationId"], "answer": "manual"}
    ]
    sid = call["serverCallId"]
    assert (await http.post(party_path(sid, BOB, "answer"), json={"answer": "maybe"})).status_code == 422
    assert (await http.post(party_path(sid, CALLER, "answer"), json={})).status_code == 409
    assert (await http.post(party_path(sid, BOB, "answer"), json={"answer": "accept"})).status_code == 204
    await env.receiver.event(conn_id, "CallConnected")
    assert (await http.post(party_path(sid, BOB, "answer"), json={})).status_code == 409  # not ringing any more


async def test_declined_by_hand_the_call_fails(env: Env, http: httpx.AsyncClient) -> None:
    conn_id = await _ringing_call(env)
    sid = (await env.control.list_calls())[0].server_call_id
    await env.control.wait_for(sid, lambda entries: any(e.name == "ringing" for e in entries))
    assert (await http.post(party_path(sid, BOB, "answer"), json={"answer": "reject"})).status_code == 204
    failed = await env.receiver.event(conn_id, "CreateCallFailed")
    assert failed.data["resultInformation"]["subCode"] == 8538
    assert (await http.get("/simulator/parties/*")).json()["behaviour"]["answer"] == "manual"


async def test_staying_silent_fires_the_timeout_now_and_prompts_are_heard(env: Env, http: httpx.AsyncClient) -> None:
    placed = await env.control.place_call(CALLER, APP_NUMBER)
    incoming = await env.receiver.incoming_call()
    props = await env.client.answer_call(incoming["incomingCallContext"], env.callback_url)
    await env.receiver.event(props.call_connection_id, "CallConnected")
    connection = env.client.get_call_connection(props.call_connection_id)
    await connection.start_recognizing_media(
        input_type="dtmf",
        target_participant=PhoneNumberIdentifier(CALLER),
        play_prompt=TextSource(text="Press one", source_locale="en-GB", voice_name="en-GB-SoniaNeural"),
        initial_silence_timeout=300,
        dtmf_stop_tones=[DtmfTone.POUND],
    )
    entries = await env.control.wait_for(placed.server_call_id, lambda es: any(e.name == "prompt ended" for e in es))
    started = next(e for e in entries if e.name == "prompt started")
    assert started.kind == "media"
    assert started.detail["source"] == {
        "kind": "text",
        "content": "Press one",
        "locale": "en-GB",
        "voice": "en-GB-SoniaNeural",
    }
    assert started.detail["to"] == [f"4:{CALLER}"] and started.detail["operation"] == "recognize"
    reply = await http.post(party_path(placed.server_call_id, CALLER, "silence"))
    assert reply.json() == {"heard": True}
    failed = await env.receiver.event(props.call_connection_id, "RecognizeFailed", timeout=2)
    assert failed.data["resultInformation"]["subCode"] == 8510


async def test_the_stream_opens_with_a_snapshot_then_sends_batches(env: Env, http: httpx.AsyncClient) -> None:
    async with http.stream("GET", "/simulator/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        frames = stream.aiter_lines()

        async def next_event() -> tuple[str, dict[str, object]]:
            name = ""
            async for line in frames:
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    return name, json.loads(line.removeprefix("data: "))
            raise AssertionError("the stream ended")

        assert await asyncio.wait_for(next_event(), 5) == ("snapshot", {"calls": [], "entries": []})
        placed = await env.control.place_call(CALLER, APP_NUMBER)
        name, batch = await asyncio.wait_for(next_event(), 5)
    assert name == "batch"
    assert [c["serverCallId"] for c in batch["calls"]] == [placed.server_call_id]  # type: ignore[union-attr]
    entries = batch["entries"]
    assert isinstance(entries, list) and entries[0]["name"] == "dial"
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)


async def test_the_page_and_its_modules_are_served_by_the_emulator(http: httpx.AsyncClient) -> None:
    for path in ("/", "/phone"):
        page = await http.get(path)
        assert page.status_code == 200 and "Callwright dev phone" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
    script = await http.get("/ui/phone.js")
    assert script.status_code == 200 and "EventSource" in script.text
    assert (await http.get("/ui/missing.js")).status_code == 404
    info = (await http.get("/simulator/phone")).json()
    assert APP_NUMBER in info["ownedNumbers"]
