"""Argument injection: only requested names are passed, ``**kwargs`` gets all, bad signatures fail at import."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from app.errors import HandlerRegistrationError
from app.events import PlayFailed
from app.routing import DISPATCHER_ARGS, ERROR_VOCABULARY, VOCABULARY, Handler, HandlerArgs, Router

ARGS: dict[str, object] = {
    "event": "the-event",
    "call": "the-call",
    "ctx": "the-ctx",
    "settings": "the-settings",
    "log": "the-log",
    "state": {"step": 1},
    "raw": {"a": 1},
    "extras": {"crm": "crm"},
    "router": "the-router",
}


def build(func: Any) -> Handler:
    return Handler.build(func, (PlayFailed,))


def test_vocabulary_is_documented_and_closed() -> None:
    assert VOCABULARY == {
        "event", "call", "ctx", "settings", "log", "session", "state", "raw", "extras", "router", "args", "stream"
    }  # fmt: skip
    assert ERROR_VOCABULARY == VOCABULARY | {"error"}
    assert DISPATCHER_ARGS == VOCABULARY - {"ctx", "router", "args", "stream"}
    doc = HandlerArgs.__doc__ or ""
    assert all(f"``{name}``" in doc for name in ERROR_VOCABULARY)


async def test_only_requested_arguments_are_passed() -> None:
    received: dict[str, object] = {}

    async def handler(call: object, state: dict[str, int]) -> None:
        received.update(call=call, state=state)

    await build(handler).invoke(ARGS)
    assert received == {"call": "the-call", "state": {"step": 1}}


async def test_var_keyword_receives_everything() -> None:
    received: dict[str, object] = {}

    async def handler(event: object, **kwargs: object) -> None:
        received.update(kwargs, event=event)

    await build(handler).invoke(ARGS)
    assert received == ARGS


async def test_keyword_only_parameters_and_return_value() -> None:
    async def handler(*, extras: dict[str, str], raw: dict[str, int]) -> str:
        return f"{extras['crm']}-{raw['a']}"

    assert await build(handler).invoke(ARGS) == "crm-1"


async def test_missing_values_are_none() -> None:
    async def handler(log: object) -> object:
        return log

    assert await build(handler).invoke({}) is None


async def test_parameters_with_defaults_outside_the_vocabulary_keep_their_default() -> None:
    async def handler(event: object, retries: int = 3) -> tuple[object, int]:
        return event, retries

    assert await build(handler).invoke({**ARGS, "retries": 9}) == ("the-event", 3)


async def test_bound_methods_and_async_callable_objects() -> None:
    class Flow:
        async def on_failed(self, call: object) -> object:
            return call

    class Callable_:
        async def __call__(self, ctx: object) -> object:
            return ctx

    assert await build(Flow().on_failed).invoke(ARGS) == "the-call"
    assert await build(Callable_()).invoke(ARGS) == "the-ctx"


async def test_wrapped_async_function_is_accepted() -> None:
    async def original(call: object) -> object:
        return call

    def decorate(func: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
        @functools.wraps(func)
        def wrapper(**kwargs: object) -> Awaitable[object]:
            return func(**kwargs)

        return wrapper

    assert await build(decorate(original)).invoke(ARGS) == "the-call"


def test_sync_handler_is_rejected_with_a_fix() -> None:
    def handler(event: object) -> None: ...

    with pytest.raises(HandlerRegistrationError) as caught:
        build(handler)
    assert "async def handler(...)" in str(caught.value)


def test_unknown_parameter_lists_allowed_names_and_suggests() -> None:
    async def handler(evnt: object) -> None: ...

    with pytest.raises(HandlerRegistrationError) as caught:
        build(handler)
    message = str(caught.value)
    assert "`evnt`" in message and "Did you mean `event`?" in message
    assert "args, call, ctx, event, extras, log, raw, router, session, settings, state" in message
    assert "test_injection" in message  # names the offending function by module


def test_unknown_parameter_without_close_match_has_no_guess() -> None:
    async def handler(database: object) -> None: ...

    with pytest.raises(HandlerRegistrationError) as caught:
        build(handler)
    assert "Did you mean" not in str(caught.value)


def test_error_is_reserved_for_error_handlers() -> None:
    async def handler(error: Exception) -> None: ...

    with pytest.raises(HandlerRegistrationError, match="only error handlers"):
        build(handler)


def test_positional_only_parameters_are_rejected() -> None:
    async def handler(event: object, /) -> None: ...

    with pytest.raises(HandlerRegistrationError, match="positional-only"):
        build(handler)


def test_non_callable_handler_is_rejected() -> None:
    with pytest.raises(HandlerRegistrationError, match="async function"):
        build("not a function")


def test_predicates_are_validated_like_handlers_but_may_be_sync() -> None:
    router = Router(name="r")

    async def handler() -> None: ...

    router.play_failed(when=lambda event, settings: True)(handler)
    with pytest.raises(HandlerRegistrationError) as caught:
        router.play_failed(when=lambda evt: True)(handler)
    assert "predicate" in str(caught.value) and "`evt`" in str(caught.value)
    with pytest.raises(HandlerRegistrationError, match="only error handlers"):
        router.play_failed(when=lambda error: True)(handler)


def test_registration_errors_happen_at_decoration_time_not_later() -> None:
    router = Router(name="r")
    with pytest.raises(HandlerRegistrationError):

        @router.play_failed()
        async def typo(cal: object) -> None: ...

    assert router.handlers_for(PlayFailed) == []
