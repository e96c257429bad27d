"""The emulator's timeline is in causal order at the source: a request before what it causes, a callback before
what the app does in response to it."""

from __future__ import annotations

import json

from azure.communication.callautomation import CallInvite, PhoneNumberIdentifier, TextSource
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.client import SimulatorClient, TimelineEntry
from simulator.server import run_asgi, run_simulator
from tests.simulator.conftest import TIME_SCALE, Env

APP_NUMBER = "+18005550100"
BOB = "+15551230002"
CAROL = "+15551230003"


def _seq(entries: list[TimelineEntry], kind: str, name: str) -> int:
    return next(e.seq for e in entries if e.kind == kind and name in e.name)


async def test_a_request_comes_before_the_ringing_it_causes(env: Env) -> None:
    props = await env.client.create_call(
        CallInvite(PhoneNumberIdentifier(BOB), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)),
        env.callback_url,
    )
    await env.receiver.event(props.call_connection_id, "ParticipantsUpdated")
    await env.client.get_call_connection(props.call_connection_id).transfer_call_to_participant(
        PhoneNumberIdentifier(CAROL)
    )
    await env.receiver.event(props.call_connection_id, "CallDisconnected")
    entries = await env.control.timeline((await env.control.list_calls())[0].server_call_id)
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    assert _seq(entries, "request", "createCall") < _seq(entries, "party", "ringing")
    transfer = _seq(entries, "request", "transfer")
    carol_rings = next(e.seq for e in entries if e.name == "ringing" and e.actor == f"4:{CAROL}")
    assert transfer < carol_rings < _seq(entries, "callback", "CallTransferAccepted")


async def test_a_callback_comes_before_the_request_the_app_made_while_handling_it() -> None:
    clients: list[CallAutomationClient] = []

    async def events(request: Request) -> Response:
        event = json.loads(await request.body())[0]
        if event["type"].endswith("CallConnected"):  # act before acknowledging, as a service's handler does
            connection = clients[0].get_call_connection(event["data"]["callConnectionId"])
            await connection.play_media_to_all(TextSource(text="Hello"))
        return Response(status_code=200)

    async with run_asgi(Starlette(routes=[Route("/events", events, methods=["POST"])])) as served:
        async with run_simulator(time_scale=TIME_SCALE) as sim:
            client = CallAutomationClient(sim.base_url, AzureKeyCredential(sim.config.access_key))
            clients.append(client)
            async with client, SimulatorClient(sim.base_url) as control:
                await client.create_call(
                    CallInvite(PhoneNumberIdentifier(BOB), source_caller_id_number=PhoneNumberIdentifier(APP_NUMBER)),
                    f"{served.base_url}/events",
                )
                server_call_id = (await control.list_calls())[0].server_call_id
                entries = await control.wait_for(
                    server_call_id, lambda entries: any(e.name.endswith("PlayStarted") for e in entries), timeout=5
                )
    connected = _seq(entries, "callback", "CallConnected")
    play = _seq(entries, "request", "play")
    assert connected < play < _seq(entries, "callback", "PlayStarted")
