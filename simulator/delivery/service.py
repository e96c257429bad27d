"""The delivery side of the emulator, assembled: publisher, subscriptions, faults, tokens and routes.

Example::

    delivery = build_delivery(config, clock, timeline)
    await delivery.start()
    delivery.publisher.callback(url, "CallConnected", {}, call_connection_id="cc", server_call_id="sc")
    await delivery.drain(5)
    await delivery.stop()
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from typing import Any

from starlette.routing import BaseRoute

from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.delivery.callbacks import CallbackSender
from simulator.delivery.control import control_routes
from simulator.delivery.envelope import resource_topic
from simulator.delivery.eventgrid import EventGridSender
from simulator.delivery.subscriptions import SubscriptionRegistry
from simulator.delivery.tracker import WorkTracker
from simulator.delivery.transport import Transport
from simulator.faults import FaultBook
from simulator.timeline import Timeline
from simulator.tokens import TokenIssuer

_log = logging.getLogger("simulator.delivery")
WEBSOCKET_TOKEN_SECONDS = 24 * 3600  # secure-webhook-endpoint doc: WebSocket tokens live 24 h


class Publisher:
    """Implements :class:`simulator.interfaces.EventPublisher` on top of the two senders."""

    def __init__(self, callbacks: CallbackSender, eventgrid: EventGridSender) -> None:
        self._callbacks = callbacks
        self._eventgrid = eventgrid

    def callback(
        self,
        url: str,
        event_type: str,
        data: Mapping[str, Any],
        *,
        call_connection_id: str,
        server_call_id: str,
    ) -> None:
        self._callbacks.enqueue(
            url, event_type, data, call_connection_id=call_connection_id, server_call_id=server_call_id
        )

    def incoming_call(self, data: Mapping[str, Any], *, server_call_id: str) -> None:
        self._eventgrid.publish(data, server_call_id=server_call_id)


class DeliveryService:
    """Implements :class:`simulator.interfaces.Delivery`; also serves the JWKS and the delivery control routes."""

    def __init__(
        self,
        config: SimulatorConfig,
        clock: Clock,
        timeline: Timeline,
        *,
        callback_timeout: float | None = None,
        eventgrid_timeout: float | None = None,
        verify: bool | ssl.SSLContext = True,
    ) -> None:
        self.config = config
        self.clock = clock
        self.timeline = timeline
        self.tokens = TokenIssuer(issuer=config.issuer, audience=config.resource_id)
        self.faults = FaultBook()
        self.subscriptions = SubscriptionRegistry()
        self.tracker = WorkTracker()
        self.transport = Transport(verify)
        timeouts: dict[str, float] = {}
        if callback_timeout is not None:
            timeouts["request_timeout"] = callback_timeout
        self.callbacks = CallbackSender(
            transport=self.transport,
            tokens=self.tokens,
            faults=self.faults,
            clock=clock,
            timeline=timeline,
            tracker=self.tracker,
            **timeouts,
        )
        eg_timeouts = {"request_timeout": eventgrid_timeout} if eventgrid_timeout is not None else {}
        self.eventgrid = EventGridSender(
            transport=self.transport,
            registry=self.subscriptions,
            clock=clock,
            timeline=timeline,
            tracker=self.tracker,
            topic=resource_topic(config.resource_id),
            base_url=config.base_url,
            **eg_timeouts,
        )
        self.publisher = Publisher(self.callbacks, self.eventgrid)
        for spec in config.subscriptions:
            self.subscriptions.add(spec)

    async def start(self) -> None:
        await self.transport.start()

    async def stop(self) -> None:
        await self.callbacks.stop()
        await self.eventgrid.stop()
        await self.transport.stop()

    async def drain(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - the Delivery protocol fixes it
        """Wait until queued deliveries, and retries due within ``timeout``, are done (or the timeout passes)."""
        if not await self.tracker.drain(timeout):
            _log.warning("drain timed out with %d deliveries outstanding", self.tracker.active)

    def websocket_token(self) -> str:
        return self.tokens.mint(lifetime_seconds=WEBSOCKET_TOKEN_SECONDS)

    def public_routes(self) -> list[BaseRoute]:
        """``GET /calling/keys`` and ``GET /calling/.well-known/acsopenidconfiguration``."""
        return self.tokens.public_routes()

    def control_routes(self) -> list[BaseRoute]:
        """``/simulator/subscriptions...`` and ``/simulator/faults...``."""
        return control_routes(self.subscriptions, self.faults)


def build_delivery(config: SimulatorConfig, clock: Clock, timeline: Timeline) -> DeliveryService:
    """The emulator's delivery side for ``config``; call ``await start()`` before events flow.

    Example::

        delivery = build_delivery(SimulatorConfig(port=8090), Clock(), Timeline())
    """
    return DeliveryService(config, clock, timeline)
