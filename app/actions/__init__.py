"""Call actions: the SDK client wrapped so that every action is a method bound to one call."""

from app.actions.call import CallActions
from app.actions.client import build_client
from app.actions.errors import CallActionError
from app.actions.outbound import OutboundCalls

__all__ = ["CallActionError", "CallActions", "OutboundCalls", "build_client"]
