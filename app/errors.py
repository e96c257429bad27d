"""Callwright's error types and the texts of its messages, kept in one place (like bolt's ``logger/messages.py``).

Every message that reaches a developer (at import time) or a log line is built here, so wording stays consistent
and reviewable. Messages never echo request data beyond identifiers we generated or validated ourselves.

Example::

    from app.errors import HandlerRegistrationError

    try:
        router.on(PlayFailed)(not_async)
    except HandlerRegistrationError as error:
        print(error)   # says what is wrong and how to fix it
"""

from __future__ import annotations

from collections.abc import Iterable

# Log event names (snake_case) shared by the router and the dispatcher.
EVENT_UNHANDLED = "event_unhandled"
SUGGESTION_HEADER = "[Suggestion] You can handle this event with the following handler:"


class CallwrightError(Exception):
    """Base class of every error Callwright raises on purpose.

    The hierarchy: ``SettingsError`` (startup), ``HandlerRegistrationError`` (import time: handlers, kits,
    contexts), ``EventParseError`` and ``BodyError`` (a delivery we refuse, 4xx), ``AuthenticationError`` /
    ``AuthUnavailableError`` (401/403 / 503), ``SinkUnavailable`` (503, retry: the store is down or the event is
    in progress), ``StateError`` (``app.state.errors``), ``CallActionError`` (ACS refused an action),
    ``ContextPackError`` (an operation context that does not pack), ``DiagramError`` (``callwright diagram``).
    """


class SinkUnavailable(CallwrightError):
    """Our fault and temporary (the state store is down, the event is being processed elsewhere, ...): the sender
    should deliver the event again after ``retry_after`` seconds. The ``/Events`` endpoint answers 503 with a
    ``Retry-After`` header, so a later delivery can still be processed exactly once."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EventInProgress(SinkUnavailable):
    """Another delivery of this event holds a live lease on it: retry once that lease has run out."""


class AcsUnavailable(SinkUnavailable):
    """ACS answered an action with a retryable failure (5xx, 429, no answer in time): the event is run again on
    redelivery, with the same repeatability ids."""


class SettingsError(CallwrightError):
    """Startup stops with this: its message names each offending ``CALLWRIGHT_*`` variable (``config.settings``)."""


class HandlerRegistrationError(CallwrightError, TypeError):
    """A handler, predicate or router was registered wrongly; raised at decoration (import) time."""


class EventParseError(CallwrightError, ValueError):
    """A delivery body is not a valid Event Grid / CloudEvents payload; the message is short and safe to log."""


class ContextPackError(CallwrightError, ValueError):
    """An operationContext could not be packed or unpacked."""


class ContextDefinitionError(HandlerRegistrationError):
    """An ``OperationContext`` subclass is declared wrongly (raised when its module is imported)."""


# --- handler registration -------------------------------------------------------------------------------------------


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def handler_not_async(name: str) -> str:
    return (
        f"handler {name!r} must be a coroutine function: Callwright awaits every handler. "
        f"Write `async def {name.rsplit('.', 1)[-1]}(...)`."
    )


def predicate_not_callable(value: object) -> str:
    return (
        f"`when=` expects a function (or a list of functions) returning bool, got {type(value).__name__}. "
        "Example: `when=lambda event: event.digits == '1'`."
    )


def unknown_parameter(
    func: str, param: str, allowed: Iterable[str], suggestion: str | None, *, role: str = "handler"
) -> str:
    hint = f" Did you mean `{suggestion}`?" if suggestion else ""
    return (
        f"{role} {func!r} asks for `{param}`, which Callwright cannot inject.{hint} "
        f"Allowed parameter names: {_names(allowed)} (or `**kwargs` for all of them; "
        "other parameters need a default value)."
    )


def error_only_parameter(func: str) -> str:
    return (
        f"handler {func!r} asks for `error`, which only error handlers receive. "
        "Register it with `@router.error()` instead, or drop the parameter."
    )


def positional_only_parameter(func: str, param: str) -> str:
    return (
        f"{func!r}: parameter `{param}` is positional-only, but Callwright passes arguments by name. "
        "Remove the `/` from the signature."
    )


def not_an_event_class(value: object) -> str:
    if callable(value) and not isinstance(value, type):
        return (
            "`@router.on` needs the event classes in parentheses: write `@router.on(PlayFailed)` "
            "(or a shortcut such as `@router.play_failed()`), not a bare `@router.on`."
        )
    return f"`router.on()` expects CallEvent subclasses such as PlayFailed, got {value!r}."


def no_event_classes() -> str:
    return "`router.on()` needs at least one event class, for example `@router.on(PlayFailed, PlayCanceled)`."


def bad_context_spec(value: object) -> str:
    return (
        "`context=` takes a string (exact match), a compiled regex (`re.compile(...)`, searched) or an "
        f"OperationContext subclass, got {type(value).__name__}."
    )


def context_instance_given(cls: str) -> str:
    return f"`context=` takes the OperationContext class, not an instance: write `context={cls}`."


def bad_number_spec(keyword: str, value: object) -> str:
    return (
        f"`{keyword}=` takes a number string ('+18005550100' or a raw id '4:+1...'), a list/set of them, "
        f"or a function taking the number and returning bool; got {type(value).__name__}."
    )


def not_an_exception_class(value: object) -> str:
    return f"`@router.error()` takes exception classes such as CallActionError, got {value!r}."


def router_self_include(name: str) -> str:
    return f"router {name!r} cannot include itself."


def router_cycle(parent: str, child: str) -> str:
    return f"including router {child!r} into {parent!r} would create a cycle: {parent!r} is already inside it."


def router_already_included(child: str, owner: str) -> str:
    return (
        f"router {child!r} is already included in {owner!r}; a router can have only one parent "
        "(its handlers would otherwise run twice)."
    )


def router_bad_name(value: object) -> str:
    return f"a Router needs a non-empty name, such as Router(name='support_line'); got {value!r}."


# --- operationContext ------------------------------------------------------------------------------------------------


def context_missing_prefix(cls: str) -> str:
    return f"OperationContext subclass {cls} needs a prefix: write `class {cls}(OperationContext, prefix='...')`."


def context_bad_prefix(cls: str, prefix: object, separator: str) -> str:
    return (
        f"OperationContext {cls}: prefix {prefix!r} must be a non-empty string without {separator!r}, "
        "for example prefix='menu'."
    )


def context_duplicate_prefix(prefix: str, existing: str, new: str) -> str:
    return (
        f"OperationContext prefix {prefix!r} is already used by {existing}; {new} needs a different prefix "
        "(prefixes identify the context inside ACS callbacks, so they must be unique)."
    )


def context_bad_field(cls: str, field: str, annotation: object) -> str:
    return (
        f"OperationContext {cls}.{field}: type {annotation!r} cannot be packed into an operationContext string. "
        "Use str, int, float, bool, an Enum, or one of these `| None`."
    )


def context_separator_in_value(cls: str, field: str, separator: str) -> str:
    return f"cannot pack {cls}: field {field!r} contains the separator {separator!r}; choose a value without it."


def context_too_long(cls: str, length: int, limit: int) -> str:
    return (
        f"packed {cls} is {length} characters; ACS accepts at most {limit}. "
        "Keep large data in call state (`state`) and put only a key in the context."
    )


def context_unpack_failed(cls: str, reason: str) -> str:
    return f"cannot unpack {cls}: {reason}"


# --- parsing ----------------------------------------------------------------------------------------------------------


def parse_problem(where: str, problem: str) -> str:
    return f"{where}: {problem}" if where else problem
