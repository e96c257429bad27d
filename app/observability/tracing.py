"""OpenTelemetry traces: one span per ``/Events`` delivery, one per event dispatched, one per ACS action, with the
SDK's own azure-core spans joined into the same trace.

Off unless ``OTEL_TRACES_EXPORTER`` is set (``otlp`` or ``console``); then the standard ``OTEL_*`` variables apply
(``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_TRACES_SAMPLER``...), read by the OpenTelemetry SDK itself. OpenTelemetry keeps its tracer provider
process-wide, and so does azure-core its tracing plugin: :func:`configure_tracing` sets both once, from the app
factory. With tracing off every span is a no-op and costs next to nothing.

Spans carry the call's ids as attributes (``callwright.call_connection_id``, ``callwright.server_call_id``,
``callwright.correlation_id``), so one call's spans can be found across deliveries; log lines carry ``trace_id`` and
``span_id`` (:func:`app.logging.add_trace_ids`).

Example::

    configure_tracing(exporter="otlp")          # what the app factory does when OTEL_TRACES_EXPORTER=otlp
    tracer = trace.get_tracer("callwright")
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

TRACER_NAME = "callwright"
EXPORTERS = ("otlp", "console")
CALL_ATTRIBUTES = {
    "call_connection_id": "callwright.call_connection_id",
    "server_call_id": "callwright.server_call_id",
    "correlation_id": "callwright.correlation_id",
}


def configure_tracing(exporter: str) -> TracerProvider:
    """Install (once) an SDK tracer provider that exports with ``exporter``, and join azure-core's spans to it.

    Example::

        provider = configure_tracing("console")
    """
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=_resource())
        trace.set_tracer_provider(provider)
    provider.add_span_processor(BatchSpanProcessor(_exporter(exporter)))
    join_azure_sdk_spans()
    return provider


def tracing_on() -> bool:
    """Whether spans are recorded: an SDK tracer provider is installed (by :func:`configure_tracing`, by a distro such
    as azure-monitor-opentelemetry, or by a test). Without one the instrumentation makes no spans at all rather than
    no-op ones, which still cost tens of microseconds each.

    Example::

        span = tracer.start_as_current_span("work") if tracing_on() else nullcontext(INVALID_SPAN)
    """
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def _resource() -> Resource:
    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES as the SDK reads them; "callwright" only when neither names it.
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": "callwright"}))
    return resource


def join_azure_sdk_spans() -> None:
    """Make the SDK's azure-core spans (one per client method, one per HTTP request) OpenTelemetry spans, children
    of whatever span is current: the dispatch span of the event whose handler called the SDK."""
    from azure.core.settings import settings
    from azure.core.tracing.ext.opentelemetry_span import OpenTelemetrySpan

    settings.tracing_implementation = OpenTelemetrySpan


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter(out=sys.stderr)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_*


def call_attributes(ids: Mapping[str, object]) -> dict[str, str]:
    """The span attributes for whichever call ids ``ids`` holds (None and missing ones left out).

    Example::

        span.set_attributes(call_attributes({"call_connection_id": "c-1", "server_call_id": None}))
    """
    return {attribute: str(ids[key]) for key, attribute in CALL_ATTRIBUTES.items() if ids.get(key)}
