"""Agent kit: transfer the caller (or add an agent while the caller hears hold music), with a fallback.

Example::

    agent = AgentTransfer(
        name="agent",
        target=lambda settings: settings.flows.agent_number,
        on_unavailable=voicemail,               # after the apology: voicemail, a callback offer, ...
    )
    specialist = AgentTransfer(
        name="specialist",
        mode="add",
        target=lambda settings: settings.flows.specialist_number,
        caller_id=lambda settings: settings.flows.support_number,
        on_unavailable=voicemail,
    )
    router.include(agent, specialist)

``CallTransferFailed``, ``AddParticipantFailed`` and a cancelled invitation are classified as ``busy``,
``no_answer``, ``declined`` or ``failed`` (:func:`classify`); the caller hears the matching apology, then
``on_unavailable`` runs (or the call ends). The outcome is kept in ``state["<name>_outcome"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import structlog

from app import Log
from app.actions.call import CallActions
from app.actions.errors import CallActionError
from app.actions.prompts import Audio
from app.context import OperationContext
from app.events import CallEvent
from app.routing import HandlerArgs
from app.state.base import CallState
from config.settings import Settings
from handlers.kit import Kit, Target
from handlers.prompting import Localized, PromptSpec, render

Reason = Literal["busy", "no_answer", "declined", "failed"]
Setting = str | Callable[[Settings], str]

HOLD = Localized(
    {
        "en-US": "Please hold while we connect you. Your call is important to us.",
        "es-MX": "Por favor espere mientras lo comunicamos. Su llamada es importante para nosotros.",
    }
)
APOLOGIES: Mapping[Reason, PromptSpec] = {
    "busy": Localized(
        {
            "en-US": "We're sorry, all of our agents are busy right now.",
            "es-MX": "Lo sentimos, todos nuestros agentes están ocupados en este momento.",
        }
    ),
    "no_answer": Localized(
        {
            "en-US": "We're sorry, no agent answered.",
            "es-MX": "Lo sentimos, ningún agente respondió.",
        }
    ),
    "declined": Localized(
        {
            "en-US": "We're sorry, no agent can take your call right now.",
            "es-MX": "Lo sentimos, ningún agente puede atender su llamada ahora.",
        }
    ),
    "failed": Localized(
        {
            "en-US": "We're sorry, we could not connect your call.",
            "es-MX": "Lo sentimos, no pudimos conectar su llamada.",
        }
    ),
}
_BUSY_SUB_CODES = frozenset({8539, 8540})
_NO_ANSWER_SUB_CODES = frozenset({8541, 8542})


def classify(event: CallEvent) -> Reason:
    """Why a transfer or invitation failed, from its result code, subcode and SIP detail.

    Example::

        classify(add_participant_failed_408_10057)   # "no_answer"
    """
    info = event.result_information
    sip = info.sip_details.code if info is not None and info.sip_details is not None else None
    codes = {event.result_code, sip}
    if event.sub_code in _BUSY_SUB_CODES or 486 in codes or 600 in codes:
        return "busy"
    if event.sub_code == 8538 or 603 in codes:
        return "declined"
    if event.is_timeout or event.sub_code in _NO_ANSWER_SUB_CODES or 480 in codes or 487 in codes:
        return "no_answer"
    return "failed"


class AgentStep(OperationContext, prefix="_kit.agent"):
    """Tags the transfer or the invitation, so their outcome events come back to this kit."""


class ApologyStep(OperationContext, prefix="_kit.agent-sorry"):
    reason: Reason = "failed"


class AgentTransfer(Kit):
    """Reach a person: ``mode="transfer"`` hands the call over, ``mode="add"`` brings them into it.

    Args:
        target: the number (or ACS user) to reach, or a function of the settings returning it.
        caller_id: the resource's number shown to the target (``mode="add"`` to a phone needs it).
        hold_music: ``mode="add"`` puts the caller on hold with this (``Audio(url)`` or text) until they join;
            ``CALLWRIGHT_IVR_HOLD_MUSIC_URL``, when set, wins. ``None``: no hold (the caller waits in silence).
        invitation_timeout_s: how long the added party may ring (ACS then reports ``AddParticipantFailed``).
        on_connected: route once the agent is connected (transfer accepted, or participant added).
        on_unavailable: route after the apology; default: hang up.
        sip_headers: ``X-MS-Custom-*`` / ``User-To-User`` headers for the target, or a function of the state.
    """

    kind = "agent"

    def __init__(
        self,
        *,
        name: str,
        target: Setting,
        mode: Literal["transfer", "add"] = "transfer",
        caller_id: Setting | None = None,
        hold_music: PromptSpec | None = HOLD,
        invitation_timeout_s: int = 30,
        apologies: Mapping[Reason, PromptSpec] = APOLOGIES,
        on_connected: Target | None = None,
        on_unavailable: Target | None = None,
        sip_headers: Mapping[str, str] | Callable[[CallState], Mapping[str, str]] | None = None,
    ) -> None:
        super().__init__(name=name)
        self.target, self.mode, self.caller_id = target, mode, caller_id
        self.hold_music = hold_music
        self.invitation_timeout_s = invitation_timeout_s
        self.apologies = {**APOLOGIES, **apologies}
        self.sip_headers = sip_headers
        self.on_connected = self._route(on_connected, "on_connected")
        self.on_unavailable = self._route(on_unavailable, "on_unavailable")
        self.outcome_key = f"{name}_outcome"
        self._invitation_key = f"{name}_invitation"
        self._hold_key = f"{name}_on_hold"

    def wire(self) -> None:
        self.Step = self._context(AgentStep)
        self.Sorry = self._context(ApologyStep, ".sorry")
        self.call_transfer_accepted(context=self.Step)(self._on_connected)
        self.add_participant_succeeded(context=self.Step)(self._on_connected)
        self.call_transfer_failed(context=self.Step)(self._on_failed)
        self.add_participant_failed(context=self.Step)(self._on_failed)
        self.cancel_add_participant_succeeded(context=self.Step)(self._on_failed)
        self.play_completed(context=self.Sorry)(self._after_apology)
        self.play_failed(context=self.Sorry)(self._after_apology)

    async def _start(self, call: CallActions, state: CallState | None) -> None:
        """Transfer, or invite and hold the caller; the outcome arrives as an event."""
        state = state if state is not None else {}
        target = _value(self.target, call.settings)
        headers = self.sip_headers(state) if callable(self.sip_headers) else self.sip_headers
        state[self.outcome_key] = "pending"
        if self.mode == "transfer":
            await call.transfer(target, sip_headers=headers, context=self.Step())
            return
        caller_id = _value(self.caller_id, call.settings) if self.caller_id is not None else None
        invite = await call.add_participant(
            target,
            caller_id=caller_id,
            invitation_timeout=self.invitation_timeout_s,
            sip_headers=headers,
            context=self.Step(),
        )
        state[self._invitation_key] = invite.invitation_id
        if self.hold_music is not None and call.party is not None:
            url = call.settings.ivr.hold_music_url
            music = Audio(url) if url else render(self.hold_music, locale=call.locale, state=state)
            try:
                await call.hold(target=call.party, music=music if isinstance(music, str | Audio) else None)
            except CallActionError as error:  # the caller then hears silence; the invitation still proceeds
                _warn("hold_failed", error)
                return
            state[self._hold_key] = True

    async def cancel(self, call: CallActions, state: CallState) -> None:
        """Withdraw a pending invitation (``mode="add"``); the caller then hears the ``no_answer`` apology."""
        invitation = state.get(self._invitation_key)
        if isinstance(invitation, str):
            await call.cancel_add_participant(invitation, context=self.Step())

    async def _release_hold(self, call: CallActions, state: CallState) -> None:
        state.pop(self._invitation_key, None)
        if state.pop(self._hold_key, False) and call.party is not None:
            try:
                await call.unhold(target=call.party)
            except CallActionError as error:
                _warn("unhold_failed", error)

    async def _on_connected(self, call: CallActions, state: CallState, log: Log, args: HandlerArgs) -> None:
        await self._release_hold(call, state)
        state[self.outcome_key] = "connected"
        log.info("agent_connected", kit=self.prefix, mode=self.mode)
        if self.on_connected is not None:
            await self.on_connected(args)

    async def _on_failed(self, event: CallEvent, call: CallActions, state: CallState, log: Log) -> None:
        reason = "no_answer" if event.event_name == "CancelAddParticipantSucceeded" else classify(event)
        await self._release_hold(call, state)
        state[self.outcome_key] = reason
        log.warning(
            "agent_unavailable", kit=self.prefix, reason=reason, code=event.result_code, sub_code=event.sub_code
        )
        apology = render(self.apologies[reason], locale=call.locale, state=state)
        await call.play(apology, context=self.Sorry(reason=reason))

    async def _after_apology(self, call: CallActions, args: HandlerArgs) -> None:
        if self.on_unavailable is not None:
            await self.on_unavailable(args)
        else:
            await call.hang_up(for_everyone=True)


def _value(setting: Setting, settings: Settings) -> str:
    return setting(settings) if callable(setting) else setting


def _warn(event: str, error: CallActionError) -> None:
    structlog.get_logger("callwright.kits").warning(event, status=error.status, code=error.code)
