"""Router: registration, matching (type, context, when, to/from_), order across includes, errors, suggestions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pytest

from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.events import (
    ALL_EVENT_CLASSES,
    CallAutomationEvent,
    CallConnected,
    CallEvent,
    IncomingCall,
    PlayCompleted,
    PlayFailed,
    RecognizeCompleted,
    RecognizeFailed,
    UnknownEvent,
    parse_event,
    parse_events,
)
from app.media.events import MediaStreamOpened, TranscriptionPhrase
from app.routing import SHORTCUT_NAMES, Router
from app.routing.shortcuts import WITHOUT_SHORTCUT

MakeEvent = Callable[..., CallEvent]


class Menu(OperationContext, prefix="tr_menu"):
    attempt: int = 1


class Farewell(OperationContext, prefix="tr_bye"):
    pass


async def _noop() -> None:
    return None


async def find_name(router: Router, event: CallEvent, **args: object) -> str | None:
    match = await router.find(event, {"event": event, **args})
    return None if match is None else match.handler.func.__name__


def incoming(to: str = "4:+18005550102", from_: str = "4:+15555550123") -> IncomingCall:
    event = parse_event(
        {
            "id": "ic-1",
            "eventType": IncomingCall.TYPE,
            "data": {"to": {"rawId": to}, "from": {"rawId": from_}, "incomingCallContext": "secret-context"},
        }
    )
    assert isinstance(event, IncomingCall)
    return event


# --- registration ----------------------------------------------------------------------------------------------------


def test_decorators_return_the_function_unchanged_and_stack() -> None:
    router = Router(name="r")

    async def handler(call: object) -> str:
        return "ran"

    decorated = router.play_completed(context=Farewell)(router.play_failed(context=Farewell)(handler))
    assert decorated is handler
    assert router.on(PlayCompleted)(handler) is handler
    assert [h.func for h in router.handlers_for(PlayCompleted)] == [handler, handler]
    assert [h.func for h in router.handlers_for(PlayFailed)] == [handler]


async def test_decorated_handler_stays_directly_callable() -> None:
    router = Router(name="r")

    @router.call_connected()
    async def on_connected(call: str) -> str:
        return f"called with {call}"

    assert await on_connected("fake") == "called with fake"


@pytest.mark.parametrize(("event_class", "method"), list(SHORTCUT_NAMES.items()))
def test_every_shortcut_registers_its_event_class(event_class: type[CallEvent], method: str) -> None:
    router = Router(name="r")
    getattr(router, method)()(_noop)
    [handler] = router.handlers_for(event_class)
    assert handler.event_types == (event_class,)


def test_the_shortcuts_and_the_event_registry_agree() -> None:
    registry = {cls.__name__: cls for cls in ALL_EVENT_CLASSES}
    # The /media WebSocket's own events are not deliveries to /Events, so they are not in its registry.
    socket_only = {TranscriptionPhrase, MediaStreamOpened}
    shortcuts = {cls.__name__ for cls in SHORTCUT_NAMES if cls is not UnknownEvent and cls not in socket_only}
    # Every modelled event has a decorator or is listed as having none on purpose; nothing else is claimed.
    assert shortcuts | WITHOUT_SHORTCUT == set(registry) and not shortcuts & WITHOUT_SHORTCUT
    renamed = {"continuous_dtmf_tone_received", "continuous_dtmf_stopped", "send_dtmf_completed", "send_dtmf_failed"}
    renamed |= {"transcription", "media_stream"}
    for cls, name in SHORTCUT_NAMES.items():
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        assert name in renamed | {snake, "unknown"}, (cls, name)
        assert cls.__name__ in (getattr(Router, name).__doc__ or ""), f"{name}'s docstring names another event"


def test_router_needs_a_name() -> None:
    with pytest.raises(HandlerRegistrationError, match="name"):
        Router(name="  ")


def test_bare_on_decorator_gets_a_fix_it_message() -> None:
    router = Router(name="r")
    with pytest.raises(HandlerRegistrationError, match=r"@router.on\(PlayFailed\)"):
        router.on(_noop)  # type: ignore[arg-type]  # the mistake under test


@pytest.mark.parametrize("bad", [[PlayFailed], "PlayFailed", int])
def test_on_rejects_non_event_classes(bad: object) -> None:
    with pytest.raises(HandlerRegistrationError, match="CallEvent subclasses"):
        Router(name="r").on(bad)  # type: ignore[arg-type]  # the mistake under test


def test_on_needs_at_least_one_event_class() -> None:
    with pytest.raises(HandlerRegistrationError, match="at least one"):
        Router(name="r").on()


@pytest.mark.parametrize(
    ("spec", "message"),
    [(Menu(), "not an instance: write `context=Menu`"), (5, "got int"), (OperationContext, "got")],
)
def test_bad_context_specs_fail_at_registration(spec: object, message: str) -> None:
    with pytest.raises(HandlerRegistrationError, match=re.escape(message)):
        Router(name="r").play_failed(context=spec)(_noop)  # type: ignore[arg-type]  # the mistake under test


def test_bad_number_spec_fails_at_registration() -> None:
    with pytest.raises(HandlerRegistrationError, match="`to=`"):
        Router(name="r").incoming_call(to=5)(_noop)  # type: ignore[arg-type]  # the mistake under test
    with pytest.raises(HandlerRegistrationError, match="`from_=`"):
        Router(name="r").incoming_call(from_=[1, 2])(_noop)  # type: ignore[list-item]  # the mistake under test


def test_non_callable_predicate_fails_at_registration() -> None:
    with pytest.raises(HandlerRegistrationError, match="`when=`"):
        Router(name="r").play_failed(when=[True])(_noop)  # type: ignore[list-item]  # the mistake under test


# --- matching -------------------------------------------------------------------------------------------------------


async def test_matches_by_event_type(make_event: MakeEvent) -> None:
    router = Router(name="r")

    @router.play_failed()
    async def failed() -> None: ...

    @router.play_completed()
    async def completed() -> None: ...

    assert await find_name(router, make_event(PlayFailed)) == "failed"
    assert await find_name(router, make_event(PlayCompleted)) == "completed"
    assert await find_name(router, make_event(CallConnected)) is None


async def test_base_class_handler_listens_to_every_subclass(make_event: MakeEvent) -> None:
    router = Router(name="r")

    @router.on(CallAutomationEvent)
    async def any_callback() -> None: ...

    assert await find_name(router, make_event(PlayFailed)) == "any_callback"
    assert await find_name(router, incoming()) is None


async def test_string_context_is_exact(make_event: MakeEvent) -> None:
    router = Router(name="r")

    @router.play_completed(context="goodbye")
    async def bye() -> None: ...

    assert await find_name(router, make_event(PlayCompleted, operationContext="goodbye")) == "bye"
    assert await find_name(router, make_event(PlayCompleted, operationContext="goodbye2")) is None
    assert await find_name(router, make_event(PlayCompleted)) is None


async def test_regex_context_is_searched(make_event: MakeEvent) -> None:
    router = Router(name="r")

    @router.play_completed(context=re.compile(r"step-\d+$"))
    async def step() -> None: ...

    assert await find_name(router, make_event(PlayCompleted, operationContext="flow:step-12")) == "step"
    assert await find_name(router, make_event(PlayCompleted, operationContext="step-x")) is None


async def test_typed_context_matches_by_prefix_and_injects_ctx(make_event: MakeEvent) -> None:
    router = Router(name="r")

    @router.recognize_failed(context=Menu)
    async def retry(ctx: Menu) -> int:
        return ctx.attempt

    event = make_event(RecognizeFailed, operationContext="tr_menu:2")
    match = await router.find(event, {"event": event})
    assert match is not None and match.ctx == Menu(attempt=2)
    assert await match.handler.invoke({"event": event, "ctx": match.ctx}) == 2
    assert await find_name(router, make_event(RecognizeFailed, operationContext="tr_menu:two")) is None
    assert await find_name(router, make_event(RecognizeFailed, operationContext="tr_bye")) is None


async def test_a_typed_context_is_read_once_per_event_however_many_handlers_name_it(
    make_event: MakeEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    router = Router(name="r")

    @router.recognize_failed(context=Menu, when=lambda: False)
    async def first() -> None: ...

    @router.recognize_failed(context=Menu, when=lambda: False)
    async def second() -> None: ...

    @router.recognize_failed(context=Menu)
    async def third() -> None: ...

    reads: list[str] = []
    unpack = Menu.unpack

    def counting(value: str) -> Menu:
        reads.append(value)
        return unpack(value)

    monkeypatch.setattr(Menu, "unpack", counting)
    event = make_event(RecognizeFailed, operationContext="tr_menu:2")
    match = await router.find(event, {"event": event})
    assert match is not None and match.handler.func.__name__ == "third" and match.ctx == Menu(attempt=2)
    assert reads == ["tr_menu:2"]


async def test_untyped_registration_still_gets_a_parsed_ctx(make_event: MakeEvent) -> None:
    router = Router(name="r")

    @router.play_completed()
    async def any_play() -> None: ...

    match = await router.find(make_event(PlayCompleted, operationContext="tr_menu:3"), {})
    assert match is not None and match.ctx == Menu(attempt=3)
    plain = await router.find(make_event(PlayCompleted, operationContext="free text"), {})
    assert plain is not None and plain.ctx is None


async def test_when_predicates_are_anded_and_get_injected_args(make_event: MakeEvent) -> None:
    router = Router(name="r")
    seen: list[tuple[str, object]] = []

    def pressed_one(event: RecognizeCompleted) -> bool:
        return event.digits == "1"

    async def allowed(settings: Mapping[str, bool], ctx: Menu, router: Router) -> bool:
        seen.append((router.name, ctx))
        return settings["open"]

    @router.recognize_completed(context=Menu, when=[pressed_one, allowed])
    async def agent() -> None: ...

    @router.recognize_completed(context=Menu)
    async def fallback() -> None: ...

    one = make_event(RecognizeCompleted, operationContext="tr_menu:1", dtmfResult={"tones": ["one"]})
    two = make_event(RecognizeCompleted, operationContext="tr_menu:1", dtmfResult={"tones": ["two"]})
    assert await find_name(router, one, settings={"open": True}) == "agent"
    assert seen == [("r", Menu(attempt=1))]
    assert await find_name(router, one, settings={"open": False}) == "fallback"
    assert await find_name(router, two, settings={"open": True}) == "fallback"
    assert len(seen) == 2  # the async predicate did not run when the sync one already said no


async def test_single_predicate_and_lambda_default_arguments(make_event: MakeEvent) -> None:
    router = Router(name="r")
    for digit in ("1", "2"):

        async def choose() -> None: ...

        choose.__name__ = f"choose_{digit}"
        router.recognize_completed(when=lambda event, digit=digit: event.digits == digit)(choose)

    event = make_event(RecognizeCompleted, dtmfResult={"tones": ["two"]})
    assert await find_name(router, event) == "choose_2"


async def test_incoming_call_to_and_from_filters() -> None:
    router = Router(name="r")

    @router.incoming_call(to="+18005550100")
    async def front_desk() -> None: ...

    @router.incoming_call(to={"+18005550101", "4:+18005550102"}, from_=lambda number: number.startswith("+1555"))
    async def support() -> None: ...

    @router.incoming_call(to="8:acs:res_bot")
    async def voip_bot() -> None: ...

    @router.incoming_call()
    async def anything_else() -> None: ...

    assert await find_name(router, incoming(to="4:+18005550100")) == "front_desk"
    assert await find_name(router, incoming(to="4:+18005550102")) == "support"
    assert await find_name(router, incoming(to="4:+18005550101", from_="4:+447700900123")) == "anything_else"
    assert await find_name(router, incoming(to="8:acs:res_bot", from_="8:acs:res_user")) == "voip_bot"
    assert await find_name(router, incoming(to="4:+19995550000")) == "anything_else"


async def test_async_number_predicate() -> None:
    router = Router(name="r")

    async def blocked(number: str) -> bool:
        return number == "+15555550666"

    @router.incoming_call(from_=blocked)
    async def reject() -> None: ...

    assert await find_name(router, incoming(from_="4:+15555550666")) == "reject"
    assert await find_name(router, incoming(from_="4:+15555550667")) is None


async def test_first_match_wins_across_included_routers_in_order(make_event: MakeEvent) -> None:
    root, first, second, nested = (
        Router(name="root"),
        Router(name="first"),
        Router(name="second"),
        Router(name="nested"),
    )
    root.include(first)
    root.include(second)
    first.include(nested)

    @second.play_failed()
    async def in_second() -> None: ...

    @nested.play_failed()
    async def in_nested() -> None: ...

    @root.play_failed(context="root-only")
    async def in_root() -> None: ...

    assert [router.name for router in root.walk()] == ["root", "first", "nested", "second"]
    match = await root.find(make_event(PlayFailed), {})
    assert match is not None and (match.router, match.handler.func.__name__) == (nested, "in_nested")
    assert await find_name(root, make_event(PlayFailed, operationContext="root-only")) == "in_root"
    assert await find_name(second, make_event(PlayFailed)) == "in_second"


def test_handlers_for_lists_only_own_handlers_in_order() -> None:
    root, child = Router(name="root"), Router(name="child")
    root.include(child)

    async def a() -> None: ...

    async def b() -> None: ...

    root.on(CallEvent)(a)
    root.play_failed()(b)
    child.play_failed()(a)
    assert [handler.func for handler in root.handlers_for(PlayFailed)] == [a, b]
    assert [handler.func for handler in root.handlers_for(PlayCompleted)] == [a]
    assert root.children == (child,)


def test_include_rejects_self_cycles_and_second_parents() -> None:
    root, child, grandchild = Router(name="root"), Router(name="child"), Router(name="grandchild")
    with pytest.raises(HandlerRegistrationError, match="cannot include itself"):
        root.include(root)
    assert root.include(child) is child
    child.include(grandchild)
    with pytest.raises(HandlerRegistrationError, match="cycle"):
        grandchild.include(root)
    with pytest.raises(HandlerRegistrationError, match="only one parent"):
        Router(name="other").include(child)
    with pytest.raises(HandlerRegistrationError, match="takes a Router"):
        root.include("child")  # type: ignore[arg-type]  # the mistake under test


async def test_unknown_event_shortcut(make_event: MakeEvent) -> None:
    router = Router(name="r")

    @router.unknown()
    async def odd(event: UnknownEvent) -> str:
        return event.type

    [event] = parse_events({"id": "u", "type": "Contoso.Thing", "source": "s", "data": {}})
    match = await router.find(event, {})
    assert match is not None and await match.handler.invoke({"event": event}) == "Contoso.Thing"


async def test_predicate_exceptions_propagate(make_event: MakeEvent) -> None:
    router = Router(name="r")

    def broken(event: CallEvent) -> bool:
        raise RuntimeError("predicate bug")

    router.play_failed(when=broken)(_noop)
    with pytest.raises(RuntimeError, match="predicate bug"):
        await router.find(make_event(PlayFailed), {})
