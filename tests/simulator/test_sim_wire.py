"""The wire contract: HMAC, api-version, repeatability, ACS-shaped errors for bad input, REST faults."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from azure.communication.callautomation import CallInvite, PhoneNumberIdentifier
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from tests.simulator.conftest import Env

API = "api-version=2026-03-12"
APP_NUMBER = "+18005550100"
BOB = "+15551230002"


def _signed(
    env: Env,
    method: str,
    target: str,
    body: bytes,
    *,
    key: str | None = None,
    sign_target: str | None = None,
    date: str | None = None,
) -> dict[str, str]:
    """Headers signed as learn.microsoft.com/rest/api/communication/authentication describes
    (written from the spec, independent of the emulator's code)."""
    host = env.sim.base_url.split("://", 1)[1]
    date = date or datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    to_sign = f"{method}\n{sign_target or target}\n{date};{host};{digest}"
    secret = base64.b64decode(key or env.key)
    signature = base64.b64encode(hmac.new(secret, to_sign.encode(), hashlib.sha256).digest()).decode()
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": digest,
        "Authorization": f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}",
        "Content-Type": "application/json",
    }


async def _send(
    env: Env,
    method: str,
    target: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    **sign: Any,
) -> httpx.Response:
    content = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    signed = _signed(env, method, target, content, **sign)
    async with httpx.AsyncClient() as http:
        return await http.request(method, env.sim.base_url + target, content=content, headers=signed | (headers or {}))


def _create_body(env: Env) -> dict[str, Any]:
    return {
        "targets": [{"rawId": "4:+15551230002", "phoneNumber": {"value": "+15551230002"}}],
        "sourceCallerIdNumber": {"value": APP_NUMBER},
        "callbackUri": env.callback_url,
    }


def _assert_acs_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


async def test_wrong_key_is_401_7509(env: Env) -> None:
    wrong = base64.b64encode(b"not-the-key").decode()
    async with CallAutomationClient(env.sim.base_url, AzureKeyCredential(wrong)) as client:
        with pytest.raises(ClientAuthenticationError) as caught:
            await client.get_call_connection(str(uuid.uuid4())).get_call_properties()
    assert "7509" in str(caught.value)


async def test_hmac_rejections(env: Env) -> None:
    target = f"/calling/callConnections?{API}"
    async with httpx.AsyncClient() as http:
        missing = await http.post(env.sim.base_url + target, json=_create_body(env))
    _assert_acs_error(missing, 401, "7509")
    body = json.dumps(_create_body(env)).encode()
    signed = _signed(env, "POST", target, body)
    async with httpx.AsyncClient() as http:
        tampered = await http.post(env.sim.base_url + target, content=body.replace(b"+1555", b"+1666"), headers=signed)
    _assert_acs_error(tampered, 401, "7509")
    wrong_path = await _send(env, "POST", target, _create_body(env), sign_target=f"/calling/other?{API}")
    _assert_acs_error(wrong_path, 401, "7509")
    stale = await _send(env, "POST", target, _create_body(env), date="Mon, 01 Jan 2024 00:00:00 GMT")
    _assert_acs_error(stale, 401, "7509")
    assert env.world.calls == {}
    ok = await _send(env, "POST", target, _create_body(env))
    assert ok.status_code == 201
    assert ok.json()["targets"][0] == {
        "kind": "phoneNumber",
        "rawId": "4:+15551230002",
        "phoneNumber": {"value": "+15551230002"},
    }


async def test_trailing_slash_endpoint_is_accepted(env: Env) -> None:
    async with CallAutomationClient(env.sim.base_url + "/", AzureKeyCredential(env.key)) as client:
        props = await client.create_call(
            CallInvite(
                PhoneNumberIdentifier("+15551230002"), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)
            ),
            env.callback_url,
        )
    assert props.call_connection_id


@pytest.mark.parametrize("version", ["2023-03-06", "2023-10-15", "2024-09-15", "2025-06-15", "2024-09-01-preview"])
async def test_older_api_versions_are_accepted(env: Env, version: str) -> None:
    async with CallAutomationClient(env.sim.base_url, AzureKeyCredential(env.key), api_version=version) as client:
        with pytest.raises(HttpResponseError) as caught:
            await client.get_call_connection(str(uuid.uuid4())).get_call_properties()
    assert caught.value.status_code == 404


async def test_unknown_or_missing_api_version_is_400(env: Env) -> None:
    unknown = await _send(env, "GET", "/calling/callConnections/x?api-version=1999-01-01")
    assert unknown.status_code == 400 and "error" in unknown.json()
    missing = await _send(env, "GET", "/calling/callConnections/x")
    assert missing.status_code == 400 and "error" in missing.json()


