"""Routing: ``Router`` and its decorators, matching by event type, operationContext and predicates, injection.

Example::

    from app.routing import Router

    router = Router(name="support_line")

    @router.call_connected(context=Menu)
    async def offer_menu(call: CallActions, ctx: Menu) -> None: ...
"""

from app.routing.handler import ErrorHandler, Handler
from app.routing.injection import DISPATCHER_ARGS, ERROR_VOCABULARY, VOCABULARY, HandlerArgs, Injection
from app.routing.matching import ContextMatcher, ContextSpec, NumberSpec, PredicateFunc, When
from app.routing.router import Match, Router
from app.routing.shortcuts import SHORTCUT_NAMES
from app.routing.suggestion import suggest_handler

__all__ = [
    "DISPATCHER_ARGS",
    "ERROR_VOCABULARY",
    "SHORTCUT_NAMES",
    "VOCABULARY",
    "ContextMatcher",
    "ContextSpec",
    "ErrorHandler",
    "Handler",
    "HandlerArgs",
    "Injection",
    "Match",
    "NumberSpec",
    "PredicateFunc",
    "Router",
    "When",
    "suggest_handler",
]
