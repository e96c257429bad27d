"""Event Grid delivery of IncomingCall to webhook subscriptions: handshakes, ``aeg-*`` headers and retries.

Before the first delivery to a subscription the emulator runs Event Grid's handshake: the
``SubscriptionValidationEvent`` (Event Grid schema; only HTTP 200 echoing ``validationResponse`` passes) or the
CloudEvents ``OPTIONS`` abuse-protection request (``WebHook-Allowed-Origin`` must grant ``eventgrid.azure.net``).
A failed handshake counts as a failed attempt and is tried again before the next attempt, since the app may start
after the emulator. Success is 200-204 only; 400, 401, 403 and 413 are final; anything else (or a 30 s timeout) is
retried after 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, then hourly, scaled by the clock, within the
subscription's ``max_attempts`` and ``event_ttl_seconds``.

Example::

    sender = EventGridSender(transport=transport, registry=registry, clock=clock, timeline=timeline, tracker=tracker,
                             topic=resource_topic(resource_id), base_url="http://127.0.0.1:8090")
    sender.publish(data, server_call_id="sc-1")
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from simulator.clock import Clock
from simulator.delivery.envelope import INCOMING_CALL_TYPE, incoming_call_event, validation_event
from simulator.delivery.redact import redact_url
from simulator.delivery.subscriptions import SubscriptionRegistry, SubscriptionState
from simulator.delivery.tracker import WorkTracker
from simulator.delivery.transport import Reply, Transport
from simulator.timeline import Slot, Timeline

RETRY_SCHEDULE = (10.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0)  # then hourly
FINAL_STATUSES = frozenset({400, 401, 403, 413})
REQUEST_TIMEOUT = 30.0  # real seconds, as Event Grid waits
ORIGIN = "eventgrid.azure.net"
USER_AGENT = "Callwright-ACS-Emulator/0.1 (eventgrid)"
_EG_CONTENT_TYPE = "application/json; charset=utf-8"
_CE_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"

_log = logging.getLogger("simulator.delivery.eventgrid")


def retry_delay(attempt: int) -> float:
    """Simulated seconds to wait before delivery attempt number ``attempt`` (1 = the first retry)."""
    return RETRY_SCHEDULE[min(attempt, len(RETRY_SCHEDULE)) - 1]


def _is_success(status: int | None) -> bool:
    return status is not None and 200 <= status <= 204


class EventGridSender:
    """Delivers IncomingCall to every subscription in a registry."""

    def __init__(
        self,
        *,
        transport: Transport,
        registry: SubscriptionRegistry,
        clock: Clock,
        timeline: Timeline,
        tracker: WorkTracker,
        topic: str,
        base_url: str,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._transport = transport
        self._registry = registry
        self._clock = clock
        self._timeline = timeline
        self._tracker = tracker
        self._topic = topic
        self._base_url = base_url.rstrip("/")
        self._timeout = request_timeout
        self._tasks: set[asyncio.Task[None]] = set()

    def publish(self, data: Mapping[str, Any], *, server_call_id: str) -> None:
        states = self._registry.states()
        if not states:
            self._timeline.record(
                "incoming_call",
                "acs",
                INCOMING_CALL_TYPE,
                server_call_id=server_call_id,
                status=None,
                attempt=0,
                error="no Event Grid subscription",
            )
            return
        event_id = str(uuid.uuid4())  # Event Grid delivers the same event (same id) to every subscription
        loop = asyncio.get_running_loop()
        for state in states:
            self._tracker.begin()
            task = loop.create_task(self._deliver(state, dict(data), event_id, server_call_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(
        self, state: SubscriptionState, data: dict[str, Any], event_id: str, server_call_id: str
    ) -> None:
        spec = state.spec
        event = incoming_call_event(data, topic=self._topic, schema=spec.schema, event_id=event_id)
        started = time.monotonic()
        delivery_count = 0
        try:
            while self._registry.is_current(state):
                if await self._ensure_validated(state, server_call_id):
                    slot = self._timeline.reserve()  # sent now: before whatever the app does in response
                    status, error = await self._notify(state, event, delivery_count)
                    state.attempts += 1
                    state.last_status, state.last_error = status, error
                    self._record(state, server_call_id, slot, status, delivery_count, error, event)
                    if _is_success(status):
                        state.delivered += 1
                        return
                    if status in FINAL_STATUSES:
                        state.failed += 1
                        return
                else:
                    state.attempts += 1  # a refused handshake is a failed delivery attempt of this event
                delivery_count += 1
                elapsed = (time.monotonic() - started) / self._clock.time_scale
                delay = retry_delay(delivery_count)
                if delivery_count >= spec.max_attempts or elapsed + delay > spec.event_ttl_seconds:
                    state.failed += 1
                    return
                await self._tracker.sleep(self._clock.scaled(delay))
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("IncomingCall delivery failed unexpectedly", extra={"subscription": spec.name})
        finally:
            self._tracker.end()

    async def _ensure_validated(self, state: SubscriptionState, server_call_id: str) -> bool:
        if state.validated:
            return True
        async with state.handshake_lock:
            if state.validated:
                return True
            if state.spec.schema == "cloudevents":
                ok = await self._handshake_cloudevents(state, server_call_id)
            else:
                ok = await self._handshake_eventgrid(state, server_call_id)
            if not state.validated:  # a manual validation may have landed meanwhile
                state.status = "validated" if ok else "failed"
            return state.validated

    async def _handshake_eventgrid(self, state: SubscriptionState, server_call_id: str) -> bool:
        code = str(uuid.uuid4())
        state.validation_code = code
        validation_url = f"{self._base_url}/simulator/subscriptions/{state.spec.name}/validate?code={code}"
        event = validation_event(topic=self._topic, code=code, validation_url=validation_url)
        headers = {
            **state.spec.headers,
            "content-type": _EG_CONTENT_TYPE,
            "user-agent": USER_AGENT,
            "aeg-event-type": "SubscriptionValidation",
            "aeg-subscription-name": state.header_name,
            "aeg-delivery-count": "0",
            "aeg-metadata-version": "1",
            "aeg-data-version": "1",
        }
        reply = await self._send("POST", state.spec.url, headers, json.dumps([event]).encode())
        status, error = reply.status, reply.error
        ok = status == 200 and _echoed_code(reply.body) == code
        if status is not None and not ok and error is None:
            error = 'handshake refused: expected HTTP 200 with {"validationResponse": <validationCode>}'
        self._record_handshake(state, server_call_id, "SubscriptionValidation", status, error, ok)
        return ok

    async def _handshake_cloudevents(self, state: SubscriptionState, server_call_id: str) -> bool:
        headers = {**state.spec.headers, "user-agent": USER_AGENT, "webhook-request-origin": ORIGIN}
        reply = await self._send("OPTIONS", state.spec.url, headers, None)
        status, error = reply.status, reply.error
        allowed = reply.headers.get("webhook-allowed-origin")
        ok = _is_success(status) and allowed in (ORIGIN, "*")
        if status is not None and not ok and error is None:
            error = f"handshake refused: expected 200 with WebHook-Allowed-Origin: {ORIGIN} (or *)"
        self._record_handshake(state, server_call_id, "WebHook OPTIONS", status, error, ok)
        return ok

    async def _notify(
        self, state: SubscriptionState, event: dict[str, Any], delivery_count: int
    ) -> tuple[int | None, str | None]:
        headers = {
            **state.spec.headers,
            "user-agent": USER_AGENT,
            "aeg-event-type": "Notification",
            "aeg-subscription-name": state.header_name,
            "aeg-delivery-count": str(delivery_count),
            "aeg-metadata-version": "1",
            "aeg-output-event-id": str(event["id"]),
        }
        if state.spec.schema == "cloudevents":
            headers.update({"content-type": _CE_CONTENT_TYPE, "webhook-request-origin": ORIGIN})
            body = json.dumps(event).encode()
        else:
            headers.update({"content-type": _EG_CONTENT_TYPE, "aeg-data-version": "1.0"})
            body = json.dumps([event]).encode()
        reply = await self._send("POST", state.spec.url, headers, body)
        return reply.status, reply.error

    async def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Reply:
        return await self._transport.send(method, url, headers, body, within=self._timeout)

    def _record_handshake(
        self,
        state: SubscriptionState,
        server_call_id: str,
        name: str,
        status: int | None,
        error: str | None,
        ok: bool,
    ) -> None:
        self._timeline.record(
            "incoming_call",
            "acs",
            name,
            server_call_id=server_call_id,
            subscription=state.spec.name,
            url=redact_url(state.spec.url),
            status=status,
            validated=ok,
            **_error_detail(error),
        )

    def _record(
        self,
        state: SubscriptionState,
        server_call_id: str,
        slot: Slot,
        status: int | None,
        delivery_count: int,
        error: str | None,
        event: dict[str, Any],
    ) -> None:
        self._timeline.record(
            "incoming_call",
            "acs",
            INCOMING_CALL_TYPE,
            server_call_id=server_call_id,
            slot=slot,
            subscription=state.spec.name,
            url=redact_url(state.spec.url),
            status=status,
            attempt=delivery_count + 1,
            delivery_count=delivery_count,
            event=event,
            **_error_detail(error),
        )


def _error_detail(error: str | None) -> dict[str, Any]:
    return {"error": error} if error else {}


def _echoed_code(raw: bytes) -> str | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if isinstance(body, dict):
        value = body.get("validationResponse")
        return value if isinstance(value, str) else None
    return None
