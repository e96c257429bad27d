"""TLS mode: the local CA, and the official SDK's from_connection_string (always https) trusting it."""

from __future__ import annotations

import asyncio
import os
import ssl
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from azure.communication.callautomation import CallAutomationClient
from azure.communication.callautomation.aio import CallAutomationClient as AsyncCallAutomationClient
from azure.core.exceptions import ResourceNotFoundError, ServiceRequestError

from simulator.tls import TlsFiles, ensure_tls_files
from tests.simulator.delivery_fixtures import Harness, delivery_harness


@pytest.fixture
def tls_files(tmp_path: Path) -> TlsFiles:
    return ensure_tls_files(tmp_path / "state")


@pytest.fixture
async def tls_harness(tls_files: TlsFiles) -> AsyncIterator[Harness]:
    async with delivery_harness(ssl_certfile=str(tls_files.cert_path), ssl_keyfile=str(tls_files.key_path)) as h:
        yield h


def test_ca_is_reused_and_private_keys_are_private(tmp_path: Path) -> None:
    first = ensure_tls_files(tmp_path)
    ca_pem = first.ca_path.read_bytes()
    second = ensure_tls_files(tmp_path)
    assert second.ca_path.read_bytes() == ca_pem
    for key in (tmp_path / "ca-key.pem", second.key_path):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


async def test_https_jwks_with_the_ca_and_refused_without(tls_harness: Harness, tls_files: TlsFiles) -> None:
    assert tls_harness.base_url.startswith("https://")
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=str(tls_files.ca_path))) as client:
        response = await client.get(f"{tls_harness.base_url}/calling/keys")
    assert response.status_code == 200 and response.json()["keys"]
    async with httpx.AsyncClient(verify=True, trust_env=False) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{tls_harness.base_url}/calling/keys")


def _connection_string(h: Harness) -> str:
    return h.service.config.connection_string()


async def test_sync_sdk_from_connection_string_trusts_ca_via_requests_bundle(
    tls_harness: Harness, tls_files: TlsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The delivery-only app has no REST routes: a 404 proves the SDK completed TLS with the local CA.
    def call(verify_env: bool) -> None:
        client = CallAutomationClient.from_connection_string(_connection_string(tls_harness), retry_total=0)
        client.get_call_connection("x").get_call_properties()

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    with pytest.raises(ServiceRequestError):
        await asyncio.to_thread(call, False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_files.ca_path))
    with pytest.raises(ResourceNotFoundError):
        await asyncio.to_thread(call, True)


async def test_async_sdk_with_connection_verify(tls_harness: Harness, tls_files: TlsFiles) -> None:
    client = AsyncCallAutomationClient.from_connection_string(
        _connection_string(tls_harness), connection_verify=str(tls_files.ca_path), retry_total=0
    )
    async with client:
        with pytest.raises(ResourceNotFoundError):
            await client.get_call_connection("x").get_call_properties()


_ASYNC_PROBE = """
import asyncio, sys
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.exceptions import ResourceNotFoundError

async def main() -> int:
    async with CallAutomationClient.from_connection_string(sys.argv[1], retry_total=0) as client:
        try:
            await client.get_call_connection("x").get_call_properties()
        except ResourceNotFoundError:
            return 0
    return 1

sys.exit(asyncio.run(main()))
"""


async def test_async_sdk_trusts_ca_via_ssl_cert_file_set_before_start(
    tls_harness: Harness, tls_files: TlsFiles
) -> None:
    # aiohttp builds its default SSL context when it is imported, so SSL_CERT_FILE must be in the environment
    # when the process starts: a fresh interpreter shows what a user's app sees.
    env = {**os.environ, "SSL_CERT_FILE": str(tls_files.ca_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _ASYNC_PROBE,
        _connection_string(tls_harness),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]


async def test_full_emulator_over_tls_with_sync_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("simulator.app", reason="the emulator's REST surface (simulator/app.py) is not built yet")
    from simulator.server import run_simulator

    async with run_simulator(tls=True, state_dir=str(tmp_path)) as sim:
        assert sim.ca_path is not None and sim.base_url.startswith("https://")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sim.ca_path))

        def call() -> None:
            client = CallAutomationClient.from_connection_string(sim.connection_string, retry_total=0)
            client.get_call_connection("no-such-call").get_call_properties()

        with pytest.raises(ResourceNotFoundError) as caught:
            await asyncio.to_thread(call)
    assert "8522" in str(caught.value)
