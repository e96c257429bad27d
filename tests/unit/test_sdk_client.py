"""The SDK client ``build_client`` makes: a lean pipeline that still authenticates, retries and traces."""

from __future__ import annotations

import pytest
from azure.communication.callautomation import PhoneNumberIdentifier
from azure.core.credentials import AccessToken, AzureKeyCredential
from azure.core.pipeline import policies
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.actions.client import build_client, lean_policies, proxy_configured
from config.settings import Settings
from simulator.server import run_asgi


class _FlakyAcs:
    """Answers a transfer with 503 first, then 202; records what each request carried."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    async def handle(self, request: Request) -> Response:
        self.requests.append(request)
        if len(self.requests) == 1:
            return JSONResponse(
                {"error": {"code": "ServiceUnavailable"}}, status_code=503, headers={"Retry-After": "0"}
            )
        return JSONResponse({"operationContext": "ctx"}, status_code=202)


async def test_an_action_is_signed_identified_and_retried_after_a_503() -> None:
    acs = _FlakyAcs()
    app = Starlette(routes=[Route("/calling/callConnections/{id}:transferToParticipant", acs.handle, methods=["POST"])])
    async with run_asgi(app) as served:
        settings = Settings(acs_endpoint=served.base_url)
        async with build_client(settings) as client:
            result = await client.get_call_connection("call-1").transfer_call_to_participant(
                PhoneNumberIdentifier("+18005550199"), operation_context="ctx"
            )
    assert result.operation_context == "ctx"
    assert len(acs.requests) == 2, "the 503 was not retried"
    first, retried = (request.headers for request in acs.requests)
    assert first["authorization"].startswith("HMAC-SHA256 ")
    assert first["x-ms-client-request-id"]
    assert "communication-callautomation" in first["user-agent"]
    assert first["repeatability-request-id"] == retried["repeatability-request-id"], "a retry must repeat the id"


def test_the_lean_pipeline_keeps_retries_auth_and_tracing_and_drops_the_rest() -> None:
    kinds = {type(policy) for policy in lean_policies("https://acs.example", AzureKeyCredential("a2V5"))}
    assert {policies.AsyncRetryPolicy, policies.DistributedTracingPolicy, policies.ContentDecodePolicy} <= kinds
    assert any(kind.__name__ == "HMACCredentialsPolicy" for kind in kinds)
    dropped = {
        policies.AsyncRedirectPolicy,
        policies.HttpLoggingPolicy,
        policies.NetworkTraceLoggingPolicy,
        policies.CustomHookPolicy,
    }
    assert not kinds & dropped


def test_a_token_credential_gets_a_bearer_policy() -> None:
    class ManagedIdentity:
        async def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
            return AccessToken("token", 2**31)

    kinds = {type(policy) for policy in lean_policies("https://acs.example", ManagedIdentity())}
    assert policies.AsyncBearerTokenCredentialPolicy in kinds


@pytest.mark.parametrize(("variable", "expected"), [(None, False), ("HTTPS_PROXY", True), ("http_proxy", True)])
def test_the_environment_is_trusted_per_request_only_with_a_proxy(
    monkeypatch: pytest.MonkeyPatch, variable: str | None, expected: bool
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    if variable:
        monkeypatch.setenv(variable, "http://proxy.example:3128")
    assert proxy_configured() is expected
