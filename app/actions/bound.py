"""What every action mixin stands on: the SDK client, the settings, and the call's session (no state of its own)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from azure.communication.callautomation.aio import CallAutomationClient

from app.actions.errors import CallActionError
from app.actions.sending import when_sent
from app.session import CallSession
from app.session.ledger import JournalEntry
from config.settings import Settings

T = TypeVar("T")
# How long a repeatable request keeps asking while ACS still runs its first copy (409 in flight).
_IN_FLIGHT_WAIT_SECONDS = 8.0
_IN_FLIGHT_PAUSE_SECONDS = 0.25


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

    # ---- exactly-once plumbing (see app.session.ledger) ---------------------------------------------------------

    async def _repeatable(self, action: str, make: Callable[[dict[str, str]], Awaitable[T]], **fields: Any) -> T:
        """Send a request that carries repeatability headers: the same ids on every run of the event. While ACS
        still runs an earlier copy (a re-run racing the first run, or a retry after a timeout) it answers 409;
        asking again shortly gets the first copy's result."""
        headers = self.session.ledger.repeatable()
        give_up_at = time.monotonic() + _IN_FLIGHT_WAIT_SECONDS
        while True:
            try:
                return await self._run(action, make(headers), **fields)
            except CallActionError as error:
                if not error.in_flight or time.monotonic() > give_up_at:
                    raise
            await asyncio.sleep(_IN_FLIGHT_PAUSE_SECONDS)

    async def _journaled(self, action: str, operation: Awaitable[T], **fields: Any) -> T | None:
        """Send a request ACS cannot de-duplicate, unless an earlier run of this event already did (then None).

        Its journal entry is written the moment the request leaves (:mod:`app.actions.sending`), not once ACS
        answers: from then on ACS acts on it even if this process dies. A refusal withdraws the entry, so the
        re-run that follows a retryable failure sends it again."""
        ledger = self.session.ledger
        try:
            position = ledger.next_position()  # refuses when the event's lease was lost
            issued_before = await ledger.already_issued(position)
        except BaseException:
            _discard(operation)
            raise
        if issued_before:
            _discard(operation)
            structlog.get_logger("callwright.actions").info(
                "action_skipped_already_issued", action=action, position=position
            )
            return None
        entry = JournalEntry(ledger, position, action)
        with when_sent(entry.fire):
            try:
                result = await self._run(action, operation, **fields)
            except Exception:
                await entry.withdraw()
                raise
        await entry.settle()
        return result

    async def _run(self, action: str, operation: Awaitable[T], **fields: Any) -> T:
        raise NotImplementedError


def _discard(operation: Awaitable[Any]) -> None:
    if inspect.iscoroutine(operation):
        operation.close()  # built but never sent
