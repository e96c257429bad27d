"""Voicemail kit: a prompt, a recording that stops on ``#`` or after the maximum length, a thank-you, hang-up.

Example::

    voicemail = router.include(Voicemail(name="voicemail"))
    ...
    await voicemail.start(call)

Steps: play ``prompt`` → start recording (its id goes to ``state["<name>_recording_id"]`` and to the log) →
listen for ``#`` with a DTMF recognize whose silence timeout is the maximum message length (ACS reports
``RecognizeFailed`` 8510 when it runs out) → stop recording → play ``thanks`` → ``on_saved`` or hang up.
A caller who simply hangs up keeps the message: the recording ends with the call, and the kit logs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from app import Log
from app.actions.call import CallActions
from app.actions.errors import CallActionError
from app.actions.prompts import Prompt
from app.context import OperationContext
from app.events import RecognizeCompleted, RecognizeFailed
from app.routing import HandlerArgs
from app.state.base import CallState
from handlers.farewell import Farewell
from handlers.hours import CLOCK
from handlers.kit import Kit, Target
from handlers.prompting import Localized, PromptSpec, render

PROMPT = Localized(
    {
        "en-US": "Please leave a message after the tone. Press pound when you are done.",
        "es-MX": "Por favor deje un mensaje después del tono. Oprima la tecla de número cuando termine.",
    }
)
THANKS = Localized(
    {
        "en-US": "Thank you, your message has been recorded. Goodbye.",
        "es-MX": "Gracias, su mensaje ha sido grabado. Adiós.",
    }
)
UNAVAILABLE = Localized(
    {
        "en-US": "We're sorry, we cannot take a message right now. Please call again later. Goodbye.",
        "es-MX": "Lo sentimos, no podemos tomar su mensaje ahora. Por favor llame más tarde. Adiós.",
    }
)
StopReason = Literal["pound", "max_length", "error"]


class VoicemailStep(OperationContext, prefix="_kit.voicemail"):
    phase: Literal["prompt", "record", "thanks"] = "prompt"


class Voicemail(Kit):
    """Record a message.

    Args:
        prompt: said before recording starts (mention the ``#`` key).
        beep: an optional tone (``Audio(url)``) played once recording has started.
        max_seconds: the longest message (default ``settings.ivr.voicemail_max_seconds``); 5-300.
        on_saved: route after the thank-you; default: hang up.
    """

    kind = "voicemail"

    def __init__(
        self,
        *,
        name: str,
        prompt: PromptSpec = PROMPT,
        thanks: PromptSpec = THANKS,
        unavailable: PromptSpec = UNAVAILABLE,
        beep: Prompt | None = None,
        max_seconds: int | None = None,
        on_saved: Target | None = None,
    ) -> None:
        super().__init__(name=name)
        self.prompt, self.thanks, self.beep = prompt, thanks, beep
        self.max_seconds = max_seconds
        self.recording_key = f"{name}_recording_id"
        self.result_key = f"{name}_result"
        self._started_key = f"{name}_started_at"
        self.on_saved = self._route(on_saved, "on_saved")
        self._sorry = self.include(Farewell(name=f"{name}-bye", message=unavailable))

    def wire(self) -> None:
        self.Step = self._context(VoicemailStep)
        self.play_completed(context=self.Step)(self._on_played)
        self.play_failed(context=self.Step)(self._on_played)
        self.recognize_completed(context=self.Step)(self._on_key)
        self.recognize_failed(context=self.Step)(self._on_timeout)
        self.call_disconnected(when=self._recording_when_hung_up)(self._on_hang_up)

    async def _start(self, call: CallActions, state: CallState | None) -> None:
        await call.play(render(self.prompt, locale=call.locale, state=state), context=self.Step(phase="prompt"))

    def _limit(self, call: CallActions) -> int:
        return self.max_seconds or call.settings.ivr.voicemail_max_seconds

    async def _on_played(
        self,
        call: CallActions,
        state: CallState,
        ctx: VoicemailStep,
        log: Log,
        extras: Mapping[str, Any],
        args: HandlerArgs,
    ) -> None:
        if ctx.phase == "thanks":
            if self.on_saved is not None:
                await self.on_saved(args)
            else:
                await call.hang_up(for_everyone=True)
            return
        if ctx.phase != "prompt":
            return
        try:
            recording = await call.start_recording()
        except CallActionError as error:
            log.warning("voicemail_unavailable", kit=self.prefix, status=error.status, code=error.code)
            await self._sorry.start(call, state)
            return
        state[self.recording_key] = recording.recording_id
        state[self._started_key] = _now(extras).timestamp()
        log.info("voicemail_recording_started", kit=self.prefix, recording_id=recording.recording_id)
        await self._listen(call, seconds=self._limit(call), beep=self.beep)

    async def _listen(self, call: CallActions, *, seconds: int, beep: Prompt | None) -> None:
        await call.recognize_dtmf(
            beep,
            max_tones=1,
            stop_tones="#",
            initial_silence_timeout=seconds,
            interrupt_prompt=False,
            context=self.Step(phase="record"),
        )

    async def _on_key(
        self, event: RecognizeCompleted, call: CallActions, state: CallState, log: Log, extras: Mapping[str, Any]
    ) -> None:
        if event.digits in ("", "#") or "#" in event.digits:
            await self._finish(call, state, log, "pound")
            return
        # Another key is noise in the message: keep listening for what is left of the maximum length.
        started = state.get(self._started_key)
        elapsed = _now(extras).timestamp() - started if isinstance(started, float | int) else 0.0
        remaining = int(self._limit(call) - elapsed)
        if remaining < 1:
            await self._finish(call, state, log, "max_length")
        else:
            await self._listen(call, seconds=remaining, beep=None)

    async def _on_timeout(self, event: RecognizeFailed, call: CallActions, state: CallState, log: Log) -> None:
        await self._finish(call, state, log, "max_length" if event.is_timeout else "error")

    async def _finish(self, call: CallActions, state: CallState, log: Log, reason: StopReason) -> None:
        recording_id = state.get(self.recording_key)
        if isinstance(recording_id, str):
            try:
                await call.stop_recording(recording_id)
            except CallActionError as error:  # it may have ended already; the message is kept either way
                log.warning("voicemail_stop_failed", kit=self.prefix, status=error.status, code=error.code)
        state[self.result_key] = reason
        log.info("voicemail_recorded", kit=self.prefix, recording_id=recording_id, reason=reason)
        await call.play(render(self.thanks, locale=call.locale, state=state), context=self.Step(phase="thanks"))

    def _recording_when_hung_up(self, state: CallState) -> bool:
        return self.recording_key in state and self.result_key not in state

    async def _on_hang_up(self, state: CallState, log: Log) -> None:
        log.info("voicemail_recorded", kit=self.prefix, recording_id=state.get(self.recording_key), reason="hang_up")


def _now(extras: Mapping[str, Any] | None) -> datetime:
    clock = (extras or {}).get(CLOCK)
    return clock() if clock is not None else datetime.now(UTC)
