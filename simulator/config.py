"""The emulator's configuration: CLI options and ``CALLWRIGHT_SIMULATOR_*`` variables map onto this."""

from __future__ import annotations

from dataclasses import dataclass, field

# Documented dev identity (not secrets). config/settings.py in the app carries the same literals on purpose:
# the wire is the only contract between the app and the emulator.
DEV_ACCESS_KEY = "Y2FsbHdyaWdodC1zaW11bGF0b3ItZGV2LWtleS12MSE="
DEV_RESOURCE_ID = "5f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8090


@dataclass(frozen=True)
class SubscriptionSpec:
    """An Event Grid webhook subscription for IncomingCall.

    ``url`` may carry a query-string secret; ``headers`` are custom delivery headers (e.g. a secret header).
    """

    url: str
    schema: str = "eventgrid"  # "eventgrid" | "cloudevents"
    name: str = "callwright"
    headers: dict[str, str] = field(default_factory=dict)
    max_attempts: int = 30
    event_ttl_seconds: float = 1440 * 60


@dataclass(frozen=True)
class SimulatorConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    access_key: str = DEV_ACCESS_KEY
    resource_id: str = DEV_RESOURCE_ID
    tls: bool = False
    subscriptions: tuple[SubscriptionSpec, ...] = ()
    time_scale: float = 1.0
    # Numbers owned by the resource: a redirect, transfer or add to one of them produces a new IncomingCall.
    owned_numbers: tuple[str, ...] = ("+18005550100", "+18005550101", "+18005550102", "+18005550103")
    # Where certificates go in --tls mode.
    state_dir: str = ".callwright/simulator"
    # Set when the real port is known (port 0 = ephemeral); the JWT issuer and the printed endpoint derive from it.
    public_url: str | None = None
    # Accept Entra ID bearer tokens (managed identity) on the REST API: their issuer and a JWKS file of its keys.
    entra_issuer: str | None = None
    entra_jwks: str | None = None
    # The variety of real ACS traffic (event order, sequence gaps, roster-neutral updates; see world/realism.py).
    realism: bool = False
    realism_seed: int = 0

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def issuer(self) -> str:
        """The ``iss`` of every callback JWT: the emulator's own base URL."""
        return self.base_url

    def connection_string(self) -> str:
        return f"endpoint={self.base_url}/;accesskey={self.access_key}"
