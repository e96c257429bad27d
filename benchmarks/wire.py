"""The requests the load benchmarks send: ACS callbacks (CloudEvents + RS256 JWT) and Event Grid IncomingCalls.

Both apps under test receive exactly the same bytes. Event ids are unique per request (both apps would treat a
repeat as a redelivery); calls repeat over a fixed set, as many events of one call do.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://bench.callwright.invalid"
AUDIENCE = "5f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5"
ACCESS_KEY = "YmVuY2htYXJrLWFjY2Vzcy1rZXktbm90LWEtc2VjcmV0"
EVENTGRID_SECRET = "bench-eventgrid-secret"
FRONT_DESK = "+18005550102"
CALLER = "+15555550123"
AGENT = "+18005550199"
CALLS = 200

PATHS = {
    "RecognizeCompleted → transfer": "recognize",
    "IncomingCall → answer": "incoming",
    "ParticipantsUpdated (no action)": "participants",
}


@dataclass(frozen=True)
class Request:
    """One HTTP request: path with query, headers, body."""

    target: str
    headers: dict[str, str]
    body: bytes


class Signer:
    """The benchmark's stand-in for ACS's signing key: a JWKS to serve, and callback tokens.

    ACS mints a new token for every event, and Callwright refuses a token that comes back with another body (a
    replay), so every request gets its own token, as from ACS.
    """

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        public.update(kid="bench", alg="RS256", use="sig")
        self.jwks: dict[str, Any] = {"keys": [public]}
        now = int(time.time())
        self._claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 3600}

    def mint(self) -> str:
        """A fresh callback token."""
        claims = {**self._claims, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": "bench"})


def _call(index: int) -> str:
    return f"00000000-0000-4000-8000-{index % CALLS:012d}"


def _callback(event_type: str, index: int, data: dict[str, Any]) -> dict[str, Any]:
    call_id = _call(index)
    return {
        "id": str(uuid.uuid4()),
        "source": f"calling/callConnections/{call_id}",
        "type": f"Microsoft.Communication.{event_type}",
        "specversion": "1.0",
        "datacontenttype": "application/json",
        "time": "2026-11-24T10:00:00.0000000+00:00",
        "subject": f"calling/callConnections/{call_id}",
        "data": {
            "callConnectionId": call_id,
            "serverCallId": f"bench-server-call-{index % CALLS}",
            "correlationId": str(uuid.uuid4()),
            "version": "2025-05-15",
            "publicEventType": f"Microsoft.Communication.{event_type}",
            **data,
        },
    }


def _incoming_call(index: int) -> dict[str, Any]:
    def phone(number: str) -> dict[str, Any]:
        return {"kind": "phoneNumber", "rawId": f"4:{number}", "phoneNumber": {"value": number}}

    return {
        "id": str(uuid.uuid4()),
        "topic": "/subscriptions/bench/resourceGroups/bench/providers/Microsoft.Communication/communicationServices/b",
        "subject": f"/caller/4:{CALLER}/recipient/4:{FRONT_DESK}",
        "data": {
            "to": phone(FRONT_DESK),
            "from": phone(CALLER),
            "serverCallId": f"bench-incoming-{index}",
            "callerDisplayName": "",
            "incomingCallContext": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJjYyI6ImJlbmNoIn0." + str(index),
            "correlationId": str(uuid.uuid4()),
        },
        "eventType": "Microsoft.Communication.IncomingCall",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": "2026-11-24T10:00:00.0000000Z",
    }


def requests_for(path: str, count: int, signer: Signer) -> list[Request]:
    """``count`` distinct requests of one path (a key of :data:`PATHS`' values)."""
    requests = []
    for index in range(count):
        if path == "incoming":
            headers = {
                "content-type": "application/json",
                "aeg-event-type": "Notification",
                "aeg-subscription-name": "bench",
            }
            target = f"/Events?secret={EVENTGRID_SECRET}"
            body = json.dumps([_incoming_call(index)]).encode()
        else:
            headers = {
                "content-type": "application/json",
                "authorization": f"Bearer {signer.mint()}",
            }
            target = "/Events?flow=front_desk"
            if path == "recognize":
                event = _callback(
                    "RecognizeCompleted",
                    index,
                    {
                        "operationContext": "fd-menu:1",
                        "recognitionType": "dtmf",
                        "dtmfResult": {"tones": ["one"]},
                        "resultInformation": {"code": 200, "subCode": 8531, "message": "max digits received"},
                    },
                )
            elif path == "participants":
                event = _callback(
                    "ParticipantsUpdated",
                    index,
                    {
                        "participants": [
                            {"identifier": {"rawId": f"4:{CALLER}", "phoneNumber": {"value": CALLER}}, "isMuted": False}
                        ],
                        "sequenceNumber": index,
                    },
                )
            else:
                raise ValueError(f"unknown path {path!r}")
            body = json.dumps([event]).encode()
        requests.append(Request(target, headers, body))
    return requests


def callwright_command(port: int) -> list[str]:
    """``python <this>`` for Callwright served as in production (``callwright serve``) on ``port``."""
    return ["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]


def callwright_env(acs: str, port: int, *, flows: str, issuer: str | None = None) -> dict[str, str]:
    """Callwright's settings against an ACS (the emulator, or the stub) at ``acs``: this module's credentials, JSON
    logs at INFO, the flow modules ``flows``. The token issuer is ``acs`` (the emulator's) unless given.

    Development only because production refuses the http:// callback URL a loopback benchmark needs; every setting
    that differs between the two is set explicitly here, as production would have it.
    """
    return {
        "CALLWRIGHT_ENVIRONMENT": "development",
        "CALLWRIGHT_ACS_ENDPOINT": acs,
        "CALLWRIGHT_ACS_ACCESS_KEY": ACCESS_KEY,
        "CALLWRIGHT_ACS_RESOURCE_ID": AUDIENCE,
        "CALLWRIGHT_CALLBACK_BASE_URL": f"http://127.0.0.1:{port}",
        "CALLWRIGHT_EVENTGRID_SECRET": EVENTGRID_SECRET,
        "CALLWRIGHT_JWT_ISSUER": issuer or acs,
        "CALLWRIGHT_JWKS_URL": f"{acs}/calling/keys",
        "CALLWRIGHT_FLOW_MODULES": flows,
        "CALLWRIGHT_LOG_LEVEL": "INFO",
        "CALLWRIGHT_LOG_FORMAT": "json",
    }


def emulator_command(port: int, app_port: int, *options: str) -> list[str]:
    """``python <this>`` for the emulator on ``port``, with this module's credentials, its Event Grid subscription
    pointed at the app on ``app_port``; ``options`` are more ``python -m simulator`` options."""
    events = f"http://127.0.0.1:{app_port}/Events?secret={EVENTGRID_SECRET}"
    return [
        "-m", "simulator", "--host", "127.0.0.1", "--port", str(port),
        "--access-key", ACCESS_KEY, "--resource-id", AUDIENCE, "--subscribe", events,
        "--log-level", "warning", *options,
    ]  # fmt: skip
