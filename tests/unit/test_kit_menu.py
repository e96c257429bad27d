"""Menu kit: routing by key, silence vs invalid re-prompts, max attempts → fallback, barge-in, injected routes."""

from __future__ import annotations

from typing import Any

import pytest

from app import CallActions, CallState, OperationContext, Router
from app.errors import HandlerRegistrationError
from app.events import RecognizeCompleted
from app.session import CallSession
from app.testing.fakes import CallScript, HangUp, Play, Recognize, Transfer, make_app, make_settings
from handlers import Menu

LINE = "+18005550100"
PROMPT = "For billing press 1. For support press 2."


class Welcome(OperationContext, prefix="tkm.welcome"):
    pass


def build(name: str = "tkm", **menu_options: Any) -> tuple[Router, Menu, list[str]]:
    router = Router(name=name)
    chosen: list[str] = []

    async def billing(call: CallActions, event: RecognizeCompleted, state: CallState) -> None:
        chosen.append(f"billing:{event.digits}")
        state["went"] = "billing"
        await call.transfer("+15555550111")

    async def support(call: CallActions) -> None:
        chosen.append("support")

    menu = router.include(Menu(name="main", prompt=PROMPT, options={"1": billing, "2": support}, **menu_options))

    @router.incoming_call(to=LINE)
    async def answer(call: CallActions) -> None:
        await call.answer(context=Welcome())

    @router.call_connected(context=Welcome)
    async def connected(call: CallActions, state: CallState) -> None:
        await menu.start(call, state)

    return router, menu, chosen


async def start_call(router: Router) -> CallScript:
    app, acs = make_app(make_settings(), router)
    script = CallScript(app, acs)
    await script.incoming(to=LINE)
    await script.connected()
    return script


async def test_start_plays_the_prompt_with_barge_in_and_attempt_one() -> None:
    router, menu, _ = build("tkm1")
    script = await start_call(router)
    assert script.last == Recognize(PROMPT, "tkm1.main:1", max_tones=1, interrupt_prompt=True, target="4:+15555550123")
    assert menu.prefix == "tkm1.main"


async def test_valid_key_runs_the_route_with_injected_arguments() -> None:
    router, _, chosen = build("tkm2")
    script = await start_call(router)
    await script.press("1")
    assert chosen == ["billing:1"]
    assert script.last == Transfer("4:+15555550111")


async def test_silence_and_invalid_keys_get_distinct_reprompts_and_count_attempts() -> None:
    router, _, chosen = build("tkm3")
    script = await start_call(router)
    await script.silence()
    first = script.last
    assert isinstance(first, Recognize)
    assert first.context == "tkm3.main:2"
    assert first.text == f"Sorry, I didn't hear anything. {PROMPT}"
    await script.press("7")
    second = script.last
    assert isinstance(second, Recognize)
    assert second.context == "tkm3.main:3"
    assert second.text == f"Sorry, that is not a valid choice. {PROMPT}"
    assert chosen == []


async def test_max_attempts_runs_the_fallback() -> None:
    router = Router(name="tkm4")
    fell_back: list[int] = []

    async def agent(call: CallActions) -> None:
        fell_back.append(1)
        await call.transfer("+15555550199")

    async def noop() -> None:
        return None

    menu = router.include(Menu(name="main", prompt=PROMPT, options={"1": noop}, fallback=agent, max_attempts=2))

    @router.incoming_call(to=LINE)
    async def answer(call: CallActions) -> None:
        await call.answer(context=Welcome())

    @router.call_connected(context=Welcome)
    async def connected(call: CallActions) -> None:
        await menu.start(call)

    script = await start_call(router)
    await script.press("9")
    await script.silence()
    assert fell_back == [1]
    assert script.last == Transfer("4:+15555550199")
    assert len(script.acs.of_type(Recognize)) == 2


async def test_default_fallback_apologises_then_hangs_up() -> None:
    router, _, _ = build("tkm5", max_attempts=1)
    script = await start_call(router)
    await script.silence()
    play = script.last
    assert isinstance(play, Play)
    assert "Goodbye" in play.text
    assert play.context == "tkm5.main-bye"
    await script.play_completed()
    assert script.last == HangUp(for_everyone=True)


async def test_barge_in_can_be_turned_off() -> None:
    router, _, _ = build("tkm6", interrupt_prompt=False)
    script = await start_call(router)
    last = script.last
    assert isinstance(last, Recognize) and last.interrupt_prompt is False


async def test_two_menus_in_one_call_do_not_steal_each_others_events() -> None:
    router = Router(name="tkm7")
    hits: list[str] = []

    async def first_one() -> None:
        hits.append("first:1")

    async def second_one() -> None:
        hits.append("second:1")

    first = Menu(name="first", prompt="First menu, press 1.", options={"1": first_one})
    second = Menu(name="second", prompt="Second menu, press 1.", options={"1": second_one})
    router.include(second, first)  # in any order

    @router.incoming_call(to=LINE)
    async def answer(call: CallActions) -> None:
        await call.answer(context=Welcome())

    @router.call_connected(context=Welcome)
    async def connected(call: CallActions) -> None:
        await second.start(call)

    script = await start_call(router)
    await script.press("1")
    assert hits == ["second:1"]
    await first.start(
        script.acs.factory(CallSession(flow="tkm7", party="4:+15555550123", call_connection_id=script.call_id))
    )
    await script.press("1")
    assert hits == ["second:1", "first:1"]


def test_registration_errors_fail_fast() -> None:
    router = Router(name="tkm8")

    async def ok() -> None:
        return None

    async def bad(caller: str) -> None:
        return None

    router.include(Menu(name="main", prompt=PROMPT, options={"1": ok}))
    with pytest.raises(HandlerRegistrationError, match="already has a kit named 'main'"):
        router.include(Menu(name="main", prompt=PROMPT, options={"1": ok}))
    with pytest.raises(HandlerRegistrationError, match="single key"):
        Menu(name="other", prompt=PROMPT, options={"12": ok})
    with pytest.raises(HandlerRegistrationError, match="caller"):
        Menu(name="third", prompt=PROMPT, options={"1": bad})
    with pytest.raises(HandlerRegistrationError, match="at least one option"):
        router.include(Menu(name="empty", prompt=PROMPT))


def test_menus_wire_each_other_in_any_order_with_no_trampoline() -> None:
    router = Router(name="tkm9")
    main, billing = Menu(name="main", prompt="Billing, press 1."), Menu(name="billing", prompt="Back, press star.")
    billing.option("*", main)
    main.option("1", billing)

    @main.option("9")
    async def operator(call: CallActions) -> None:
        await call.transfer("+15555550100")

    router.include(billing, main)
    assert (main.prefix, billing.prefix) == ("tkm9.main", "tkm9.billing")
    assert set(main.routes) == {"1", "9"} and main.routes["9"].target is operator
    assert billing.parent is router and main.flow is router


def test_a_kit_routed_to_but_never_included_is_refused_at_startup() -> None:
    router = Router(name="tkm10")
    forgotten = Menu(name="forgotten", prompt="Press 1.", options={"1": lambda: _nothing()})
    router.include(Menu(name="main", prompt=PROMPT, options={"1": forgotten}))
    with pytest.raises(HandlerRegistrationError, match="does not include"):
        make_app(make_settings(), router)
    with pytest.raises(HandlerRegistrationError, match="not included in a flow yet"):
        _ = forgotten.prefix


async def _nothing() -> None:
    return None
