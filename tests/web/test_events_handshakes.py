"""Event Grid subscription validation and the CloudEvents abuse-protection OPTIONS handshake."""

from __future__ import annotations

import copy

import httpx
import pytest

from tests.web.conftest import SECRET, RecordingSink, cloud_event, eventgrid_headers, fixture
from tests.web.keys import Signer

VALIDATION = fixture("eventgrid_subscription_validation.json")
CODE = VALIDATION[0]["data"]["validationCode"]


async def test_validation_echoes_the_code_with_200(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    response = await client.post(
        f"/Events?secret={SECRET}", json=VALIDATION, headers=eventgrid_headers("SubscriptionValidation")
    )
    assert response.status_code == 200  # exactly 200: Event Grid does not accept 202 here
    assert response.json() == {"validationResponse": CODE}
    assert sink.events == []  # the handshake is not an application event


async def test_validation_by_event_type_even_with_notification_header(
    client: httpx.AsyncClient, sink: RecordingSink
) -> None:
    response = await client.post(f"/Events?secret={SECRET}", json=VALIDATION, headers=eventgrid_headers())
    assert response.status_code == 200
    assert response.json() == {"validationResponse": CODE}


async def test_validation_from_unknown_subscription_is_403_without_the_code(client: httpx.AsyncClient) -> None:
    headers = eventgrid_headers("SubscriptionValidation", **{"aeg-subscription-name": "INTRUDER"})
    response = await client.post(f"/Events?secret={SECRET}", json=VALIDATION, headers=headers)
    assert response.status_code == 403
    assert CODE not in response.text


async def test_validation_without_secret_is_401_without_the_code(client: httpx.AsyncClient) -> None:
    response = await client.post("/Events", json=VALIDATION, headers=eventgrid_headers("SubscriptionValidation"))
    assert response.status_code == 401
    assert CODE not in response.text


async def test_validation_header_without_validation_event_is_400(client: httpx.AsyncClient) -> None:
    other = fixture("eventgrid_incoming_call_pstn.json")
    response = await client.post(
        f"/Events?secret={SECRET}", json=other, headers=eventgrid_headers("SubscriptionValidation")
    )
    assert response.status_code == 400


async def test_validation_without_code_is_400(client: httpx.AsyncClient) -> None:
    broken = copy.deepcopy(VALIDATION)
    del broken[0]["data"]["validationCode"]
    response = await client.post(
        f"/Events?secret={SECRET}", json=broken, headers=eventgrid_headers("SubscriptionValidation")
    )
    assert response.status_code == 400


async def test_validation_event_on_the_callback_channel_is_refused_not_echoed(
    client: httpx.AsyncClient, signer: Signer, sink: RecordingSink
) -> None:
    from tests.web.conftest import callback_headers

    response = await client.post(
        "/Events", json=[*VALIDATION, cloud_event("e-1")], headers=callback_headers(signer.mint())
    )
    assert response.status_code == 403  # an Event Grid event has no business on the callback channel
    assert CODE not in response.text
    assert sink.ids == []


async def test_abuse_protection_options(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    response = await client.options(
        f"/Events?secret={SECRET}", headers={"WebHook-Request-Origin": "eventgrid.azure.net"}
    )
    assert response.status_code == 200
    assert response.headers["webhook-allowed-origin"] == "eventgrid.azure.net"
    assert response.headers["webhook-allowed-rate"] == "*"
    assert "POST" in response.headers["allow"]
    assert sink.events == []


async def test_abuse_protection_without_a_secret_in_the_url_is_granted(client: httpx.AsyncClient) -> None:
    # Consent alone grants nothing: every later POST is authenticated on its own.
    response = await client.options("/Events", headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert response.status_code == 200
    assert response.headers["webhook-allowed-origin"] == "eventgrid.azure.net"


async def test_abuse_protection_with_a_wrong_secret_is_401(client: httpx.AsyncClient) -> None:
    response = await client.options("/Events?secret=nope", headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert response.status_code == 401
    assert "webhook-allowed-origin" not in response.headers


@pytest.mark.parametrize("origin", ["evil.com\tx", "a" * 300, "x,y", "bad origin"])
async def test_abuse_protection_with_a_strange_origin_is_400(client: httpx.AsyncClient, origin: str) -> None:
    response = await client.options("/Events", headers={"WebHook-Request-Origin": origin})
    assert response.status_code == 400
    assert "webhook-allowed-origin" not in response.headers


async def test_plain_options_lists_methods(client: httpx.AsyncClient) -> None:
    response = await client.options("/Events")
    assert response.status_code == 200
    assert response.headers["allow"] == "POST, OPTIONS"
    assert "webhook-allowed-origin" not in response.headers
