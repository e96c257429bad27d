"""Callwright: IVR and call-control apps on Azure Communication Services Call Automation.

A flow module owns one router and registers handlers on it::

    from app import CallActions, OperationContext, Router

    router = Router(name="hello")

    class Greeting(OperationContext, prefix="hello"):
        pass

    @router.incoming_call(to="+18005550100")
    async def answer(call: CallActions) -> None:
        await call.answer(context=Greeting())

    @router.call_connected(context=Greeting)
    async def greet(call: CallActions) -> None:
        await call.play("Hello from Callwright.")

Build it with ``create_app`` from ``app.web.app``; serve it with ``callwright serve`` (or
``uvicorn --factory app.web.app:create_service``), which also configures logging.
"""

from structlog.typing import FilteringBoundLogger

from app.actions import CallActionError, CallActions, OutboundCalls
from app.actions.prompts import Audio, Choice, Speech, Ssml
from app.context import OperationContext
from app.routing import Router
from app.state.base import CallState

Log = FilteringBoundLogger
"""The type of the ``log`` argument handlers receive: a structlog logger bound to the call's ids."""

__all__ = [
    "Audio",
    "CallActionError",
    "CallActions",
    "CallState",
    "Choice",
    "Log",
    "OperationContext",
    "OutboundCalls",
    "Router",
    "Speech",
    "Ssml",
]
