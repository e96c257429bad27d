"""How the SDK client authenticates: the access key when one is set, Microsoft Entra ID (managed identity) without."""

from __future__ import annotations

import base64

from azure.core.credentials import AzureKeyCredential
from azure.identity.aio import DefaultAzureCredential

from app.actions.client import acs_credential
from config.settings import Settings

RESOURCE = "https://example.communication.azure.com"
KEY = base64.b64encode(b"a production key of the resource!").decode()
PRODUCTION = {
    "environment": "production",
    "acs_resource_id": "0d0d0d0d-0000-4000-8000-000000000000",
    "callback_base_url": "https://ivr.example.com",
    "eventgrid_secret": "s3cret",
    "flow_modules": ["flows.front_desk"],
}


async def test_an_endpoint_without_a_key_uses_default_azure_credential() -> None:
    credential = acs_credential(Settings(acs_endpoint=RESOURCE, **PRODUCTION))  # type: ignore[arg-type]
    try:
        assert isinstance(credential, DefaultAzureCredential)
    finally:
        await credential.close()


def test_a_key_is_used_when_set() -> None:
    credential = acs_credential(Settings(acs_endpoint=RESOURCE, acs_access_key=KEY, **PRODUCTION))  # type: ignore[arg-type]
    assert isinstance(credential, AzureKeyCredential) and credential.key == KEY


async def test_development_against_a_real_resource_signs_in_with_entra_id() -> None:
    # The dev-tunnel route: a laptop, `az login`, a real ACS endpoint and no key.
    credential = acs_credential(Settings(environment="development", acs_endpoint=RESOURCE))
    try:
        assert isinstance(credential, DefaultAzureCredential)
    finally:
        await credential.close()


def test_development_against_the_emulator_keeps_its_dev_key() -> None:
    credential = acs_credential(Settings(environment="development", acs_endpoint="http://127.0.0.1:9090"))
    assert isinstance(credential, AzureKeyCredential)
