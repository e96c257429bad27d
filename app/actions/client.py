"""The one async Call Automation client of a process, built from settings and opened in the app's lifespan."""

from __future__ import annotations

from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.pipeline.transport import AioHttpTransport

from config.settings import Settings


def build_client(settings: Settings) -> CallAutomationClient:
    """Build the async client from endpoint plus key.

    ``from_connection_string`` always dials https, so an ``http://`` emulator endpoint needs this form.
    The SDK's default read timeout is 300 s, far too long for a caller waiting on the line.

    Example::

        async with build_client(settings) as client:
            await client.get_call_connection(call_id).get_call_properties()
    """
    transport = AioHttpTransport(
        connection_timeout=settings.acs_timeout_seconds, read_timeout=settings.acs_timeout_seconds
    )
    return CallAutomationClient(
        settings.endpoint, AzureKeyCredential(settings.access_key), transport=transport, logging_enable=False
    )
