"""A ringing leg: a party being invited into a call, until it answers, refuses, times out or is canceled."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.world.calls import Call
from simulator.world.identity import Identifier

if TYPE_CHECKING:
    from simulator.world.calls import Connection


@dataclass(frozen=True)
class Outcome:
    """How a ring ended. ``by_app`` is set when the app answered the IncomingCall itself."""

    answered: bool
    code: int = 200
    sub_code: int = 0
    message: str = ""
    by_app: Connection | None = None
    canceled: bool = False

    def result(self) -> dict[str, Any]:
        return {"code": self.code, "subCode": self.sub_code, "message": self.message}


ANSWERED = Outcome(True)
BUSY = Outcome(False, 486, 8539, "Callee is busy.")
DECLINED = Outcome(False, 603, 8538, "Callee declined the call.")
FAILED = Outcome(False, 500, 8544, "Callee is unreachable.")
TIMED_OUT = Outcome(False, 408, 10057, "Underlying reason: Request Timeout. DiagCode: 408#10057.@")
CANCELED = Outcome(False, 487, 8542, "Call was canceled.", canceled=True)
CALL_ENDED = Outcome(False, 400, 8528, "Call was already terminated.")


@dataclass
class Ring:
    """One invitation. ``context`` is the incomingCallContext when an IncomingCall was published for it."""

    invitation_id: str
    call: Call
    target: Identifier
    caller: Identifier | None
    context: str | None = None
    custom_context: dict[str, Any] | None = None
    future: asyncio.Future[Outcome] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    @property
    def ringing(self) -> bool:
        return not self.future.done()

    def settle(self, outcome: Outcome) -> bool:
        """Resolve the ring; False when something else resolved it first."""
        if self.future.done():
            return False
        self.future.set_result(outcome)
        return True

    @property
    def outcome(self) -> Outcome | None:
        return self.future.result() if self.future.done() else None
