"""Ringing a party: the simulated phone's behaviour decides, unless the app answers its IncomingCall first.

Example::

    ring = start_ring(world, call, Identifier("4:+15551230001"), caller=None, timeout=60)
    outcome = await ring.future
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.world.calls import Call
from simulator.world.identity import Identifier, mint_guid
from simulator.world.parties import Behaviour
from simulator.world.ringing import ANSWERED, BUSY, DECLINED, FAILED, TIMED_OUT, Outcome, Ring

if TYPE_CHECKING:
    from simulator.world.world import World

_REFUSALS: dict[str, Outcome] = {"reject": DECLINED, "busy": BUSY, "fail": FAILED}
_BUSY_DELAY = 0.5  # a busy line answers fast


def start_ring(
    world: World,
    call: Call,
    target: Identifier,
    *,
    caller: Identifier | None,
    timeout: float,
    custom_context: dict[str, Any] | None = None,
    display_name: str = "",
    behaviour: Behaviour | None = None,
    announce: bool | None = None,
) -> Ring:
    """Ring ``target`` for ``call``; an ACS user of this resource or an owned number also gets an IncomingCall."""
    ring = Ring(mint_guid(), call, target, caller, custom_context=custom_context)
    if announce is None:
        announce = world.is_app_reachable(target)
    if behaviour is None:
        behaviour = world.parties.behaviour_for(target, app_reachable=announce)
    world.timeline.record(
        "party", target.raw_id, "ringing", server_call_id=call.server_call_id, behaviour=behaviour.answer
    )
    world.track_ring(ring, behaviour.answer)
    if announce:
        world.incoming_call(ring, display_name)
    world.spawn(call, _behave(world, ring, behaviour))
    world.spawn(call, _time_out(world, ring, timeout))
    return ring


def answer_ring(world: World, ring: Ring, answer: str) -> None:
    """The ringing party answers (``accept``) or refuses (``reject``, ``busy``, ``fail``, ``no-answer``)."""
    outcome = TIMED_OUT if answer == "no-answer" else _REFUSALS.get(answer, ANSWERED)
    world.timeline.record(
        "party",
        ring.target.raw_id,
        "answer" if outcome.answered else answer,
        server_call_id=ring.call.server_call_id,
    )
    world.settle_ring(ring, outcome)


async def _behave(world: World, ring: Ring, behaviour: Behaviour) -> None:
    if behaviour.answer in ("no-answer", "app", "manual"):
        return
    delay = min(_BUSY_DELAY, behaviour.answer_after) if behaviour.answer == "busy" else behaviour.answer_after
    await world.clock.sleep(delay)
    if ring.ringing:
        answer_ring(world, ring, behaviour.answer)


async def _time_out(world: World, ring: Ring, seconds: float) -> None:
    await world.clock.sleep(seconds)
    if ring.ringing:
        world.timeline.record("party", ring.target.raw_id, "no answer", server_call_id=ring.call.server_call_id)
        world.settle_ring(ring, TIMED_OUT)
