"""Managed identity against the emulator: the service's SDK client authenticates with an Entra ID token credential
(no access key), and the emulator, started with ``entra_issuer``/``entra_jwks``, accepts the bearer token on its REST
API. A call goes through on that token alone: the emulator's access key is one the service does not know."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken

from app.web.app import create_app
from config.settings import load_settings
from flows import front_desk
from simulator.server import RunningSimulator, bind_socket, run_simulator, serve_on_socket
from tests.web.keys import Signer

TENANT = "72f988bf-0000-4000-8000-000000000001"
ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
SCOPE = "https://communication.azure.com//.default"


@dataclass
class EntraTokens:
    """An AsyncTokenCredential, as azure-identity's would be, minting tokens from a test issuer."""

    signer: Signer
    issuer: str = ISSUER
    scopes: list[tuple[str, ...]] = field(default_factory=list)

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        expires = int(time.time()) + 3600
        token = self.signer.mint(
            iss=self.issuer, aud="https://communication.azure.com", exp=expires, oid=str(uuid.uuid4()), tid=TENANT
        )
        return AccessToken(token, expires)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> EntraTokens:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None


@pytest.fixture
def issuer_signer() -> Signer:
    return Signer(kid="entra-test-key")


@pytest.fixture
async def emulator(tmp_path: Path, issuer_signer: Signer) -> AsyncIterator[RunningSimulator]:
    jwks = tmp_path / "entra-jwks.json"
    jwks.write_text(json.dumps({"keys": [issuer_signer.jwk()]}))
    unknown_key = base64.b64encode(secrets.token_bytes(32)).decode()
    async with run_simulator(time_scale=0.05, access_key=unknown_key, entra_issuer=ISSUER, entra_jwks=str(jwks)) as sim:
        yield sim


async def test_a_call_runs_on_an_entra_token_credential(emulator: RunningSimulator, issuer_signer: Signer) -> None:
    tokens = EntraTokens(issuer_signer)
    sock = bind_socket("127.0.0.1", 0)
    app_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    secret = secrets.token_urlsafe(16)
    settings = load_settings(
        environment="development",
        acs_connection_string=None,
        acs_endpoint=emulator.base_url,
        acs_resource_id=emulator.config.resource_id,
        callback_base_url=app_url,
        eventgrid_secret=secret,
        jwt_issuer=emulator.base_url,
        jwks_url=f"{emulator.base_url}/calling/keys",
    )
    app = create_app(settings, flows=[front_desk.router], credential=tokens)
    async with serve_on_socket(app, sock, lifespan="on"), httpx.AsyncClient(timeout=10.0) as http:
        subscribed = await http.post(
            f"{emulator.base_url}/simulator/subscriptions",
            json={"url": f"{app_url}/Events?secret={secret}", "schema": "eventgrid", "name": "identity"},
        )
        subscribed.raise_for_status()
        placed = await http.post(
            f"{emulator.base_url}/simulator/calls",
            json={"from": "+15551230001", "to": settings.flows.front_desk_number},
        )
        server_call_id = placed.json()["serverCallId"]
        accepted: list[str] = []
        deadline = time.monotonic() + 30
        while "recognize" not in accepted and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            timeline = (await http.get(f"{emulator.base_url}/simulator/calls/{server_call_id}")).json()["timeline"]
            accepted = [e["name"] for e in timeline if e["kind"] == "request" and e["detail"].get("status", 500) < 300]
    assert "answer" in accepted and "recognize" in accepted, timeline
    assert tokens.scopes and set(tokens.scopes) == {(SCOPE,)}


async def test_the_emulator_refuses_tokens_it_cannot_verify(emulator: RunningSimulator, issuer_signer: Signer) -> None:
    stranger = Signer(kid="entra-test-key")  # same kid, other key: the signature does not verify
    now = int(time.time())
    good = {"iss": ISSUER, "aud": "https://communication.azure.com", "exp": now + 600, "oid": "x"}
    cases = {
        "wrong key": stranger.mint(**good),
        "wrong issuer": issuer_signer.mint(**{**good, "iss": "https://login.microsoftonline.com/other/v2.0"}),
        "wrong audience": issuer_signer.mint(**{**good, "aud": "https://management.azure.com"}),
        "expired": issuer_signer.mint(**{**good, "exp": now - 3600}),
        "no identity": issuer_signer.mint(**{k: v for k, v in good.items() if k != "oid"}),
    }
    async with httpx.AsyncClient(timeout=10.0) as http:
        url = f"{emulator.base_url}/calling/callConnections/none?api-version=2025-05-15"
        accepted = await http.get(url, headers={"Authorization": f"Bearer {issuer_signer.mint(**good)}"})
        assert accepted.status_code == 404  # authenticated; the call does not exist
        for case, token in cases.items():
            response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
            assert (response.status_code, response.json()["error"]["code"]) == (401, "7501"), case


async def test_without_the_flag_bearer_tokens_are_refused(issuer_signer: Signer) -> None:
    async with run_simulator() as sim, httpx.AsyncClient(timeout=10.0) as http:
        response = await http.get(
            f"{sim.base_url}/calling/callConnections/none?api-version=2025-05-15",
            headers={"Authorization": f"Bearer {issuer_signer.mint(iss=ISSUER, oid='x')}"},
        )
    assert (response.status_code, response.json()["error"]["code"]) == (401, "7501")
