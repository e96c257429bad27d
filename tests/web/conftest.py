"""Fixtures for the ``/Events`` tests: signing keys, a recording sink, and the endpoint in a small Starlette app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from app.auth.eventgrid import EventGridAuthenticator
from app.auth.jwks import JwksCache
from app.auth.jwt import CallbackTokenValidator
from app.events import CallEvent
from app.web.events_endpoint import EventsEndpoint, SinkUnavailable
from config.settings import Settings
from tests.web.keys import AUDIENCE, ISSUER, JWKS_URL, FakeClock, FakeJwks, Signer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "events"
SECRET = "eg-secret-for-tests"
SUBSCRIPTION = "callwright-incoming"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class RecordingSink:
    """Our own fake of the EventSink interface: records what it got; can fail chosen events."""

    def __init__(self) -> None:
        self.events: list[tuple[CallEvent, str | None]] = []
        self.fail_ids: set[str] = set()
        self.unavailable_ids: set[str] = set()

    async def dispatch(self, event: CallEvent, *, flow: str | None, seed: str | None = None) -> None:
        self.events.append((event, flow))
        if event.id in self.unavailable_ids:
            raise SinkUnavailable("state store unavailable: ConnectionError")
        if event.id in self.fail_ids:
            raise RuntimeError("handler exploded")

    @property
    def ids(self) -> list[str]:
        return [event.id for event, _ in self.events]


@pytest.fixture(scope="session")
def signer() -> Signer:
    return Signer(kid="key-1")


@pytest.fixture
def jwks(signer: Signer) -> FakeJwks:
    return FakeJwks([signer])


@pytest.fixture
def settings() -> Settings:
    return Settings(
        eventgrid_subscriptions=[SUBSCRIPTION],
        eventgrid_secret=SECRET,
        max_callback_body_bytes=4096,
        max_eventgrid_body_bytes=8192,
    )


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def jwks_http(jwks: FakeJwks) -> AsyncIterator[httpx.AsyncClient]:
    async with jwks.client() as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def build_app(
    settings: Settings, sink: RecordingSink, jwks_http: httpx.AsyncClient, clock: FakeClock
) -> Callable[..., Starlette]:
    def build(settings_: Settings | None = None) -> Starlette:
        active = settings_ or settings
        validator = CallbackTokenValidator(
            ISSUER, AUDIENCE, JWKS_URL, jwks_http, jwks=JwksCache(JWKS_URL, jwks_http, clock=clock)
        )
        authenticator = EventGridAuthenticator(
            SECRET, active.eventgrid_secret_param, active.eventgrid_secret_header, active.eventgrid_subscriptions
        )
        endpoint = EventsEndpoint(active, callbacks=validator, eventgrid=authenticator, sink=sink)
        return Starlette(routes=[Route("/Events", endpoint, methods=["POST", "OPTIONS"])])

    return build


@pytest.fixture
async def client(build_app: Callable[..., Starlette]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://callwright.test") as http:
        yield http


def eventgrid_headers(event_type: str = "Notification", **extra: str) -> dict[str, str]:
    return {
        "aeg-event-type": event_type,
        "aeg-subscription-name": SUBSCRIPTION.upper(),
        "aeg-delivery-count": "0",
        "content-type": "application/json; charset=utf-8",
        **extra,
    }


def callback_headers(token: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "content-type": "application/json", **extra}


def cloud_event(event_id: str, event_type: str = "CallConnected", **data: Any) -> dict[str, Any]:
    call_id = "2c006980-8ef1-46c2-84fa-357fefac0893"
    return {
        "id": event_id,
        "source": f"calling/callConnections/{call_id}",
        "type": f"Microsoft.Communication.{event_type}",
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "time": "2025-06-13T19:10:11.5338153+00:00",
        "data": {"callConnectionId": call_id, "serverCallId": "c2VydmVy", "correlationId": "corr-1", **data},
    }
