"""A call that drives one kit: the router answers the line, and starts the kit once the call is connected."""

from __future__ import annotations

from typing import Protocol

from app import CallActions, CallState, OperationContext, Router
from app.testing.fakes import CallScript, make_app, make_settings
from config.settings import Settings

LINE = "+18005550100"


class KitStart(OperationContext, prefix="test-kit.start"):
    """Tags the answer, so the kit starts on this call's CallConnected only."""


class Startable(Protocol):
    async def start(self, call: CallActions, state: CallState | None = None) -> None: ...


def start_on_connect(router: Router, kit: Startable, *, line: str = LINE) -> None:
    """Include ``kit`` (if it is a kit no router includes yet), answer calls to ``line``, and start ``kit`` once
    connected."""
    if isinstance(kit, Router) and kit.parent is None:
        router.include(kit)

    @router.incoming_call(to=line)
    async def answer(call: CallActions) -> None:
        await call.answer(context=KitStart())

    @router.call_connected(context=KitStart)
    async def connected(call: CallActions, state: CallState) -> None:
        await kit.start(call, state)


async def call_in(router: Router, *, settings: Settings | None = None, line: str = LINE) -> CallScript:
    """A caller dials ``line`` and the call connects."""
    app, acs = make_app(settings or make_settings(), router)
    script = CallScript(app, acs)
    await script.incoming(to=line)
    await script.connected()
    return script
