"""The service's Prometheus series and the ``/metrics`` route.

Each app owns a :class:`Metrics` with its own registry (no process-wide default registry), built in the app factory.

Series:

- ``callwright_events_total{type, outcome}``: events received on ``/Events`` by short type (``CallConnected``) and
  outcome (``handled``, ``unhandled``, ``failed``, ``duplicate``, ``unavailable``).
- ``callwright_event_handling_seconds{type}``: from receipt to commit of one event (claim, lock, load, the handler,
  save), histogram.
- ``callwright_requests_rejected_total{channel, status}``: requests refused before dispatch (400, 401, 413...).
- ``callwright_auth_rejections_total{channel, reason}``: authentication refusals by their (fixed) reason.
- ``callwright_acs_action_seconds{action, status}`` and ``callwright_acs_action_errors_total{action, status}``: every
  ACS REST call, by operation (``POST /calling/callConnections/{id}:play``) and final status (``error`` when no
  response came); errors are statuses of 400 and above, and no response.
- ``callwright_active_calls``: connected minus disconnected calls seen by this instance. Sum it over instances: a call
  connected on one and ended on another counts +1 there and -1 here.
- ``callwright_store_operation_seconds{operation}`` and ``callwright_store_errors_total{operation, error}``.

Example::

    metrics = Metrics()
    metrics.events.labels(type="CallConnected", outcome="handled").inc()
    routes = [metrics_route(metrics, settings)]
"""

from __future__ import annotations

import hmac
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from config.settings import Environment, Settings

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_NETWORK = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_EVENT_PREFIX = "Microsoft.Communication."


class Metrics:
    """Every series the service exports, registered in ``registry`` (a fresh one by default).

    Example::

        metrics = Metrics()
        metrics.active_calls.inc()
        text = generate_latest(metrics.registry)
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter("callwright_events", "Events received on /Events", ["type", "outcome"], registry=r)
        self.event_seconds = Histogram(
            "callwright_event_handling_seconds", "Receipt to commit of one event", ["type"], buckets=_FAST, registry=r
        )
        self.rejected = Counter(
            "callwright_requests_rejected", "Requests refused before dispatch", ["channel", "status"], registry=r
        )
        self.auth_rejections = Counter(
            "callwright_auth_rejections", "Authentication refusals on /Events", ["channel", "reason"], registry=r
        )
        self.acs_seconds = Histogram(
            "callwright_acs_action_seconds", "ACS REST calls", ["action", "status"], buckets=_NETWORK, registry=r
        )
        self.acs_errors = Counter(
            "callwright_acs_action_errors", "ACS REST calls that failed", ["action", "status"], registry=r
        )
        self.active_calls = Gauge("callwright_active_calls", "Connected minus disconnected calls", registry=r)
        self.store_seconds = Histogram(
            "callwright_store_operation_seconds", "State store operations", ["operation"], buckets=_FAST, registry=r
        )
        self.store_errors = Counter(
            "callwright_store_errors", "State store operations that raised", ["operation", "error"], registry=r
        )
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, looked up once: several series move on every event, and the label lookup
        costs more than the update.

        Example::

            metrics.child(metrics.events, "CallConnected", "handled").inc()
        """
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found


def event_label(event_type: str, known: bool) -> str:
    """``Microsoft.Communication.CallConnected`` → ``CallConnected``; a type the service does not know → ``unknown``
    (so a sender cannot grow the label set)."""
    return event_type.removeprefix(_EVENT_PREFIX) if known else "unknown"


def metrics_route(metrics: Metrics, settings: Settings) -> Route:
    """``GET /metrics``. Open in development; in production only with ``CALLWRIGHT_METRICS_TOKEN`` set, and then
    only for ``Authorization: Bearer <token>`` (404 without a token configured, 401 for a wrong one).

    Example::

        app = Starlette(routes=[metrics_route(metrics, settings)])
    """
    token = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None
    enabled = token is not None or settings.environment is Environment.DEVELOPMENT

    async def scrape(request: Request) -> Response:
        if not enabled:
            return JSONResponse({"error": "not_found", "detail": "set CALLWRIGHT_METRICS_TOKEN"}, status_code=404)
        if token is not None:
            presented = request.headers.get("authorization", "").removeprefix("Bearer ").strip().encode()
            if not hmac.compare_digest(presented, token):
                return JSONResponse(
                    {"error": "unauthorized", "detail": "not authenticated"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", scrape, methods=["GET"])
