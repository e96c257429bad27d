"""The app factory: settings, flows, state and the one SDK client, assembled declaratively with a lifespan.

``callwright serve`` serves it with the production uvicorn options (``app.web.server``; see the Procfile).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import structlog
from azure.core.credentials import AzureKeyCredential
from azure.core.credentials_async import AsyncTokenCredential
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app.actions.call import CallActions
from app.actions.client import acs_credential, build_client
from app.auth.eventgrid import EventGridAuthenticator
from app.auth.jwt import CallbackTokenValidator
from app.auth.replay import bindings_for
from app.dispatch import ActionsFactory, Dispatcher, Outcome
from app.events import CallEvent
from app.logging import configure_logging, write_logs_directly
from app.media.endpoint import MediaEndpoint
from app.observability.telemetry import Telemetry
from app.routing import Router
from app.session import CallSession
from app.state.base import StateStore
from app.state.factory import build_store, store_name
from app.web.events_endpoint import EventsEndpoint, auth_warnings
from app.web.health import health_routes
from app.web.heap import frozen_startup_heap
from app.web.trigger import TriggerEndpoint
from config.settings import Settings, configured_variables, settings_or_exit, unknown_variables

EVENTS_PATH = "/Events"
_EVENTS_METHODS = ("POST", "OPTIONS")


class CallwrightApp(Starlette):
    """The ASGI app, plus ``dispatch`` for feeding it events without HTTP.

    Example (a unit test with fake actions, no lifespan needed)::

        app = create_app(settings, flows=[router], actions=fake_factory)
        outcome = await app.dispatch(event)
    """

    dispatcher: Dispatcher | None = None
    events: ASGIApp | None = None
    """The ``/Events`` endpoint. While the app adds nothing around its routes (no middleware, no exception handler,
    no body limit, not in debug), a POST or OPTIONS to ``/Events`` goes to it straight: the endpoint answers every
    outcome itself (errors included), so Starlette's error and exception middleware and its router would only pass
    the request along, which costs about a tenth of a no-action event."""
    _events_direct = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
            self._events_direct = self.events is not None and not (
                self.user_middleware or self.exception_handlers or self.max_body_size is not None or self.debug
            )
        if (
            self._events_direct
            and self.events is not None
            and scope["type"] == "http"
            and scope["path"] == EVENTS_PATH
            and not scope.get("root_path")
            and scope["method"] in _EVENTS_METHODS
        ):
            scope["app"] = self
            await self.events(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def dispatch(self, event: CallEvent, *, flow: str | None = None, seed: str | None = None) -> Outcome:
        if self.dispatcher is None:
            raise RuntimeError("the app is not started: run its lifespan, or create it with actions=<factory>")
        return await self.dispatcher.dispatch(event, flow=flow, seed=seed)


def create_app(
    settings: Settings | None = None,
    *,
    flows: Sequence[Router] | None = None,
    common: Sequence[Router] | None = None,
    extras: Mapping[str, Any] | None = None,
    actions: ActionsFactory | None = None,
    store: StateStore | None = None,
    http: httpx.AsyncClient | None = None,
    credential: AsyncTokenCredential | None = None,
    configure_logs: bool = False,
) -> CallwrightApp:
    """Assemble the service. With no arguments it reads ``CALLWRIGHT_*`` settings and loads the flow modules
    they name (``CALLWRIGHT_FLOW_MODULES``), each of which exposes one ``router``.

    Example::

        from flows import front_desk
        app = create_app(Settings(), flows=[front_desk.router])

    ``actions`` replaces the SDK-backed ``call`` objects (unit tests), ``store`` the state store, ``http`` the
    client that fetches the JWKS, and ``credential`` how the SDK authenticates (default: the access key, or
    ``DefaultAzureCredential`` without one; see :func:`app.actions.client.acs_credential`). ``configure_logs=True``
    also configures process-wide logging from the settings; by default the factory leaves global logging alone
    (:func:`create_service` and the CLI ask for it).
    """
    # Settings read here (uvicorn's factory, the Procfile) refuse a bad configuration in one line, no traceback.
    unknown = [] if settings is not None else unknown_variables(configured_variables())
    settings = settings or settings_or_exit()
    if configure_logs:
        configure_logging(
            settings.log_format or "console", settings.log_level, secret_params=[settings.eventgrid_secret_param]
        )
    flow_routers = list(flows) if flows is not None else _load_routers(settings.flow_modules)
    common_routers = list(common) if common is not None else _load_routers(settings.common_modules)
    state_store: StateStore = store or build_store(settings)
    telemetry = Telemetry(settings)
    observed_store = telemetry.observe_store(state_store)
    # One SDK client per process. Building it opens nothing; the lifespan opens and closes its connections.
    acs = credential or acs_credential(settings)
    client = build_client(settings, acs, per_call_policies=[telemetry.acs_policy()])
    running = asyncio.Event()

    def sdk_actions(session: CallSession) -> CallActions:
        return CallActions(client, settings, session)

    dispatcher = Dispatcher(
        settings,
        flows=flow_routers,
        common=common_routers,
        store=observed_store,
        actions=actions or sdk_actions,
        extras=extras,
    )
    http = http or httpx.AsyncClient(timeout=5.0)  # fetches the JWKS; closed with the app
    validator = (
        None
        if settings.allow_unauthenticated_callbacks
        else CallbackTokenValidator(
            issuer=settings.issuer,
            audience=settings.resource_id,
            jwks_url=settings.jwks,
            http=http,
            leeway=settings.jwt_leeway_seconds,
        )
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        log = structlog.get_logger("callwright.app")
        for warning in auth_warnings(settings):
            log.warning("auth_relaxed", detail=warning)
        if unknown:
            log.warning("settings_unknown", variables=unknown, detail="no setting reads these variables: ignored")
        async with AsyncExitStack() as stack:
            stack.push_async_callback(http.aclose)
            if validator is not None:
                await validator.prefetch()  # a failure is logged; /readyz reports it until keys arrive
            if credential is None and not isinstance(acs, AzureKeyCredential):
                stack.push_async_callback(acs.close)  # ours to close: a caller's credential stays the caller's
            await stack.enter_async_context(client)
            stack.push_async_callback(state_store.aclose)
            running.set()
            stack.callback(running.clear)
            log.info(
                "service_started",
                flows=[router.name for router in flow_routers],
                acs_endpoint=settings.endpoint,
                acs_auth="access key" if isinstance(acs, AzureKeyCredential) else "Microsoft Entra ID",
                callback_url=settings.callback_url,
            )
            with frozen_startup_heap(settings.gc_freeze, young_threshold=settings.gc_young_threshold):
                yield
            log.info("service_stopping")
            write_logs_directly()  # the server may end by re-raising SIGTERM: no exit handler will flush

    endpoint = EventsEndpoint(
        settings,
        callbacks=validator,
        eventgrid=(
            EventGridAuthenticator(
                secret=settings.eventgrid_secret.get_secret_value() if settings.eventgrid_secret else None,
                param=settings.eventgrid_secret_param,
                header=settings.eventgrid_secret_header,
                subscriptions=settings.eventgrid_subscriptions,
            )
            if not settings.allow_unauthenticated_eventgrid
            else None
        ),
        sink=telemetry.observe_sink(dispatcher),
        observer=telemetry.observer,
        token_bindings=bindings_for(state_store),
    )

    media = MediaEndpoint(
        settings, validator=validator, dispatcher=dispatcher, server_call_of=dispatcher.server_call_of
    )

    async def jwks_ready() -> bool:
        return validator is None or validator.ready()

    app = CallwrightApp(
        routes=[
            Route(EVENTS_PATH, endpoint, methods=list(_EVENTS_METHODS)),
            WebSocketRoute("/media", media),
            Route(
                "/api/calls",
                TriggerEndpoint(settings, client, set(dispatcher.flows), observed_store, started=running.is_set),
                methods=["POST"],
            ),
            *health_routes(
                {store_name(settings) if store is None else "state": observed_store.ping, "jwks": jwks_ready}
            ),
            telemetry.route(),
        ],
        lifespan=lifespan,
    )
    app.dispatcher = dispatcher
    app.events = endpoint
    app.state.validator = validator
    app.state.settings = settings
    app.state.store = state_store
    app.state.metrics = telemetry.metrics
    return app


def create_service() -> CallwrightApp:
    """The factory ``uvicorn --factory app.web.app:create_service`` serves (Procfile, Dockerfile, ``callwright
    serve``): the service from the ``CALLWRIGHT_*`` settings, with process-wide logging configured from them.
    ``create_app`` itself leaves global logging alone unless asked (``configure_logs=True``), so embedding the app
    or building it in a test does not reconfigure the host's logging.

    Example::

        uvicorn --factory app.web.app:create_service --port 8000
    """
    return create_app(configure_logs=True)


def _load_routers(modules: Sequence[str]) -> list[Router]:
    routers: list[Router] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise ImportError(f"cannot import flow module {name!r} (from CALLWRIGHT_FLOW_MODULES): {error}") from error
        router = getattr(module, "router", None)
        if not isinstance(router, Router):
            raise TypeError(f"flow module {name!r} must define `router = Router(name=...)`")
        routers.append(router)
    return routers
