"""Assembly of the emulator: REST surface, simulated world, control API and delivery in one Starlette app.

Example::

    from simulator.app import create_simulator
    from simulator.config import SimulatorConfig

    app = create_simulator(SimulatorConfig(port=8090, time_scale=0.05))
    # uvicorn.run(app, host="127.0.0.1", port=8090)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.control import control_routes
from simulator.identity_rooms.directory import Directory
from simulator.identity_rooms.routes import identity_rooms_routes
from simulator.interfaces import Delivery
from simulator.timeline import Timeline
from simulator.ui import LiveFeed, ui_routes
from simulator.wire import ALL_OPERATIONS, RestApi
from simulator.wire.entra import EntraTokenVerifier
from simulator.world import Timing, World

_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


class Simulator:
    """Everything one emulator instance owns; reachable as ``app.state.simulator``."""

    def __init__(
        self,
        config: SimulatorConfig,
        delivery: Delivery,
        clock: Clock,
        timeline: Timeline,
        timing: Timing | None = None,
    ) -> None:
        self.config = config
        self.delivery = delivery
        self.clock = clock
        self.timeline = timeline
        self.world = World(config, clock, timeline, delivery.publisher, timing, stream_token=delivery.websocket_token)
        entra = (
            EntraTokenVerifier.from_file(config.entra_issuer, config.entra_jwks)
            if config.entra_issuer and config.entra_jwks
            else None
        )
        self.rest = RestApi(self.world, delivery.faults, list(ALL_OPERATIONS), entra=entra)
        self.feed = LiveFeed(self.world, timeline)
        self.directory = Directory(self.world)  # Identity and Rooms

    async def reset(self) -> None:
        """Clear calls, timeline, repeatability cache and faults; keep subscriptions."""
        await self.world.reset()
        self.directory.clear()
        self.timeline.clear()
        self.rest.repeatability.clear()
        self.delivery.faults.clear()
        self.feed.resync()


def create_simulator(
    config: SimulatorConfig, *, delivery: Delivery | None = None, timing: Timing | None = None
) -> Starlette:
    """The emulator as an ASGI app. Without ``delivery`` the real one is built from ``config``."""
    clock = Clock(config.time_scale)
    timeline = Timeline()
    if delivery is None:
        from simulator.delivery import build_delivery

        delivery = build_delivery(config, clock, timeline)
    sim = Simulator(config, delivery, clock, timeline, timing)
    routes: list[BaseRoute] = [
        *sim.delivery.public_routes(),
        Route("/calling/{rest:path}", sim.rest.handle, methods=_METHODS),
        *identity_rooms_routes(sim.rest, sim.directory),
        *control_routes(sim),
        *sim.delivery.control_routes(),
        *ui_routes(config, sim.feed),
        Route("/{rest:path}", _not_found, methods=_METHODS),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sim.delivery.start()
        try:
            yield
        finally:
            await sim.feed.stop()
            await sim.world.stop()
            await sim.delivery.stop()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _http_error})
    app.state.simulator = sim
    app.state.world = sim.world
    app.state.timeline = timeline
    app.state.delivery = delivery
    app.state.config = config
    return app


async def _not_found(request: Request) -> Response:
    return JSONResponse(
        {"error": {"code": "NotFound", "message": f"Resource not found: {request.url.path}"}}, status_code=404
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal error"
    return JSONResponse({"error": {"code": str(status), "message": str(detail)}}, status_code=status)
