"""The one async Call Automation client of a process, built from settings and opened in the app's lifespan.

The client is the SDK's own, with a leaner pipeline than its default. Measured per action against a local ACS
stub (``python -m benchmarks sdk``), the default pipeline spends about 1.7 ms CPU per call, of which:

* ~0.6 ms are two thread-pool hops per request that aiohttp makes when the session trusts the environment
  (``trust_env``): one re-reads ``~/.netrc``, one looks up proxy variables. ACS needs no netrc credentials, so the
  environment is read once at startup, and trusted per request only when it actually configures a proxy.
* ~0.1-0.2 ms are policies this service never needs: redirects (ACS does not redirect its REST calls), custom
  hooks, and the two HTTP-logging policies (their loggers are kept at WARNING, so they would only check and skip).

Kept: request ids, headers, user agent, response decoding, retries, authentication and distributed tracing (so
OpenTelemetry spans still wrap every call). ``get_call_connection`` shares this pipeline and costs ~4 µs, so
connection clients are not cached. The transport is the SDK's aiohttp transport, which also signals the moment
each request leaves (:mod:`app.actions.sending`), for the action journal.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from azure.communication.callautomation._shared.auth_policy_utils import get_authentication_policy
from azure.communication.callautomation._version import SDK_MONIKER
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline import PipelineRequest, policies
from azure.core.pipeline.policies import SansIOHTTPPolicy

from app.actions.sending import SignallingTransport
from config.settings import Settings

AcsCredential = AzureKeyCredential | AsyncTokenCredential
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def acs_credential(settings: Settings) -> AcsCredential:
    """How the client authenticates: the resource's access key when one is set, otherwise Microsoft Entra ID through
    ``DefaultAzureCredential`` (the app's managed identity in Azure, ``az login`` on a laptop). The identity needs a
    role on the ACS resource (see docs/deploy.md). The caller closes a token credential when done.

    Example::

        credential = acs_credential(Settings(environment="production", acs_endpoint="https://x.communication.azure.com",
                                             ...))   # no key: DefaultAzureCredential
    """
    if settings.acs_access_key is not None:
        return AzureKeyCredential(settings.acs_access_key.get_secret_value())
    from azure.identity.aio import DefaultAzureCredential

    return DefaultAzureCredential()


def build_client(
    settings: Settings, credential: AcsCredential | None = None, *, per_call_policies: Sequence[Any] = ()
) -> CallAutomationClient:
    """Build the async client from the endpoint and a credential (default: :func:`acs_credential`).

    ``from_connection_string`` always dials https, so an ``http://`` emulator endpoint needs this form.
    The SDK's default read timeout is 300 s, far too long for a caller waiting on the line. ``per_call_policies``
    run once per action, around its retries (metrics, traces).

    Example::

        async with build_client(settings) as client:
            await client.get_call_connection(call_id).get_call_properties()
    """
    credential = credential if credential is not None else acs_credential(settings)
    transport = SignallingTransport(
        connection_timeout=settings.acs_timeout_seconds,
        read_timeout=settings.acs_timeout_seconds,
        use_env_settings=proxy_configured(),
    )
    return CallAutomationClient(
        settings.endpoint,
        credential,
        transport=transport,
        policies=lean_policies(settings.endpoint, credential, per_call_policies=per_call_policies),
    )


def lean_policies(endpoint: str, credential: AcsCredential, *, per_call_policies: Sequence[Any] = ()) -> list[Any]:
    """The SDK's default pipeline minus what this service never uses (see the module docstring), in the SDK's
    order: ``per_call_policies`` where the SDK puts them (after decoding, around the retries).

    The authentication policy is the SDK's own choice for the credential: HMAC for a key, a bearer token for a
    token credential (managed identity).

    Example::

        CallAutomationClient(endpoint, credential, policies=lean_policies(endpoint, credential))
    """
    return [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(sdk_moniker=SDK_MONIKER),
        policies.ContentDecodePolicy(),
        LoopbackBearerPolicy(),
        *per_call_policies,
        policies.AsyncRetryPolicy(),
        get_authentication_policy(endpoint, credential, is_async=True),
        policies.DistributedTracingPolicy(),
    ]


def proxy_configured() -> bool:
    """Whether the environment names an HTTP(S) proxy: only then must each request consult it.

    Example::

        AioHttpTransport(use_env_settings=proxy_configured())
    """
    return bool(urllib.request.getproxies())


class LoopbackBearerPolicy(SansIOHTTPPolicy[Any, Any]):
    """Let a bearer token go to a plain-http endpoint on this machine (the local emulator), never elsewhere.

    azure-core refuses bearer tokens over http; a token sent to the loopback interface never leaves the host, and the
    emulator speaks http. Every other http URL keeps the refusal.
    """

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = urlsplit(request.http_request.url)
        if url.scheme == "http" and url.hostname in _LOOPBACK_HOSTS:
            request.context["enforce_https"] = False
