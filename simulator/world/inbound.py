"""Calls placed into the emulator from outside (the control API): a simulated phone calls the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.world.calls import ENDED, Call
from simulator.world.identity import Identifier
from simulator.world.invite import start_ring
from simulator.world.parties import Behaviour
from simulator.world.ringing import Ring

if TYPE_CHECKING:
    from simulator.world.world import World


def place_call(
    world: World,
    caller: Identifier,
    callee: Identifier,
    *,
    display_name: str = "",
    custom_context: dict[str, Any] | None = None,
    ringing_timeout: float | None = None,
) -> tuple[Call, Ring]:
    """``caller`` dials ``callee``: the app gets an IncomingCall; the caller waits until answered or gives up."""
    call = world.new_call(caller=caller, callee=callee)
    world.timeline.record("party", caller.raw_id, "dial", server_call_id=call.server_call_id, to=callee.raw_id)
    world.join(call, caller)
    ring = start_ring(
        world,
        call,
        callee,
        caller=caller,
        timeout=ringing_timeout if ringing_timeout is not None else world.timing.ringing_timeout,
        custom_context=custom_context,
        display_name=display_name,
        behaviour=Behaviour(answer="app"),
        announce=True,
    )
    world.spawn(call, _give_up(world, call, ring))
    return call, ring


async def _give_up(world: World, call: Call, ring: Ring) -> None:
    outcome = await ring.future
    if not outcome.answered and outcome.sub_code == 10057 and call.state != ENDED and not call.connections:
        world.timeline.record(
            "party", call.caller.raw_id if call.caller else "?", "gave up", server_call_id=call.server_call_id
        )
        world.end_call(call)
