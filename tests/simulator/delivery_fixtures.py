"""Helpers for the delivery tests: a delivery service served with its own routes on a real loopback socket."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from simulator.clock import Clock
from simulator.config import SimulatorConfig, SubscriptionSpec
from simulator.delivery import DeliveryService
from simulator.server import bind_socket, serve_on_socket
from simulator.timeline import Timeline, TimelineEntry

FAST = 0.002  # time scale: a 10 s Event Grid retry takes 20 ms


@dataclass
class Harness:
    service: DeliveryService
    base_url: str
    timeline: Timeline

    def entries(self, server_call_id: str, kind: str | None = None) -> list[TimelineEntry]:
        return [e for e in self.timeline.for_call(server_call_id) if kind is None or e.kind == kind]


@contextlib.asynccontextmanager
async def delivery_harness(
    *,
    time_scale: float = FAST,
    subscriptions: tuple[SubscriptionSpec, ...] = (),
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    **service_kwargs: Any,
) -> AsyncIterator[Harness]:
    """A started DeliveryService whose JWKS and control routes are served on 127.0.0.1:<ephemeral>."""
    sock = bind_socket()
    port = sock.getsockname()[1]
    config = SimulatorConfig(
        port=port, time_scale=time_scale, subscriptions=subscriptions, tls=ssl_certfile is not None
    )
    timeline = Timeline()
    service = DeliveryService(config, Clock(time_scale), timeline, **service_kwargs)
    app = Starlette(routes=[*service.public_routes(), *service.control_routes()])
    await service.start()
    try:
        async with serve_on_socket(app, sock, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile):
            yield Harness(service, config.base_url, timeline)
    finally:
        await service.stop()
