"""The ACS emulator and the service, served on loopback from one background event loop and shared by tests.

Each test gets a fresh world (``POST /simulator/reset``) but not a fresh server: starting both takes a fraction of
a second, so they are started once per configuration (time scale, flows, settings overrides) and reused. The two
are joined only by URLs and keys, as in production: the service's settings name the emulator's endpoint, access
key, resource id, JWT issuer and JWKS URL; the emulator's Event Grid subscription names the service's
``/Events?secret=...``.

Example::

    stack = CallwrightStack()
    env = await stack.environment(time_scale=0.02, flows=None, overrides={})
    ...
    stack.close()
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import secrets
import threading
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from app.routing import Router
from config.settings import Settings, SettingsError, load_settings

T = TypeVar("T")
FlowSpec = Router | str
SUBSCRIPTION = "callwright"
_CLOSE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Environment:
    """Where a test's emulator and service listen, and the service's settings."""

    emulator_url: str
    app_url: str
    settings: Settings
    time_scale: float


@dataclass
class _Served:
    key: str
    environment: Environment
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)


@dataclass
class _Emulator:
    url: str
    access_key: str
    resource_id: str
    stack: AsyncExitStack
    app: _Served | None = None


class CallwrightStack:
    """Owns a background thread running an event loop; servers live there, tests talk to them over HTTP."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="callwright-stack", daemon=True)
        self._thread.start()
        self._emulators: dict[float, _Emulator] = {}
        self._lock: asyncio.Lock | None = None

    async def environment(
        self, *, time_scale: float, flows: Sequence[FlowSpec] | None, overrides: Mapping[str, Any]
    ) -> Environment:
        """The emulator for ``time_scale`` and a service with these flows and settings (started if needed)."""
        return await asyncio.wrap_future(self._submit(self._environment(time_scale, flows, overrides)))

    def close(self) -> None:
        """Stop every server and the background loop (blocking; call from synchronous teardown)."""
        if not self._thread.is_alive():
            return
        try:
            self._submit(self._close()).result(_CLOSE_TIMEOUT)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(_CLOSE_TIMEOUT)
            self._loop.close()

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _environment(
        self, time_scale: float, flows: Sequence[FlowSpec] | None, overrides: Mapping[str, Any]
    ) -> Environment:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            emulator = self._emulators.get(time_scale) or await self._start_emulator(time_scale)
            key = _config_key(flows, overrides)
            if emulator.app is None or emulator.app.key != key:
                if emulator.app is not None:
                    await emulator.app.stack.aclose()
                    emulator.app = None
                emulator.app = await self._start_app(emulator, key, time_scale, flows, overrides)
            return emulator.app.environment

    async def _start_emulator(self, time_scale: float) -> _Emulator:
        from simulator.app import create_simulator
        from simulator.config import SimulatorConfig
        from simulator.server import bind_socket, serve_on_socket

        stack = AsyncExitStack()
        access_key = base64.b64encode(secrets.token_bytes(32)).decode()
        resource_id = str(uuid.uuid4())
        sock = bind_socket("127.0.0.1", 0)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = SimulatorConfig(
            port=sock.getsockname()[1],
            public_url=url,
            access_key=access_key,
            resource_id=resource_id,
            time_scale=time_scale,
        )
        try:
            app = create_simulator(config)
        except BaseException:
            sock.close()
            raise
        await stack.enter_async_context(serve_on_socket(app, sock, lifespan="on"))
        emulator = _Emulator(url, access_key, resource_id, stack)
        self._emulators[time_scale] = emulator
        return emulator

    async def _start_app(
        self,
        emulator: _Emulator,
        key: str,
        time_scale: float,
        flows: Sequence[FlowSpec] | None,
        overrides: Mapping[str, Any],
    ) -> _Served:
        from app.web.app import create_app
        from simulator.server import bind_socket, serve_on_socket

        sock = bind_socket("127.0.0.1", 0)
        app_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        secret = secrets.token_urlsafe(18)
        try:
            settings = _settings(emulator, app_url, secret, overrides)
            # Served as in production: the factory configures logging (call scripts read the JSON log lines).
            app = create_app(settings, flows=_routers(flows) if flows is not None else None, configure_logs=True)
        except BaseException:
            sock.close()
            raise
        served = _Served(key, Environment(emulator.url, app_url, settings, time_scale))
        try:
            await served.stack.enter_async_context(serve_on_socket(app, sock, lifespan="on"))
            events = httpx.URL(settings.callback_url).copy_add_param(settings.eventgrid_secret_param, secret)
            async with httpx.AsyncClient(timeout=10.0) as http:
                response = await http.post(
                    f"{emulator.url}/simulator/subscriptions",
                    json={"url": str(events), "schema": "eventgrid", "name": SUBSCRIPTION},
                )
                response.raise_for_status()
        except BaseException:
            await served.stack.aclose()
            raise
        return served

    async def _close(self) -> None:
        for emulator in self._emulators.values():
            if emulator.app is not None:
                await emulator.app.stack.aclose()
            await emulator.stack.aclose()
        self._emulators.clear()


def _settings(emulator: _Emulator, app_url: str, secret: str, overrides: Mapping[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "environment": "development",
        "acs_connection_string": None,
        "acs_endpoint": emulator.url,
        "acs_access_key": emulator.access_key,
        "acs_resource_id": emulator.resource_id,
        "callback_base_url": app_url,
        "eventgrid_secret": secret,
        "eventgrid_subscriptions": [],
        "jwt_issuer": emulator.url,
        "jwks_url": f"{emulator.url}/calling/keys",
        "allow_unauthenticated_callbacks": False,
        "allow_unauthenticated_eventgrid": False,
        "trigger_api_key": secrets.token_urlsafe(18),
    }
    _merge(values, nested_overrides(overrides))
    try:
        return load_settings(**values)
    except SettingsError as error:
        raise ValueError(f"callwright_settings: {error}") from None


def nested_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"flows.front_desk_after_hours": True}`` → ``{"flows": {"front_desk_after_hours": True}}``."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        *path, last = dotted.split(".")
        place = nested
        for part in path:
            place = place.setdefault(part, {})
        if isinstance(value, Mapping) and isinstance(place.get(last), dict):
            _merge(place[last], dict(value))
        else:
            place[last] = dict(value) if isinstance(value, Mapping) else value
    return nested


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for name, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(name), dict):
            _merge(base[name], value)
        else:
            base[name] = value


def _routers(flows: Sequence[FlowSpec]) -> list[Router]:
    routers: list[Router] = []
    for flow in flows:
        if isinstance(flow, Router):
            routers.append(flow)
            continue
        router = getattr(importlib.import_module(flow), "router", None)
        if not isinstance(router, Router):
            raise TypeError(f"callwright_flows: module {flow!r} has no `router = Router(...)`")
        routers.append(router)
    return routers


def _config_key(flows: Sequence[FlowSpec] | None, overrides: Mapping[str, Any]) -> str:
    flow_key = None if flows is None else [f if isinstance(f, str) else f"{f.name}@{id(f)}" for f in flows]
    return json.dumps([flow_key, nested_overrides(overrides)], sort_keys=True, default=repr)
