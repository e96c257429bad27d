"""Lease renewal: a heartbeat that keeps an event's claim and its locks alive while a long handler runs.

Without it, a handler slower than its lease lets a redelivery of its event run concurrently on another instance
(the claim expired) and lets the call's next event in (the lock expired). The heartbeat renews both every third of
the shorter lease, in one store operation (:meth:`~app.state.base.StateStore.renew`), and stops when the handler
ends. A handler quicker than a third of its lease costs nothing.

It is fenced: when a renewal is refused (the lease was already lost: the process stalled past it, or the store lost
it), :attr:`LeaseKeeper.lost` turns True and stays so. The handler's next action then refuses to go out
(:class:`~app.state.errors.LeaseLost`, see :mod:`app.session.ledger`), the commit would be refused anyway, and the
event is answered retryably; the delivery that took the event over carries on. A store that does not answer a
renewal is tried again at the next beat; if the lease runs out meanwhile, the next renewal finds it lost.

Example::

    async with LeaseKeeper(store, claim, lambda: [held.lease], claim_seconds=30, lease_seconds=30) as keeper:
        await handler()
    if keeper.lost:
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from types import TracebackType

import structlog

from app.state.base import EventClaim, Lease, StateStore
from app.state.errors import StateError


class LeaseKeeper:
    """Renews ``claim`` and the leases ``leases()`` names (read at every beat, so locks taken mid-handler, such as
    shared state, are renewed too) until the ``async with`` block ends."""

    def __init__(
        self,
        store: StateStore,
        claim: EventClaim | None,
        leases: Callable[[], Sequence[Lease]],
        *,
        claim_seconds: float,
        lease_seconds: float,
    ) -> None:
        self._store = store
        self._claim = claim
        self._leases = leases
        self._claim_seconds = claim_seconds
        self._lease_seconds = lease_seconds
        self.interval = min(claim_seconds, lease_seconds) / 3
        self.lost = False
        self.renewals = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LeaseKeeper:
        self._task = asyncio.create_task(self._beat(), name="lease-keeper")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                held = await self._store.renew(
                    self._claim,
                    list(self._leases()),
                    claim_seconds=self._claim_seconds,
                    lease_seconds=self._lease_seconds,
                )
            except StateError:
                continue  # unreachable for now: the next beat tries again (a lost lease shows then)
            if not held:
                self.lost = True
                event_id = self._claim.event_id if self._claim is not None else None
                structlog.get_logger("callwright.dispatch").warning("lease_lost", event_id=event_id)
                return
            self.renewals += 1
