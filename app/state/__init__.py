"""Per-call state, event de-duplication and per-call ordering, behind one small interface."""

from app.state.base import CallState, StateStore

__all__ = ["CallState", "StateStore"]
