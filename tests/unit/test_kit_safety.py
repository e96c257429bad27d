"""Safety kit: a failing handler leads to an apology and a hang-up, and the error handler never raises."""

from __future__ import annotations

from app import CallActions, OperationContext, Router
from app.actions.errors import CallActionError
from app.dispatch import Outcome
from app.testing.fakes import CallScript, HangUp, Play, make_app, make_settings
from handlers import Safety

LINE = "+18005550100"


class Start(OperationContext, prefix="tks.start"):
    pass


def build(name: str, error: Exception) -> Router:
    router = Router(name=name)
    Safety(router)

    @router.incoming_call(to=LINE)
    async def answer(call: CallActions) -> None:
        await call.answer(context=Start())

    @router.call_connected(context=Start)
    async def broken() -> None:
        raise error

    return router


async def start(router: Router) -> tuple[CallScript, object]:
    app, acs = make_app(make_settings(), router)
    script = CallScript(app, acs)
    await script.incoming(to=LINE)
    outcome = await script.connected()
    return script, outcome


async def test_a_failing_handler_apologises_then_hangs_up() -> None:
    script, outcome = await start(build("tks1", RuntimeError("boom")))
    assert outcome == Outcome.FAILED
    apology = script.last
    assert isinstance(apology, Play) and "something went wrong" in apology.text
    assert apology.context == "tks1.safety"
    await script.play_completed()
    assert script.last == HangUp()


async def test_when_the_apology_cannot_be_played_it_hangs_up_at_once() -> None:
    router = build("tks2", RuntimeError("boom"))
    app, acs = make_app(make_settings(), router)
    script = CallScript(app, acs)
    await script.incoming(to=LINE)
    acs.fail["play"] = CallActionError("play", 500, "8500", "media down")
    await script.connected()
    assert script.last == HangUp()


async def test_a_call_that_is_gone_is_left_alone_and_nothing_raises() -> None:
    script, outcome = await start(build("tks3", CallActionError("play", 404, "8522", "Call not found.")))
    assert outcome == Outcome.FAILED
    assert not [action for action in script.actions if isinstance(action, Play | HangUp)]


async def test_even_a_failing_hang_up_does_not_escape() -> None:
    router = build("tks4", RuntimeError("boom"))
    app, acs = make_app(make_settings(), router)
    script = CallScript(app, acs)
    await script.incoming(to=LINE)
    acs.fail["play"] = CallActionError("play", 500, "8500", "media down")
    acs.fail["hang_up"] = CallActionError("hang_up", 500, "9999", "down")
    assert await script.connected() == Outcome.FAILED
