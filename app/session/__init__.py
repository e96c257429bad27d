"""The call session: one typed owner for a call connection's binding, language and state (see ``session.py``)."""

from app.session.session import CallSession, SharedStateUnavailable

__all__ = ["CallSession", "SharedStateUnavailable"]
