"""The baseline: a bare Starlette app written the way Microsoft's Call Automation samples are.

PyJWT with ``PyJWKClient`` for the callback token, ``EventGridEvent``/``CloudEvent.from_dict`` to read events,
an if/elif on the event type, one SDK call per event with the SDK's default client, and stdlib logging of each
event. It does the front desk's happy path: answer, offer the menu, transfer on 1. Nothing else: no
de-duplication, no per-call ordering, no state, no typed contexts.

    CALLWRIGHT_BENCH_ACS=http://127.0.0.1:8091 uvicorn --factory benchmarks.bare_app:create_app
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import jwt
from azure.communication.callautomation import (
    DtmfTone,
    PhoneNumberIdentifier,
    RecognizeInputType,
    TextSource,
)
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from benchmarks.wire import ACCESS_KEY, AGENT, AUDIENCE, CALLER, EVENTGRID_SECRET, ISSUER

MENU = "Welcome to the front desk. To speak with an agent, press 1. To bring in a supervisor, press 2."
log = logging.getLogger("bare")


def create_app() -> Starlette:
    acs = os.environ["CALLWRIGHT_BENCH_ACS"]
    callback_uri = os.environ.get("CALLWRIGHT_BENCH_CALLBACK", "http://127.0.0.1/Events")
    issuer = os.environ.get("CALLWRIGHT_BENCH_ISSUER", ISSUER)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    jwks = jwt.PyJWKClient(f"{acs}/calling/keys")
    client = CallAutomationClient(acs, AzureKeyCredential(ACCESS_KEY))
    callers: dict[str, str] = {}  # call connection id → the caller's number, for the menu's recognize

    async def events(request: Request) -> Response:
        if "aeg-event-type" in request.headers:
            if request.query_params.get("secret") != EVENTGRID_SECRET:
                return Response(status_code=401)
            for event_dict in await request.json():
                event = EventGridEvent.from_dict(event_dict)
                log.info("Event received: %s", event.event_type)
                if event.event_type == "Microsoft.EventGrid.SubscriptionValidationEvent":
                    return JSONResponse({"validationResponse": event.data["validationCode"]})
                if event.event_type == "Microsoft.Communication.IncomingCall":
                    props = await client.answer_call(
                        incoming_call_context=event.data["incomingCallContext"],
                        callback_url=callback_uri,
                        operation_context="fd-menu:1",
                    )
                    callers[str(props.call_connection_id)] = event.data["from"]["phoneNumber"]["value"]
                    log.info("Answered call: %s", props.call_connection_id)
            return Response(status_code=200)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            key = jwks.get_signing_key_from_jwt(token)
            jwt.decode(token, key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=issuer)
        except jwt.PyJWTError:
            return Response(status_code=401)
        for event_dict in await request.json():
            callback: CloudEvent[Any] = CloudEvent.from_dict(event_dict)
            data: Mapping[str, Any] = callback.data or {}
            call_connection_id = data["callConnectionId"]
            log.info("Event received: %s for call %s", callback.type, call_connection_id)
            connection = client.get_call_connection(call_connection_id)
            if callback.type == "Microsoft.Communication.CallConnected":
                await connection.start_recognizing_media(
                    input_type=RecognizeInputType.DTMF,
                    target_participant=PhoneNumberIdentifier(callers.get(call_connection_id, CALLER)),
                    play_prompt=TextSource(text=MENU, voice_name="en-US-NancyNeural"),
                    dtmf_max_tones_to_collect=1,
                    initial_silence_timeout=8,
                    operation_context="fd-menu:1",
                )
            elif callback.type == "Microsoft.Communication.RecognizeCompleted":
                tones = data.get("dtmfResult", {}).get("tones", [])
                if tones and tones[0] in (DtmfTone.ONE, "one"):
                    await connection.transfer_call_to_participant(
                        PhoneNumberIdentifier(AGENT),
                        sip_headers={"User-To-User": "front-desk;encoding=ascii", "X-MS-Custom-Queue": "front-desk"},
                        operation_context="fd-transfer",
                    )
                    log.info("Transferring call %s", call_connection_id)
            elif callback.type == "Microsoft.Communication.CallDisconnected":
                callers.pop(call_connection_id, None)
        return Response(status_code=200)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with client:
            yield

    return Starlette(routes=[Route("/Events", events, methods=["POST"])], lifespan=lifespan)
