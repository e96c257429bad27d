"""Mid-call callbacks: CloudEvents + a fresh JWT, POSTed in order per call connection, with retries and faults.

Each call connection has its own queue and at most one worker, so its callbacks go out one at a time in the order
the world queued them; different calls deliver concurrently. Retry policy (ACS documents none): a transport error,
timeout or non-2xx answer is retried up to 3 more times after 1, 2 and 4 simulated seconds, except 400, 401, 403
and 413, which are final (as Event Grid treats them). Later callbacks of the same call wait for those retries.
Each attempt takes its place in the timeline when it is sent, so it sits before whatever the app does in response.

Example::

    sender = CallbackSender(transport=transport, tokens=issuer, faults=book, clock=clock, timeline=timeline,
                            tracker=tracker)
    sender.enqueue("http://127.0.0.1:8000/Events", "CallConnected", {}, call_connection_id="cc", server_call_id="sc")
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.clock import Clock
from simulator.delivery.envelope import callback_envelope
from simulator.delivery.redact import redact_url
from simulator.delivery.tracker import WorkTracker
from simulator.delivery.transport import Transport
from simulator.faults import CallbackFault, FaultBook
from simulator.timeline import Slot, Timeline
from simulator.tokens import TokenIssuer

RETRY_DELAYS = (1.0, 2.0, 4.0)  # simulated seconds before attempts 2, 3 and 4
FINAL_STATUSES = frozenset({400, 401, 403, 413})
REQUEST_TIMEOUT = 10.0  # real seconds
REORDER_WAIT = 5.0  # simulated seconds a reorder-held callback waits for a successor before going out anyway
USER_AGENT = "Callwright-ACS-Emulator/0.1 (callbacks)"

_log = logging.getLogger("simulator.delivery.callbacks")


@dataclass
class _Callback:
    url: str
    event: dict[str, Any]
    call_connection_id: str
    server_call_id: str


class CallbackSender:
    """Queues and delivers callbacks; see the module docstring for ordering and retries."""

    def __init__(
        self,
        *,
        transport: Transport,
        tokens: TokenIssuer,
        faults: FaultBook,
        clock: Clock,
        timeline: Timeline,
        tracker: WorkTracker,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._transport = transport
        self._tokens = tokens
        self._faults = faults
        self._clock = clock
        self._timeline = timeline
        self._tracker = tracker
        self._timeout = request_timeout
        self._queues: dict[str, deque[_Callback]] = {}
        self._arrivals: dict[str, asyncio.Event] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def enqueue(
        self,
        url: str,
        event_type: str,
        data: Mapping[str, Any],
        *,
        call_connection_id: str,
        server_call_id: str,
    ) -> None:
        event = callback_envelope(
            event_type, data, call_connection_id=call_connection_id, server_call_id=server_call_id
        )
        key = call_connection_id
        self._queues.setdefault(key, deque()).append(_Callback(url, event, call_connection_id, server_call_id))
        self._tracker.begin()
        arrival = self._arrivals.get(key)
        if arrival is not None:
            arrival.set()
        if key not in self._workers:
            self._workers[key] = asyncio.get_running_loop().create_task(self._run(key))

    async def stop(self) -> None:
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
        self._arrivals.clear()

    async def _run(self, key: str) -> None:
        queue = self._queues[key]
        held: tuple[_Callback, CallbackFault] | None = None
        try:
            while True:
                if not queue:
                    if held is None:
                        break
                    if not await self._await_arrival(key):
                        await self._dispatch(*held)
                        held = None
                    continue
                item = queue.popleft()
                fault = self._faults.callback_fault(item.event["type"])
                if fault is not None and fault.reorder and held is None:
                    held = (item, fault)
                    continue
                await self._dispatch(item, fault)
                if held is not None:
                    await self._dispatch(*held)
                    held = None
        finally:
            # No await between the emptiness check above and this cleanup, so enqueue() cannot slip in between.
            self._workers.pop(key, None)
            self._arrivals.pop(key, None)
            if not queue:
                self._queues.pop(key, None)

    async def _await_arrival(self, key: str) -> bool:
        arrival = self._arrivals.setdefault(key, asyncio.Event())
        arrival.clear()
        wait = asyncio.ensure_future(arrival.wait())
        sleep = asyncio.ensure_future(self._tracker.sleep(self._clock.scaled(REORDER_WAIT)))
        try:
            await asyncio.wait({wait, sleep}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (wait, sleep):
                task.cancel()
            await asyncio.gather(wait, sleep, return_exceptions=True)
        return arrival.is_set()

    async def _dispatch(self, item: _Callback, fault: CallbackFault | None) -> None:
        try:
            if fault is not None and fault.drop:
                self._record(item, status=None, attempt=0, fault="drop")
                return
            if fault is not None and fault.delay > 0:
                await self._tracker.sleep(self._clock.scaled(fault.delay))
            copies = 1 + (fault.duplicate if fault is not None else 0)
            for copy in range(copies):
                await self._post_with_retries(item, duplicate=copy)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not stall every later callback of the call
            _log.exception("callback delivery failed unexpectedly", extra={"event_type": item.event["type"]})
        finally:
            self._tracker.end()

    async def _post_with_retries(self, item: _Callback, *, duplicate: int) -> None:
        for attempt in range(1, len(RETRY_DELAYS) + 2):
            slot = self._timeline.reserve()
            status, error = await self._post(item)
            self._record(item, slot=slot, status=status, attempt=attempt, error=error, duplicate=duplicate or None)
            if status is not None and (200 <= status < 300 or status in FINAL_STATUSES):
                return
            if attempt > len(RETRY_DELAYS):
                return
            await self._tracker.sleep(self._clock.scaled(RETRY_DELAYS[attempt - 1]))

    async def _post(self, item: _Callback) -> tuple[int | None, str | None]:
        body = json.dumps([item.event], separators=(",", ":")).encode()
        headers = {
            "content-type": "application/json",
            "authorization": f"Bearer {self._tokens.mint()}",
            "user-agent": USER_AGENT,
        }
        reply = await self._transport.send("POST", item.url, headers, body, within=self._timeout)
        return reply.status, reply.error

    def _record(
        self, item: _Callback, *, status: int | None, attempt: int, slot: Slot | None = None, **extra: Any
    ) -> None:
        detail = {k: v for k, v in extra.items() if v is not None}
        self._timeline.record(
            "callback",
            "acs",
            item.event["type"],
            call_connection_id=item.call_connection_id,
            server_call_id=item.server_call_id,
            slot=slot,
            url=redact_url(item.url),
            status=status,
            attempt=attempt,
            event=item.event,
            **detail,
        )
