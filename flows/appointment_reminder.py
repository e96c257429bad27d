"""Outbound appointment reminder: read the appointment, then 1 confirm, 2 cancel, 0 talk to someone.

Start it with the trigger (the state is stored before the call connects)::

    callwright call --flow appointment_reminder --to +15555550150 --caller-id +18005550103 \\
        --state appointment="Tuesday at 3 PM"

The outcome is written to ``state["outcome"]`` and logged as ``reminder_outcome``: ``confirmed``, ``cancelled``,
``agent``, ``agent_unavailable``, ``no_response`` (nobody pressed a key), ``hung_up``, ``busy``, ``no_answer``,
``declined`` or ``failed`` (the last four from ``CreateCallFailed`` or an early ``CallDisconnected``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app import CallActions, CallState, Log, Router
from app.events import CallDisconnected, CreateCallFailed
from handlers import AgentTransfer, Farewell, Menu, Safety, classify

router = Router(name="appointment_reminder")
Safety(router)

CONFIRMED = "Thank you, your appointment is confirmed. We look forward to seeing you. Goodbye."
CANCELLED = "Your appointment has been cancelled. Please call us to book a new time. Goodbye."
NO_RESPONSE = "We did not receive a response. Please call us back to confirm your appointment. Goodbye."
AGENT_UNAVAILABLE = "Please call us back during business hours to talk about your appointment. Goodbye."
OUTCOME = "outcome"


def reminder(state: Mapping[str, Any]) -> str:
    when = state.get("appointment") or "your upcoming visit"
    return (
        f"Hello, this is a reminder of your appointment on {when}. "
        "To confirm, press 1. To cancel, press 2. To speak with someone, press 0."
    )


def _record(state: CallState, log: Log, outcome: str, **fields: object) -> None:
    state[OUTCOME] = outcome
    log.info("reminder_outcome", outcome=outcome, **fields)


confirmed_bye = Farewell(name="confirmed", message=CONFIRMED)
cancelled_bye = Farewell(name="cancelled", message=CANCELLED)
no_response_bye = Farewell(name="no_response", message=NO_RESPONSE)
agent_unavailable_bye = Farewell(name="agent_unavailable", message=AGENT_UNAVAILABLE)


async def confirm(call: CallActions, state: CallState, log: Log) -> None:
    _record(state, log, "confirmed")
    await confirmed_bye.start(call, state)


async def cancel(call: CallActions, state: CallState, log: Log) -> None:
    _record(state, log, "cancelled")
    await cancelled_bye.start(call, state)


async def no_response(call: CallActions, state: CallState, log: Log) -> None:
    _record(state, log, "no_response")
    await no_response_bye.start(call, state)


async def agent_unavailable(call: CallActions, state: CallState, log: Log) -> None:
    _record(state, log, "agent_unavailable", reason=state.get("agent_outcome"))
    await agent_unavailable_bye.start(call, state)


async def agent_connected(state: CallState, log: Log) -> None:
    _record(state, log, "agent")


agent = AgentTransfer(
    name="agent",
    target=lambda settings: settings.flows.agent_number,
    on_connected=agent_connected,
    on_unavailable=agent_unavailable,
)
menu = Menu(
    name="reminder",
    prompt=reminder,
    options={"1": confirm, "2": cancel, "0": agent},
    fallback=no_response,
    max_attempts=2,
)
router.include(menu, agent, confirmed_bye, cancelled_bye, no_response_bye, agent_unavailable_bye)


@router.call_connected()
async def read_reminder(call: CallActions, state: CallState) -> None:
    await menu.start(call, state)


@router.create_call_failed()
async def not_reached(event: CreateCallFailed, state: CallState, log: Log) -> None:
    _record(state, log, classify(event), code=event.result_code, sub_code=event.sub_code)


@router.call_disconnected()
async def ended(event: CallDisconnected, state: CallState, log: Log) -> None:
    if OUTCOME in state:
        log.info("reminder_call_ended", outcome=state[OUTCOME])
        return
    # No outcome yet: the call never got going (failure codes) or the callee hung up mid-reminder.
    outcome = classify(event) if event.is_failure else "hung_up"
    _record(state, log, outcome, code=event.result_code, sub_code=event.sub_code)
