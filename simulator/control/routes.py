"""The control API under ``/simulator``: place calls, steer parties, rooms, reset, inspect the timeline."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulator.control.errors import control_error, guarded, json_body
from simulator.control.openapi import OPENAPI
from simulator.wire.body import Body
from simulator.wire.identifiers import custom_calling_context
from simulator.world.calls import ENDED
from simulator.world.identity import Identifier
from simulator.world.inbound import place_call
from simulator.world.invite import answer_ring
from simulator.world.media import Input
from simulator.world.mediaops import party_input
from simulator.world.parties import EVERY_PARTY, Behaviour, behaviour_from_json
from simulator.world.tones import parse_keys

if TYPE_CHECKING:
    from simulator.app import Simulator

ANSWERS_BY_HAND = ("accept", "reject", "busy", "no-answer", "fail")


def control_routes(sim: Simulator) -> list[BaseRoute]:
    """The routes; ``sim`` gives access to the world, the timeline and what reset clears."""
    world = sim.world

    def identifier(value: Any, name: str) -> Identifier:
        if not isinstance(value, str) or not value.strip():
            raise control_error(422, "BadRequest", f"'{name}' must be a phone number or a raw id.")
        who = Identifier.parse_loose(value)
        if who.kind == "unknown":
            raise control_error(422, "BadRequest", f"'{name}' is neither an E.164 number nor a known raw id.")
        return who

    async def place(request: Request) -> Response:
        body = await json_body(request)
        caller = identifier(body.get("from"), "from")
        callee = identifier(body.get("to"), "to")
        display_name = body.get("callerDisplayName", "")
        if not isinstance(display_name, str):
            raise control_error(422, "BadRequest", "'callerDisplayName' must be a string.")
        context = None
        if body.get("customContext") is not None:
            context = custom_calling_context(Body({"customCallingContext": body["customContext"]}))
        if isinstance(body.get("behaviour"), dict):
            base = world.parties.explicit(caller.raw_id) or Behaviour()
            world.parties.set(caller.raw_id, behaviour_from_json(body["behaviour"], base))
        timeout = body.get("ringingTimeout")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
            raise control_error(422, "BadRequest", "'ringingTimeout' must be a positive number of seconds.")
        call, ring = place_call(
            world, caller, callee, display_name=display_name, custom_context=context, ringing_timeout=timeout
        )
        reply = {
            "serverCallId": call.server_call_id,
            "correlationId": call.correlation_id,
            "incomingCallContext": ring.context,
            "from": caller.raw_id,
            "to": callee.raw_id,
        }
        return JSONResponse(reply, status_code=201)

    async def list_calls(request: Request) -> Response:
        return JSONResponse({"calls": [c.summary() for c in world.calls.values()]})

    async def get_call(request: Request) -> Response:
        call = world.calls.get(request.path_params["server_call_id"])
        if call is None:
            raise control_error(404, "NotFound", "No such call.")
        reply = call.summary()
        reply["timeline"] = [e.to_json() for e in sim.timeline.for_call(call.server_call_id)]
        return JSONResponse(reply)

    def party_key(request: Request) -> str:
        raw = request.path_params["raw_id"]
        return EVERY_PARTY if raw == EVERY_PARTY else identifier(raw, "rawId").raw_id

    async def end_call(request: Request) -> Response:
        call = world.calls.get(request.path_params["server_call_id"])
        if call is None:
            raise control_error(404, "NotFound", "No such call.")
        reason = (await json_body(request)).get("reason") or "ended through the control API"
        if not isinstance(reason, str):
            raise control_error(422, "BadRequest", "'reason' must be a string.")
        if call.state != ENDED:
            world.timeline.record("note", "acs", f"ended: {reason}", server_call_id=call.server_call_id)
            world.end_call(call)
        return Response(status_code=204)

    async def set_party(request: Request) -> Response:
        key = party_key(request)
        body = await json_body(request)
        behaviour = behaviour_from_json(body, world.parties.explicit(key) or Behaviour())
        world.parties.set(key, behaviour)
        return JSONResponse({"rawId": key, "behaviour": behaviour.to_json()})

    async def get_party(request: Request) -> Response:
        key = party_key(request)
        if key == EVERY_PARTY:
            behaviour = world.parties.explicit(EVERY_PARTY) or Behaviour()
        else:
            behaviour = world.parties.behaviour_for(Identifier(key))
        return JSONResponse({"rawId": key, "behaviour": behaviour.to_json()})

    def _call_party(request: Request) -> tuple[str, Identifier]:
        server_call_id = request.path_params["server_call_id"]
        if server_call_id not in world.calls:
            raise control_error(404, "NotFound", "No such call.")
        return server_call_id, identifier(request.path_params["raw_id"], "rawId")

    async def press(request: Request) -> Response:
        server_call_id, who = _call_party(request)
        body = await json_body(request)
        tones = body.get("tones")
        if not isinstance(tones, str) or not tones:
            raise control_error(422, "BadRequest", "'tones' must be a non-empty string such as \"12#\".")
        heard = False
        for tone in parse_keys(tones):
            heard = party_input(world, server_call_id, who, Input(tone=tone)) or heard
        return JSONResponse({"heard": heard})

    async def say(request: Request) -> Response:
        server_call_id, who = _call_party(request)
        body = await json_body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise control_error(422, "BadRequest", "'text' must be a non-empty string.")
        return JSONResponse({"heard": party_input(world, server_call_id, who, Input(text=text))})

    async def stay_silent(request: Request) -> Response:
        server_call_id, who = _call_party(request)
        return JSONResponse({"heard": party_input(world, server_call_id, who, Input(silence=True))})

    async def answer(request: Request) -> Response:
        server_call_id, who = _call_party(request)
        body = await json_body(request)
        mode = body.get("answer", "accept")
        if mode not in ANSWERS_BY_HAND:
            raise control_error(422, "BadRequest", f"'answer' must be one of {', '.join(ANSWERS_BY_HAND)}.")
        call = world.calls[server_call_id]
        ring = next((ring for ring, _ in world.ringing_parties(call) if ring.target.raw_id == who.raw_id), None)
        if ring is None:
            raise control_error(409, "NotRinging", f"{who.raw_id} is not ringing in this call.")
        answer_ring(world, ring, mode)
        return Response(status_code=204)

    async def hang_up(request: Request) -> Response:
        server_call_id, who = _call_party(request)
        call = world.calls[server_call_id]
        if who.raw_id not in call.participants:
            raise control_error(409, "NotInCall", f"{who.raw_id} is not in the call.")
        world.party_hangs_up(call, who)
        return Response(status_code=204)

    def _preset(kind: str) -> Any:
        store = world.rooms if kind == "roomId" else world.groups

        async def create(request: Request) -> Response:
            body = await json_body(request)
            key = body.get(kind) or str(uuid.uuid4())
            if not isinstance(key, str):
                raise control_error(422, "BadRequest", f"'{kind}' must be a string.")
            members = body.get("participants", [])
            if not isinstance(members, list):
                raise control_error(422, "BadRequest", "'participants' must be a list of raw ids or numbers.")
            store[key] = [identifier(m, "participants[]") for m in members]
            return JSONResponse({kind: key, "participants": [m.raw_id for m in store[key]]}, status_code=201)

        async def listing(request: Request) -> Response:
            return JSONResponse({"items": [{kind: k, "participants": [m.raw_id for m in v]} for k, v in store.items()]})

        return create, listing

    async def reset(request: Request) -> Response:
        await sim.reset()
        return Response(status_code=204)

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    create_room, list_rooms = _preset("roomId")
    create_group, list_groups = _preset("groupCallId")
    endpoints: list[tuple[str, Any, list[str]]] = [
        ("/simulator/openapi.json", openapi, ["GET"]),
        ("/simulator/calls", place, ["POST"]),
        ("/simulator/calls", list_calls, ["GET"]),
        ("/simulator/calls/{server_call_id}", get_call, ["GET"]),
        ("/simulator/calls/{server_call_id}", end_call, ["DELETE"]),
        ("/simulator/calls/{server_call_id}/parties/{raw_id}/dtmf", press, ["POST"]),
        ("/simulator/calls/{server_call_id}/parties/{raw_id}/say", say, ["POST"]),
        ("/simulator/calls/{server_call_id}/parties/{raw_id}/hangup", hang_up, ["POST"]),
        ("/simulator/calls/{server_call_id}/parties/{raw_id}/silence", stay_silent, ["POST"]),
        ("/simulator/calls/{server_call_id}/parties/{raw_id}/answer", answer, ["POST"]),
        ("/simulator/parties/{raw_id}", set_party, ["PUT"]),
        ("/simulator/parties/{raw_id}", get_party, ["GET"]),
        ("/simulator/rooms", create_room, ["POST"]),
        ("/simulator/rooms", list_rooms, ["GET"]),
        ("/simulator/groups", create_group, ["POST"]),
        ("/simulator/groups", list_groups, ["GET"]),
        ("/simulator/reset", reset, ["POST"]),
    ]
    return [Route(path, guarded(endpoint), methods=methods) for path, endpoint, methods in endpoints]
