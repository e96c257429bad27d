"""Serve the emulator (or any ASGI app) in-process on a real loopback socket, for tests and tools.

Example::

    async with run_simulator(time_scale=0.01) as sim:
        client = CallAutomationClient(sim.base_url, AzureKeyCredential(sim.config.access_key))

    async with run_asgi(receiver_app) as served:      # e.g. a callback receiver in a test
        url = f"{served.base_url}/Events"
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from simulator.config import SimulatorConfig
from simulator.interfaces import Delivery
from simulator.tls import TlsFiles, ensure_tls_files

STARTUP_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 10.0
# Above the idle timeout of the clients that call the emulator (azure-core's aiohttp pool keeps idle connections
# 15 s): a server that closes an idle connection first races the client's next request on it, which is then reset,
# and azure-core does not retry a POST that failed that way.
KEEP_ALIVE_SECONDS = 75


@dataclass(frozen=True)
class ServedApp:
    """An app being served: where to reach it."""

    host: str
    port: int
    base_url: str
    server: uvicorn.Server


@dataclass(frozen=True)
class RunningSimulator:
    """An emulator being served in-process (see :func:`run_simulator`)."""

    config: SimulatorConfig
    base_url: str
    connection_string: str
    app: ASGIApp
    ca_path: Path | None = None


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the host process (tests, other servers)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound (not yet listening) TCP socket; ``port=0`` picks a free ephemeral port.

    ``proto`` must say TCP: asyncio enables ``TCP_NODELAY`` on accepted connections only when it does, and without
    it every keep-alive response waits ~40 ms for the peer's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@contextlib.asynccontextmanager
async def serve_on_socket(
    app: ASGIApp,
    sock: socket.socket,
    *,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    log_level: str = "warning",
    lifespan: str = "auto",
) -> AsyncIterator[ServedApp]:
    """Serve ``app`` on an already bound socket until the block exits; closes the socket afterwards."""
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        log_level=log_level,
        access_log=False,
        lifespan=lifespan,  # type: ignore[arg-type]  # uvicorn types it as a Literal; callers pass valid names
        timeout_graceful_shutdown=5,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_started(server, task)
        scheme = "https" if ssl_certfile else "http"
        display = f"[{host}]" if ":" in host else host
        yield ServedApp(host=host, port=port, base_url=f"{scheme}://{display}:{port}", server=server)
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), SHUTDOWN_TIMEOUT)
        except TimeoutError:
            server.force_exit = True
            await asyncio.wait_for(task, SHUTDOWN_TIMEOUT)
        finally:
            sock.close()


async def wait_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    """Return once ``server`` listens; RuntimeError if its ``serve()`` task ends first or takes too long."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    while not server.started:
        if task.done():
            error = task.exception()
            raise RuntimeError(f"server failed to start: {error!r}") from error
        if loop.time() > deadline:
            raise RuntimeError("server did not start in time")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def run_asgi(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    log_level: str = "warning",
    lifespan: str = "auto",
) -> AsyncIterator[ServedApp]:
    """Serve any ASGI app on ``host:port`` (port 0 = ephemeral) for the duration of the block.

    Example::

        async with run_asgi(Starlette(routes=[Route("/Events", receive, methods=["POST"])])) as served:
            callback_url = f"{served.base_url}/Events"
    """
    sock = bind_socket(host, port)
    async with serve_on_socket(
        app, sock, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, log_level=log_level, lifespan=lifespan
    ) as served:
        yield served


@contextlib.asynccontextmanager
async def run_simulator(
    config: SimulatorConfig | None = None,
    *,
    delivery: Delivery | None = None,
    log_level: str = "warning",
    **overrides: Any,
) -> AsyncIterator[RunningSimulator]:
    """Run the emulator in-process on a real socket (default 127.0.0.1, ephemeral port).

    ``overrides`` are :class:`SimulatorConfig` fields (``time_scale=0.01``, ``tls=True``, ``subscriptions=...``).
    With ``tls=True`` a local CA and server certificate go to ``config.state_dir`` and ``ca_path`` names the CA.

    Example::

        async with run_simulator(tls=True, state_dir=str(tmp_path)) as sim:
            client = CallAutomationClient.from_connection_string(sim.connection_string, connection_verify=...)
    """
    from simulator.app import create_simulator  # the REST surface imports delivery; keep this edge lazy

    base = config if config is not None else SimulatorConfig(port=0)
    if overrides:
        base = dataclasses.replace(base, **overrides)
    tls: TlsFiles | None = await asyncio.to_thread(ensure_tls_files, base.state_dir) if base.tls else None
    sock = bind_socket(base.host, base.port)
    try:
        port = sock.getsockname()[1]
        scheme = "https" if base.tls else "http"
        public_url = base.public_url or f"{scheme}://{base.host}:{port}"
        final = dataclasses.replace(base, port=port, public_url=public_url)
        app = create_simulator(final, delivery=delivery)
    except BaseException:
        sock.close()
        raise
    async with serve_on_socket(
        app,
        sock,
        ssl_certfile=str(tls.cert_path) if tls else None,
        ssl_keyfile=str(tls.key_path) if tls else None,
        log_level=log_level,
        lifespan="on",
    ):
        yield RunningSimulator(
            config=final,
            base_url=final.base_url,
            connection_string=final.connection_string(),
            app=app,
            ca_path=tls.ca_path if tls else None,
        )
