"""A ready-to-paste handler for an event nobody handled (bolt's ``[Suggestion]``).

Example::

    suggest_handler(event)
    # @router.recognize_completed(context=Menu)
    # async def on_recognize_completed(event, call, ctx): ...
"""

from __future__ import annotations

import re

from app.context import SEPARATOR, context_class_for
from app.events.base import CallEvent, UnknownEvent
from app.events.eventgrid_events import IncomingCall
from app.routing.shortcuts import SHORTCUT_NAMES

_PLAIN_CONTEXT = re.compile(r"[A-Za-z0-9_.\-]{1,40}")


def suggest_handler(event: CallEvent) -> str:
    """Decorator line plus function stub that would handle ``event``; safe to log (no caller data)."""
    shortcut = SHORTCUT_NAMES.get(type(event))
    arguments = _context_argument(event)
    params = ["event", "call"]
    context_class = context_class_for(event.operation_context)
    if context_class is not None:
        params.append("ctx")
    if isinstance(event, IncomingCall) and event.to_number:
        # The dialed number is one of the app's own numbers, never the caller's.
        arguments = f"to={event.to_number!r}"
    if shortcut is not None:
        decorator = f"@router.{shortcut}({arguments})"
    else:
        name = type(event).__name__
        decorator = f"@router.on({name}{', ' + arguments if arguments else ''})"
    function = f"on_{_snake(event.event_name if isinstance(event, UnknownEvent) else type(event).__name__)}"
    return f"{decorator}\nasync def {function}({', '.join(params)}): ..."


def _context_argument(event: CallEvent) -> str:
    value = event.operation_context
    if not value:
        return ""
    context_class = context_class_for(value)
    if context_class is not None:
        return f"context={context_class.__name__}"
    prefix = value.split(SEPARATOR, 1)[0]
    if SEPARATOR in value and _PLAIN_CONTEXT.fullmatch(prefix):
        return f'context=re.compile(r"^{re.escape(prefix)}{SEPARATOR}")'
    if _PLAIN_CONTEXT.fullmatch(value):
        return f"context={value!r}"
    return ""


def _snake(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", name)
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().strip("_") or "event"
