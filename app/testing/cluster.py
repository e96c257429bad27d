"""Several real service processes behind HAProxy, sharing one Redis, with the ACS emulator in front: a test bed for
scale-out and crash behaviour.

Each instance is ``uvicorn --factory app.web.app:create_service`` in its own process (optionally with ``--workers``),
serving a socket the harness bound on an ephemeral loopback port, so a killed instance can be started again on the
same port. HAProxy (Debian's package) runs with a generated config: round robin, health checks on ``/readyz``,
connection failures re-dispatched to another instance. The emulator runs in the calling process and talks to the
instances only over HTTP, through HAProxy, as ACS talks to a deployment.

Example::

    async with Cluster(instances=2, flows=["tests.cluster.chaos_flow"], redis_url=url, prefix=prefix) as cluster:
        call = await cluster.control.place_call("+15551230001", "+18005550100")
        cluster.kill(0)                 # SIGKILL
        await cluster.start(0)          # the same port again
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

_READY_TIMEOUT = 90.0  # a loaded 2-core machine starts a uvicorn process slowly


def bind_loopback(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (``port`` 0 = ephemeral), inheritable by a child process."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


@dataclass
class Instance:
    """One service process (``workers`` uvicorn workers) on a fixed loopback port."""

    index: int
    port: int
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class PrivateRedis:
    """A redis-server of the test's own on an ephemeral port, persisting every write to an append-only file. Never
    the shared server.

    ``fsync="always"`` (the default) makes every acknowledged write durable, so the server can be SIGKILLed and
    restarted mid-run without losing state; every write then waits for a disk flush (milliseconds, more on a busy
    disk). ``fsync="everysec"`` is what production uses (docs/reliability.md): a SIGKILL of Redis may lose the
    last second, writes do not wait for the disk.

    Example::

        async with PrivateRedis() as redis:
            ...; await redis.restart(down_for=1.0)
    """

    fsync: str = "always"
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="callwright-redis-")))
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def __aenter__(self) -> PrivateRedis:
        if not self.port:
            probe = bind_loopback()
            self.port = probe.getsockname()[1]
            probe.close()
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop(signal.SIGKILL)
        shutil.rmtree(self.directory, ignore_errors=True)

    async def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        command = [server, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--dir", str(self.directory)]
        command += ["--appendonly", "yes", "--appendfsync", self.fsync, "--protected-mode", "no"]
        self.process = _spawn(command, None)
        await _wait_until(lambda: _redis_answers(self.port), "the private Redis to answer", 10.0)

    def stop(self, sig: signal.Signals = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)
        self.process = None

    async def restart(self, *, down_for: float) -> None:
        """Kill the server (SIGKILL), stay down ``down_for`` seconds, start it again on the same port."""
        self.stop(signal.SIGKILL)
        await asyncio.sleep(down_for)
        await self.start()


class Cluster:
    """``instances`` service processes behind HAProxy, the emulator in this process, state in Redis.

    ``settings`` are extra ``CALLWRIGHT_*`` variables (without the prefix, e.g. ``{"EVENT_LEASE_SECONDS": "2"}``).
    Every instance logs to a file in a temporary directory (``instance.log_path``).
    """

    def __init__(
        self,
        *,
        instances: int = 2,
        workers: int = 1,
        flows: Sequence[str],
        redis_url: str,
        prefix: str | None = None,
        time_scale: float = 1.0,
        settings: Mapping[str, str] | None = None,
        backend: str = "redis",
    ) -> None:
        if shutil.which("haproxy") is None:
            raise RuntimeError("haproxy is not installed (apt-get install haproxy)")
        self.workers = workers
        self.flows = list(flows)
        self.redis_url = redis_url
        self.prefix = prefix or f"cwcluster:{uuid.uuid4().hex}:"
        self.time_scale = time_scale
        self.extra = dict(settings or {})
        self.backend = backend
        self.directory = Path(tempfile.mkdtemp(prefix="callwright-cluster-"))
        self.instances = [Instance(i, 0) for i in range(instances)]
        self.secret = secrets.token_urlsafe(18)
        self.access_key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.resource_id = str(uuid.uuid4())
        self._stack = AsyncExitStack()
        self._proxy: subprocess.Popen[bytes] | None = None
        self.proxy_port = 0
        self.emulator_url = ""
        self.control: Any = None
        self.emulator: Any = None

    @property
    def url(self) -> str:
        """HAProxy's address: where ACS (the emulator) sends every request."""
        return f"http://127.0.0.1:{self.proxy_port}"

    async def __aenter__(self) -> Cluster:
        try:
            await self._start()
        except BaseException as error:
            await self.__aexit__(type(error), error, None)  # keeps the logs for the failure message
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for instance in self.instances:
            self.stop(instance.index, signal.SIGKILL)
        if self._proxy is not None and self._proxy.poll() is None:
            self._proxy.kill()
            self._proxy.wait(10)
        await self._stack.aclose()
        if exc_type is None:
            shutil.rmtree(self.directory, ignore_errors=True)

    async def _start(self) -> None:
        from simulator.client import SimulatorClient  # the emulator is reached over HTTP only, like ACS
        from simulator.server import run_simulator

        sim = await self._stack.enter_async_context(
            run_simulator(time_scale=self.time_scale, access_key=self.access_key, resource_id=self.resource_id)
        )
        self.emulator, self.emulator_url = sim, sim.base_url
        self.control = await self._stack.enter_async_context(SimulatorClient(sim.base_url))
        proxy_socket = bind_loopback()
        self.proxy_port = proxy_socket.getsockname()[1]
        for instance in self.instances:
            await self.start(instance.index, wait=False)
        await asyncio.gather(*(self._wait_ready(instance) for instance in self.instances))
        self._start_proxy(proxy_socket)
        await _wait_until(lambda: _http_ok(f"{self.url}/readyz"), "HAProxy to route /readyz", _READY_TIMEOUT)
        await self.control.add_subscription(f"{self.url}/Events?secret={self.secret}", name="callwright")

    # ---- instances ----------------------------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """The ``CALLWRIGHT_*`` variables every instance runs with."""
        values = {
            "ENVIRONMENT": "development",
            "ACS_ENDPOINT": self.emulator_url,
            "ACS_ACCESS_KEY": self.access_key,
            "ACS_RESOURCE_ID": self.resource_id,
            "JWT_ISSUER": self.emulator_url,
            "JWKS_URL": f"{self.emulator_url}/calling/keys",
            "CALLBACK_BASE_URL": self.url,
            "EVENTGRID_SECRET": self.secret,
            "TRIGGER_API_KEY": secrets.token_urlsafe(12),
            "STATE_BACKEND": self.backend,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.prefix,
            "FLOW_MODULES": ",".join(self.flows),
            "COMMON_MODULES": "",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            **self.extra,
        }
        base = {k: v for k, v in os.environ.items() if not k.startswith("CALLWRIGHT_")}
        return base | {f"CALLWRIGHT_{name}": value for name, value in values.items()}

    async def start(self, index: int, *, wait: bool = True) -> Instance:
        """Start (or restart) instance ``index`` on its port."""
        instance = self.instances[index]
        sock = bind_loopback(instance.port)
        instance.port = sock.getsockname()[1]
        instance.log_path = self.directory / f"instance-{index}.log"
        grace = self.extra.get("SHUTDOWN_GRACE_SECONDS", "20")
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "app.web.app:create_service", "--fd", str(sock.fileno()),
            "--workers", str(self.workers), "--no-access-log", "--log-level", "warning",
            "--timeout-graceful-shutdown", grace,
        ]  # fmt: skip
        instance.process = _spawn(command, instance.log_path, pass_fds=(sock.fileno(),), env=self.environment())
        sock.close()  # the child owns it now; when the child dies the port is free to bind again
        if wait:
            await self._wait_ready(instance)
        return instance

    def stop(self, index: int, sig: signal.Signals = signal.SIGTERM) -> None:
        """Signal instance ``index`` (SIGKILL: a crash; SIGTERM: a graceful stop) and reap it."""
        instance = self.instances[index]
        if instance.process is None:
            return
        if instance.process.poll() is None:
            workers = _children(instance.process.pid) if sig is signal.SIGKILL else []
            for pid in [instance.process.pid, *workers]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            instance.process.wait(60)
        instance.process = None

    def kill(self, index: int) -> None:
        """SIGKILL instance ``index`` (and its workers): whatever it was doing stops mid-way."""
        self.stop(index, signal.SIGKILL)

    async def _wait_ready(self, instance: Instance) -> None:
        def ready() -> bool:
            if instance.process is not None and instance.process.poll() is not None:
                raise RuntimeError(f"instance {instance.index} exited; see {instance.log_path}")
            return _http_ok(f"{instance.url}/readyz")

        await _wait_until(ready, f"instance {instance.index} to be ready", _READY_TIMEOUT)

    # ---- HAProxy ------------------------------------------------------------------------------------------------

    def haproxy_config(self, listen_fd: int) -> str:
        """Round robin over the instances, health-checked on ``/readyz``. Dead and slow are told apart:

        - a server that refuses a connection is marked down at once (``observe layer4``, ``on-error mark-down``)
          and the request is retried on another server straight away (``redispatch 1``: every retry goes
          elsewhere, with no turn-around wait); so is a request whose server closed the connection without an
          answer (it died mid-request: ``retry-on empty-response``). Retrying an event delivery is safe: a
          delivery whose event another instance holds is answered 503, one already done 200;
        - a busy server whose ``/readyz`` is slow is not dead: a check may take up to ``timeout check`` (2 s)
          and two must fail in a row (``fall 2``). A 200 ms check timeout with ``fall 1`` marked a loaded
          instance down several times a minute, and HAProxy then answered 503 to everything sent to it (Event
          Grid retries an IncomingCall only after 10 s).
        - a restarted server is back after one passing check (``rise 1``, every 250 ms)."""
        check = "check inter 250ms fall 2 rise 1 observe layer4 error-limit 1 on-error mark-down"
        servers = "\n".join(f"  server app{i.index} 127.0.0.1:{i.port} {check}" for i in self.instances)
        return f"""global
  maxconn 8192
defaults
  mode http
  timeout connect 1s
  timeout check 2s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
frontend callwright
  bind fd@{listen_fd}
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
{servers}
"""

    def _start_proxy(self, sock: socket.socket) -> None:
        config = self.directory / "haproxy.cfg"
        config.write_text(self.haproxy_config(sock.fileno()))
        try:
            command = ["haproxy", "-db", "-f", str(config)]
            self._proxy = _spawn(command, self.directory / "haproxy.log", pass_fds=(sock.fileno(),))
        finally:
            sock.close()


def _spawn(
    command: list[str], log_path: Path | None, pass_fds: tuple[int, ...] = (), env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a child process (output to ``log_path``, or discarded); returns at once."""
    if log_path is None:
        return subprocess.Popen(
            command, pass_fds=pass_fds, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    with log_path.open("ab") as log:
        return subprocess.Popen(command, pass_fds=pass_fds, env=env, stdout=log, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


async def _wait_until(check: Any, what: str, timeout: float) -> None:  # noqa: ASYNC109 - a poll deadline
    deadline = time.monotonic() + timeout
    while True:
        if await asyncio.to_thread(check):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