def _repeatable(request_id: str | None = None, first_sent: datetime | None = None) -> dict[str, str]:
    sent = first_sent or datetime.now(UTC)
    return {
        "Repeatability-Request-ID": request_id or str(uuid.uuid4()),
        "Repeatability-First-Sent": sent.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }


async def test_repeated_request_id_replays_the_first_response_without_executing_again(env: Env) -> None:
    headers = _repeatable()
    target = f"/calling/callConnections?{API}"
    first = await _send(env, "POST", target, _create_body(env), headers=headers)
    second = await _send(env, "POST", target, _create_body(env), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert first.headers["repeatability-result"] == second.headers["repeatability-result"] == "accepted"
    assert len(env.world.calls) == 1
    third = await _send(env, "POST", target, _create_body(env), headers=_repeatable())
    assert third.json()["callConnectionId"] != first.json()["callConnectionId"]
    assert len(env.world.calls) == 2


async def test_a_repeat_while_the_first_request_is_in_flight_gets_409_and_runs_once(env: Env) -> None:
    await env.control.set_rest_fault("createCall", latency=10, times=1)  # held back 200 ms, tracked meanwhile
    headers = _repeatable()
    target = f"/calling/callConnections?{API}"
    first_task = asyncio.create_task(_send(env, "POST", target, _create_body(env), headers=headers))
    await asyncio.sleep(0.05)
    during = await _send(env, "POST", target, _create_body(env), headers=headers)
    first = await first_task
    after = await _send(env, "POST", target, _create_body(env), headers=headers)
    assert during.status_code == 409 and during.headers["repeatability-result"] == "accepted"
    assert first.status_code == after.status_code == 201
    assert after.json() == first.json()
    assert len(env.world.calls) == 1


async def test_a_repeat_after_a_5xx_executes_again(env: Env) -> None:
    await env.control.set_rest_fault("createCall", status=503, times=1)
    headers = _repeatable()
    target = f"/calling/callConnections?{API}"
    failed = await _send(env, "POST", target, _create_body(env), headers=headers)
    retried = await _send(env, "POST", target, _create_body(env), headers=headers)
    assert failed.status_code == 503 and retried.status_code == 201
    assert len(env.world.calls) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Repeatability-Request-ID": "not-a-guid", "Repeatability-First-Sent": "Tue, 01 Dec 2026 09:30:00 GMT"}, 400),
        ({"Repeatability-Request-ID": str(uuid.uuid4()), "Repeatability-First-Sent": "2026-12-01T09:30:00Z"}, 400),
        ({"Repeatability-Request-ID": str(uuid.uuid4())}, 400),
        ({"Repeatability-First-Sent": "Tue, 01 Dec 2026 09:30:00 GMT"}, 400),
        (_repeatable(first_sent=datetime.now(UTC) - timedelta(minutes=6)), 412),
    ],
    ids=["id-not-a-guid", "first-sent-not-imf-fixdate", "no-first-sent", "no-id", "first-sent-too-old"],
)
async def test_malformed_or_stale_repeatability_headers_are_rejected(
    env: Env, headers: dict[str, str], status: int
) -> None:
    response = await _send(env, "POST", f"/calling/callConnections?{API}", _create_body(env), headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["repeatability-result"] == "rejected"
    assert response.json()["error"]["message"]
    assert len(env.world.calls) == 0


async def test_a_repeated_id_with_a_different_request_is_rejected(env: Env) -> None:
    headers = _repeatable()
    target = f"/calling/callConnections?{API}"
    first = await _send(env, "POST", target, _create_body(env), headers=headers)
    other = _create_body(env) | {"operationContext": "another request"}
    different = await _send(env, "POST", target, other, headers=headers)
    later = _repeatable(headers["Repeatability-Request-ID"], datetime.now(UTC) + timedelta(seconds=5))
    moved_first_sent = await _send(env, "POST", target, _create_body(env), headers=later)
    assert first.status_code == 201
    assert different.status_code == moved_first_sent.status_code == 400
    assert different.headers["repeatability-result"] == "rejected"
    assert len(env.world.calls) == 1


@pytest.mark.parametrize(
    ("target", "raw", "status", "code"),
    [
        (f"/calling/callConnections?{API}", b"{not json", 400, "8523"),
        (f"/calling/callConnections?{API}", b"[1, 2]", 400, "8523"),
        (f"/calling/callConnections?{API}", b"{}", 400, "8523"),
        (f"/calling/callConnections?{API}", b'{"targets": "x", "callbackUri": "https://a/b"}', 400, "8523"),
        (f"/calling/callConnections?{API}", b'{"targets": [{"rawId": 5}], "callbackUri": "https://a/b"}', 400, "8523"),
        (
            f"/calling/callConnections?{API}",
            b'{"targets": [{"rawId": "8:acs:x_y"}], "callbackUri": "ftp:x"}',
            400,
            "8523",
        ),
        (f"/calling/callConnections:answer?{API}", b'{"callbackUri": "https://a/b"}', 400, "8523"),
        (
            f"/calling/callConnections:reject?{API}",
            b'{"incomingCallContext": "x", "callRejectReason": "b"}',
            400,
            "8523",
        ),
        (f"/calling/callConnections:connect?{API}", b'{"callLocator": {}, "callbackUri": "https://a/b"}', 400, "8523"),
        (f"/calling/callConnections/nope:play?{API}", b'{"playSources": [], "playTo": []}', 404, "8522"),
        (f"/calling/callConnections/nope/participants?{API}", b"", 404, "8522"),
        (f"/calling/recordings?{API}", b"{}", 400, "8523"),
        (f"/calling/recordings/nope:pause?{API}", b"", 404, "8522"),
        (f"/calling/nothing/here?{API}", b"", 404, "NotFound"),
    ],
)
async def test_bad_input_gets_acs_errors(env: Env, target: str, raw: bytes, status: int, code: str) -> None:
    method = "GET" if target.endswith(f"participants?{API}") else "POST"
    response = await _send(env, method, target, raw=raw)
    _assert_acs_error(response, status, code)


async def test_media_bad_input_and_wrong_state(env: Env) -> None:
    ringing = _create_body(env)
    ringing["targets"] = [{"rawId": "4:+15550000404"}]  # never answers: the connection stays connecting
    pending = (await _send(env, "POST", f"/calling/callConnections?{API}", ringing)).json()["callConnectionId"]
    play = {"playSources": [{"kind": "text", "text": {"text": "hi"}}], "playTo": []}
    early = await _send(env, "POST", f"/calling/callConnections/{pending}:play?{API}", play)
    _assert_acs_error(early, 400, "8501")
    created = await _send(env, "POST", f"/calling/callConnections?{API}", _create_body(env))
    conn_id = created.json()["callConnectionId"]
    await env.receiver.event(conn_id, "CallConnected")
    bad_cases = [
        {"playSources": [{"kind": "video"}], "playTo": []},
        {"playSources": [{"kind": "file", "file": {}}], "playTo": []},
        {"playSources": [{"kind": "text", "text": {"text": "x"}}], "playTo": [{"rawId": "4:+19999999999"}]},
    ]
    for body in bad_cases:
        response = await _send(env, "POST", f"/calling/callConnections/{conn_id}:play?{API}", body)
        _assert_acs_error(response, 400, "8523")
    recognize = {
        "recognizeInputType": "choices",
        "recognizeOptions": {"targetParticipant": {"rawId": "4:+15551230002"}},
    }
    response = await _send(env, "POST", f"/calling/callConnections/{conn_id}:recognize?{API}", recognize)
    _assert_acs_error(response, 400, "8523")
    terminate = await _send(env, "POST", f"/calling/callConnections/{conn_id}:terminate?{API}")
    assert terminate.status_code == 204
    after = await _send(env, "POST", f"/calling/callConnections/{conn_id}:play?{API}", play)
    _assert_acs_error(after, 400, "8528")


async def test_rest_fault_is_applied_then_cleared(env: Env) -> None:
    await env.control.set_rest_fault("getCall", status=503, retry_after=0, times=1)
    response = await _send(env, "GET", f"/calling/callConnections/x?{API}")
    assert response.status_code == 503 and response.headers["retry-after"] == "0"
    assert response.json()["error"]["code"]
    again = await _send(env, "GET", f"/calling/callConnections/x?{API}")
    _assert_acs_error(again, 404, "8522")


async def test_sdk_retries_through_an_injected_503(env: Env) -> None:
    await env.control.set_rest_fault("createCall", status=503, retry_after=0, times=1)
    props = await env.client.create_call(
        CallInvite(PhoneNumberIdentifier("+15551230002"), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)),
        env.callback_url,
    )
    await env.receiver.event(props.call_connection_id, "CallConnected")
    assert len(env.world.calls) == 1
