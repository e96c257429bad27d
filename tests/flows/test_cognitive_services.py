"""Calls name the Azure AI services resource ACS speaks with, when one is configured."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from app.testing.harness import Phone

AI = "https://callwright-ai.cognitiveservices.azure.com"


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.front_desk"]


@pytest.fixture
def callwright_settings() -> Mapping[str, Any]:
    return {"cognitive_services_endpoint": AI}


async def test_answer_names_the_cognitive_services_endpoint(phone: Phone) -> None:
    call = await phone.dial(phone.settings.flows.front_desk_number)
    answered = await call.expect_answered()
    assert answered.raw["detail"]["body"]["callIntelligenceOptions"] == {"cognitiveServicesEndpoint": AI}
