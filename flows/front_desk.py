"""Front desk: refuse blocked callers, redirect after hours, otherwise answer with a two-key menu.

    1 → transfer the caller to the agent (the app leaves the call once the transfer is accepted)
    2 → escalate: invite a supervisor while the caller hears a hold message; if the supervisor has not
        picked up when the message ends, cancel the invitation and transfer to the agent instead

Seed actions used: reject, redirect, answer, transfer, add_participant, cancel_add_participant,
list_participants, get_participant, play/recognize, hang_up.
"""

from __future__ import annotations

from collections.abc import Callable

from app import CallActions, CallState, Log, OperationContext, Router
from app.events import (
    AddParticipantFailed,
    AddParticipantSucceeded,
    CallTransferFailed,
    CancelAddParticipantFailed,
    CancelAddParticipantSucceeded,
    IncomingCall,
    RecognizeCompleted,
)
from config.settings import Settings

router = Router(name="front_desk")

MENU = "Welcome to the front desk. To speak with an agent, press 1. To bring in a supervisor, press 2."
RETRY = "Sorry, I didn't catch that. "
HOLD = "Please hold while we connect a supervisor. This may take a moment."
APOLOGY = "We're sorry, nobody can take your call right now. Please try again later. Goodbye."
MAX_ATTEMPTS = 3


class Menu(OperationContext, prefix="fd-menu"):
    attempt: int = 1


class AgentTransfer(OperationContext, prefix="fd-transfer"):
    """Tags the transfer so its outcome events come back here."""


class SupervisorInvite(OperationContext, prefix="fd-supervisor"):
    """Tags the supervisor's invitation (add, and its cancel)."""


class SupervisorWait(OperationContext, prefix="fd-wait"):
    """The hold message doubles as the supervisor's pick-up deadline."""


class Farewell(OperationContext, prefix="fd-bye"):
    """The apology: when it ends, hang up."""


def dialed_front_desk(event: IncomingCall, settings: Settings) -> bool:
    return event.to_number == settings.flows.front_desk_number


def blocked_caller(event: IncomingCall, settings: Settings) -> bool:
    return event.from_number in settings.flows.blocked_callers


def after_hours(settings: Settings) -> bool:
    return settings.flows.front_desk_after_hours


def pressed(digit: str) -> Callable[[RecognizeCompleted], bool]:
    def check(event: RecognizeCompleted) -> bool:
        return event.digits == digit

    return check


@router.incoming_call(when=[dialed_front_desk, blocked_caller])
async def refuse_blocked(call: CallActions, log: Log) -> None:
    log.info("caller_blocked")
    await call.reject("forbidden")


@router.incoming_call(when=[dialed_front_desk, after_hours])
async def redirect_after_hours(call: CallActions, settings: Settings) -> None:
    await call.redirect(settings.flows.after_hours_number)


@router.incoming_call(when=dialed_front_desk)
async def answer(call: CallActions) -> None:
    await call.answer(context=Menu())


@router.call_connected(context=Menu)
async def offer_menu(call: CallActions, ctx: Menu) -> None:
    await call.recognize_dtmf(MENU, max_tones=1, initial_silence_timeout=8, context=ctx)


@router.recognize_completed(context=Menu, when=pressed("1"))
async def transfer_to_agent(call: CallActions, settings: Settings) -> None:
    await call.transfer(
        settings.flows.agent_number,
        sip_headers={"User-To-User": "front-desk;encoding=ascii", "X-MS-Custom-Queue": "front-desk"},
        context=AgentTransfer(),
    )


@router.recognize_completed(context=Menu, when=pressed("2"))
async def escalate(call: CallActions, settings: Settings, state: CallState) -> None:
    invite = await call.add_participant(
        settings.flows.supervisor_number,
        caller_id=settings.flows.front_desk_number,
        invitation_timeout=60,
        context=SupervisorInvite(),
    )
    state["supervisor_invitation"] = invite.invitation_id
    await call.play(HOLD, context=SupervisorWait())


@router.recognize_completed(context=Menu)
@router.recognize_failed(context=Menu)
async def retry_menu(call: CallActions, ctx: Menu) -> None:
    if ctx.attempt >= MAX_ATTEMPTS:
        await call.play(APOLOGY, context=Farewell())
        return
    await call.recognize_dtmf(
        RETRY + MENU, max_tones=1, initial_silence_timeout=8, context=Menu(attempt=ctx.attempt + 1)
    )


@router.play_completed(context=SupervisorWait)
async def supervisor_deadline(call: CallActions, state: CallState) -> None:
    invitation = state.get("supervisor_invitation")
    if invitation:
        await call.cancel_add_participant(invitation, context=SupervisorInvite())


@router.add_participant_succeeded(context=SupervisorInvite)
async def supervisor_joined(event: AddParticipantSucceeded, call: CallActions, state: CallState, log: Log) -> None:
    state.pop("supervisor_invitation", None)
    participants = await call.list_participants()
    supervisor = await call.get_participant(event.participant) if event.participant else None
    log.info(
        "supervisor_joined",
        participants=[str(p.identifier.raw_id) for p in participants if p.identifier],
        supervisor_muted=supervisor.is_muted if supervisor else None,
    )


@router.on(AddParticipantFailed, CancelAddParticipantSucceeded, context=SupervisorInvite)
async def supervisor_unavailable(
    event: AddParticipantFailed | CancelAddParticipantSucceeded, call: CallActions, settings: Settings, state: CallState
) -> None:
    if state.pop("supervisor_invitation", None) is None:
        return  # already resolved: ACS may report a failure and a cancel for the same invitation
    await call.transfer(settings.flows.agent_number, context=AgentTransfer())


@router.on(CancelAddParticipantFailed, context=SupervisorInvite)
async def supervisor_already_joined(log: Log) -> None:
    log.info("supervisor_cancel_too_late")


@router.on(CallTransferFailed, context=AgentTransfer)
async def transfer_failed(call: CallActions, event: CallTransferFailed, log: Log) -> None:
    log.warning("transfer_failed", code=event.result_code, sub_code=event.sub_code)
    await call.play(APOLOGY, context=Farewell())


@router.play_completed(context=Farewell)
@router.play_failed(context=Farewell)
async def goodbye(call: CallActions) -> None:
    await call.hang_up(for_everyone=True)
