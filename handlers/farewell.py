"""Farewell kit: say something, then hang up once it has been heard (or could not be played).

Example::

    goodbye = router.include(Farewell(name="bye", message="Thank you for calling. Goodbye."))

    @router.recognize_completed(context=Menu, when=lambda event: event.digits == "9")
    async def leave(call: CallActions) -> None:
        await goodbye.start(call)
"""

from __future__ import annotations

from app.actions.call import CallActions
from app.context import OperationContext
from app.state.base import CallState
from handlers.kit import Kit
from handlers.prompting import PromptSpec, render


class FarewellStep(OperationContext, prefix="_kit.farewell"):
    """Tags the closing message: its PlayCompleted or PlayFailed ends the call."""


class Farewell(Kit):
    """Plays ``message`` to everyone, then hangs up for everyone (``for_everyone=False`` only removes the app)."""

    kind = "farewell"

    def __init__(self, *, name: str, message: PromptSpec, for_everyone: bool = True) -> None:
        super().__init__(name=name)
        self.message = message
        self.for_everyone = for_everyone

    def wire(self) -> None:
        self.Step = self._context(FarewellStep)
        self.play_completed(context=self.Step)(self._hang_up)
        self.play_failed(context=self.Step)(self._hang_up)

    async def _start(self, call: CallActions, state: CallState | None) -> None:
        prompt = render(self.message, locale=call.locale, state=state)
        await call.play(prompt, context=self.Step())

    async def _hang_up(self, call: CallActions) -> None:
        await call.hang_up(for_everyone=self.for_everyone)
