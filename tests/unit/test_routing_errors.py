"""Router error handlers (by exception type) and the ready-to-paste suggestion for unhandled events."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from app.context import OperationContext
from app.errors import HandlerRegistrationError
from app.events import (
    AddParticipantFailed,
    CallEvent,
    CallTransferFailed,
    HoldAudioStarted,
    IncomingCall,
    PlayFailed,
    RecognizeCompleted,
    parse_event,
    parse_events,
)
from app.routing import Match, Router, suggest_handler

MakeEvent = Callable[..., CallEvent]


class Menu(OperationContext, prefix="tre_menu"):
    attempt: int = 1


async def _noop() -> None:
    return None


def incoming(to: str, from_: str) -> IncomingCall:
    event = parse_event(
        {
            "id": "ic-1",
            "eventType": IncomingCall.TYPE,
            "data": {"to": {"rawId": to}, "from": {"rawId": from_}, "incomingCallContext": "secret-context"},
        }
    )
    assert isinstance(event, IncomingCall)
    return event


# --- error handlers ---------------------------------------------------------------------------------------------------


class ActionProblem(Exception):
    pass


async def test_error_handlers_by_exception_type_first_registered_wins() -> None:
    router = Router(name="r")
    ran: list[tuple[str, object]] = []

    @router.error(ActionProblem)
    async def on_action(error: ActionProblem, router: Router) -> None:
        ran.append(("action", error))
        assert router.name == "r"

    @router.error()
    async def on_anything(error: Exception, call: object) -> None:
        ran.append(("any", call))

    @router.error()
    async def never(error: Exception) -> None:
        ran.append(("never", error))

    problem = ActionProblem("transfer failed")
    assert await router.handle_error(problem, {"call": "c"}) is True
    assert await router.handle_error(ValueError("x"), {"call": "c"}) is True
    assert ran == [("action", problem), ("any", "c")]


async def test_handle_error_returns_false_without_a_matching_handler() -> None:
    router = Router(name="r")

    @router.error(ActionProblem)
    async def on_action() -> None: ...

    assert await router.handle_error(ValueError("x"), {}) is False
    assert await Router(name="empty").handle_error(ValueError("x"), {}) is False


async def test_error_handlers_bubble_up_to_parents_nearest_first() -> None:
    root, child, grandchild = Router(name="root"), Router(name="child"), Router(name="grandchild")
    root.include(child)
    child.include(grandchild)
    ran: list[str] = []

    @root.error()
    async def at_root(router: Router) -> None:
        ran.append(f"root saw {router.name}")

    @child.error(KeyError)
    async def at_child() -> None:
        ran.append("child")

    assert await grandchild.handle_error(KeyError("k"), {}) is True
    assert await grandchild.handle_error(ValueError("v"), {}) is True
    assert await root.handle_error(KeyError("k"), {}) is True
    assert ran == ["child", "root saw grandchild", "root saw root"]


async def test_error_handler_failures_propagate() -> None:
    router = Router(name="r")

    @router.error()
    async def broken() -> None:
        raise RuntimeError("error handler bug")

    with pytest.raises(RuntimeError, match="error handler bug"):
        await router.handle_error(ValueError("x"), {})


def test_error_registration_is_validated() -> None:
    router = Router(name="r")
    with pytest.raises(HandlerRegistrationError, match="exception classes"):
        router.error(_noop)  # type: ignore[arg-type]  # the mistake under test

    def sync_handler(error: Exception) -> None: ...

    with pytest.raises(HandlerRegistrationError, match="coroutine function"):
        router.error()(sync_handler)

    async def typo(eror: Exception) -> None: ...

    with pytest.raises(HandlerRegistrationError, match="Did you mean `error`"):
        router.error()(typo)


def test_error_decorator_returns_the_function() -> None:
    router = Router(name="r")

    async def handler(error: Exception) -> None: ...

    assert router.error(ActionProblem, KeyError)(handler) is handler


# --- suggestions -----------------------------------------------------------------------------------------------------


def test_suggestion_uses_the_typed_context_and_shortcut(make_event: MakeEvent) -> None:
    event = make_event(RecognizeCompleted, operationContext="tre_menu:2")
    assert suggest_handler(event) == (
        "@router.recognize_completed(context=Menu)\nasync def on_recognize_completed(event, call, ctx): ..."
    )


@pytest.mark.parametrize(
    ("context", "decorator"),
    [
        (None, "@router.play_failed()"),
        ("goodbye", "@router.play_failed(context='goodbye')"),
        ("wizard:3:x", '@router.play_failed(context=re.compile(r"^wizard:"))'),
        ("has spaces & stuff", "@router.play_failed()"),
    ],
)
def test_suggestion_context_forms(make_event: MakeEvent, context: str | None, decorator: str) -> None:
    data: dict[str, Any] = {} if context is None else {"operationContext": context}
    first_line, second_line = suggest_handler(make_event(PlayFailed, **data)).split("\n")
    assert first_line == decorator
    assert second_line == "async def on_play_failed(event, call): ..."


def test_suggestion_for_incoming_call_names_the_dialed_number() -> None:
    text = suggest_handler(incoming(to="4:+18005550102", from_="4:+15555550123"))
    assert text.startswith("@router.incoming_call(to='+18005550102')\nasync def on_incoming_call(")
    assert "+15555550123" not in text


def test_suggestion_without_a_shortcut_uses_on(make_event: MakeEvent) -> None:
    assert suggest_handler(make_event(HoldAudioStarted)).startswith("@router.on(HoldAudioStarted)\n")
    [unknown] = parse_events({"id": "u", "type": "Microsoft.Communication.DialogStarted", "source": "s", "data": {}})
    assert suggest_handler(unknown) == "@router.unknown()\nasync def on_dialog_started(event, call): ..."


def test_suggested_code_registers_cleanly(make_event: MakeEvent) -> None:
    event = make_event(RecognizeCompleted, operationContext="tre_menu:1")
    namespace: dict[str, Any] = {"router": Router(name="pasted"), "Menu": Menu, "re": re}
    exec(suggest_handler(event), namespace)  # our own generated snippet
    assert namespace["router"].handlers_for(RecognizeCompleted)


async def test_match_is_a_plain_value(make_event: MakeEvent) -> None:
    router = Router(name="r")
    router.on(CallTransferFailed, AddParticipantFailed)(_noop)
    match = await router.find(make_event(AddParticipantFailed), {})
    assert isinstance(match, Match) and match.router is router and match.ctx is None
