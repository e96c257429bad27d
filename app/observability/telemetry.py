"""The service's metrics and tracing, assembled once per app from settings, and the pieces the factory plugs in.

Example::

    telemetry = Telemetry(settings)
    store = telemetry.observe_store(MemoryStateStore())
    client = build_client(settings, per_call_policies=[telemetry.acs_policy()])
    endpoint = EventsEndpoint(settings, ..., sink=telemetry.observe_sink(dispatcher), observer=telemetry.observer)
"""

from __future__ import annotations

from opentelemetry import trace
from starlette.routing import Route

from app.observability.acs_policy import AcsActionPolicy
from app.observability.edge import DeliveryObserver, ObservedSink
from app.observability.metrics import Metrics, metrics_route
from app.observability.store import InstrumentedStore
from app.observability.tracing import TRACER_NAME, configure_tracing
from app.state.base import StateStore
from app.web.sink import EventSink
from config.settings import Settings


class Telemetry:
    """A :class:`Metrics` registry of the app's own and the tracer of its spans (a no-op one unless tracing is on:
    ``OTEL_TRACES_EXPORTER``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        if settings.otel_traces_exporter not in (None, "none"):
            configure_tracing(str(settings.otel_traces_exporter))
        self.tracer = trace.get_tracer(TRACER_NAME)
        self.observer = DeliveryObserver(self.metrics, self.tracer)

    def observe_store(self, store: StateStore) -> StateStore:
        return InstrumentedStore(store, self.metrics)

    def observe_sink(self, sink: EventSink) -> EventSink:
        return ObservedSink(sink, self.metrics, self.tracer)

    def acs_policy(self) -> AcsActionPolicy:
        return AcsActionPolicy(self.metrics, self.tracer)

    def route(self) -> Route:
        return metrics_route(self.metrics, self.settings)
