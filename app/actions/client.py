"""The one async Call Automation client of a process, built from settings and opened in the app's lifespan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import AioHttpTransport

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
    transport = AioHttpTransport(
        connection_timeout=settings.acs_timeout_seconds, read_timeout=settings.acs_timeout_seconds
    )
    return CallAutomationClient(
        settings.endpoint,
        credential if credential is not None else acs_credential(settings),
        transport=transport,
        logging_enable=False,
        per_call_policies=[LoopbackBearerPolicy(), *per_call_policies],
    )


class LoopbackBearerPolicy(SansIOHTTPPolicy[Any, Any]):
    """Let a bearer token go to a plain-http endpoint on this machine (the local emulator), never elsewhere.

    azure-core refuses bearer tokens over http; a token sent to the loopback interface never leaves the host, and the
    emulator speaks http. Every other http URL keeps the refusal.
    """

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = urlsplit(request.http_request.url)
        if url.scheme == "http" and url.hostname in _LOOPBACK_HOSTS:
            request.context["enforce_https"] = False
