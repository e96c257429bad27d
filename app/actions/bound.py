"""What every action mixin stands on: the SDK client, the settings, and the call's session (no state of its own)."""

from __future__ import annotations

from azure.communication.callautomation.aio import CallAutomationClient

from app.session import CallSession
from config.settings import Settings


class SessionBound:
    """The read-only view of the session that actions work from; ``CallActions`` builds on it.

    The binding lives in :class:`~app.session.CallSession`, which the dispatcher loads and persists; actions that
    change the call (``answer``, ``set_language``) change the session, never fields of their own.
    """

    def __init__(self, client: CallAutomationClient, settings: Settings, session: CallSession) -> None:
        self._client = client
        self.settings = settings
        self.session = session

    @property
    def call_connection_id(self) -> str | None:
        return self.session.call_connection_id

    @property
    def server_call_id(self) -> str | None:
        return self.session.server_call_id

    @property
    def party(self) -> str | None:
        """Raw id of the remote party (the caller, or the callee of an outbound call): the default target."""
        return self.session.party

    @property
    def flow(self) -> str | None:
        return self.session.flow

    @property
    def locale(self) -> str | None:
        return self.session.locale

    @property
    def voice(self) -> str | None:
        return self.session.voice

    @property
    def answered(self) -> bool:
        return self.session.answered
