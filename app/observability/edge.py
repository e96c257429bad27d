"""Instrumentation at the ``/Events`` edge: a server span per delivery, and a span plus metrics per event dispatched
(by wrapping the sink the endpoint hands events to, so the dispatcher itself is untouched).

Example::

    sink = ObservedSink(dispatcher, metrics, tracer)
    endpoint = EventsEndpoint(settings, ..., sink=sink, observer=DeliveryObserver(metrics, tracer))
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext

from opentelemetry import propagate
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode, Tracer

from app.errors import SinkUnavailable
from app.events import CallEvent, UnknownEvent
from app.observability.metrics import Metrics, event_label
from app.observability.tracing import call_attributes, tracing_on
from app.web.sink import EventSink

_CONNECTED = "Microsoft.Communication.CallConnected"
_DISCONNECTED = "Microsoft.Communication.CallDisconnected"
_AUTH_STATUSES = frozenset({401, 403, 503})


class DeliveryObserver:
    """The span of one ``/Events`` request and the count of requests refused before dispatch."""

    def __init__(self, metrics: Metrics, tracer: Tracer) -> None:
        self._metrics = metrics
        self._tracer = tracer

    @contextmanager
    def delivery(self, method: str, path: str, channel: str, headers: Mapping[str, str]) -> Iterator[Span]:
        """A server span for the request, continuing a ``traceparent`` the sender may have sent."""
        if not tracing_on():
            yield INVALID_SPAN
            return
        with self._tracer.start_as_current_span(
            f"{method} {path}",
            context=propagate.extract(headers),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path, "callwright.channel": channel},
        ) as span:
            yield span

    def rejected(self, channel: str, status: int, reason: str) -> None:
        """A request refused with ``status``; 401, 403 and 503 before dispatch are authentication refusals, whose
        reasons are the authenticators' fixed phrases."""
        self._metrics.rejected.labels(channel=channel, status=str(status)).inc()
        if status in _AUTH_STATUSES:
            self._metrics.auth_rejections.labels(channel=channel, reason=reason).inc()


class ObservedSink:
    """``inner`` (the dispatcher) with a span and metrics around each event it dispatches."""

    def __init__(self, inner: EventSink, metrics: Metrics, tracer: Tracer) -> None:
        self.inner = inner
        self._metrics = metrics
        self._tracer = tracer

    async def dispatch(self, event: CallEvent, *, flow: str | None, seed: str | None = None) -> object:
        label = event_label(event.type, known=not isinstance(event, UnknownEvent))
        started = time.perf_counter()
        with self._span(event, label, flow) as span:
            try:
                result = await self.inner.dispatch(event, flow=flow, seed=seed)
            except SinkUnavailable:
                self._count(event, label, "unavailable", span)
                raise
            except Exception:
                self._count(event, label, "failed", span)
                raise
            finally:
                self._metrics.child(self._metrics.event_seconds, label).observe(time.perf_counter() - started)
            self._count(event, label, str(result), span)  # the dispatcher's Outcome: handled, duplicate...
            return result

    def _span(self, event: CallEvent, label: str, flow: str | None) -> AbstractContextManager[Span]:
        if not tracing_on():
            return nullcontext(INVALID_SPAN)
        ids = {
            "call_connection_id": event.call_connection_id,
            "server_call_id": event.server_call_id,
            "correlation_id": event.correlation_id,
        }
        attributes = {"callwright.event.type": event.type, "callwright.event.id": event.id, **call_attributes(ids)}
        if flow:
            attributes["callwright.flow"] = flow
        return self._tracer.start_as_current_span(f"dispatch {label}", attributes=attributes)

    def _count(self, event: CallEvent, label: str, outcome: str, span: Span) -> None:
        span.set_attribute("callwright.outcome", outcome)
        if outcome in ("failed", "unavailable"):
            span.set_status(Status(StatusCode.ERROR, outcome))
        self._metrics.child(self._metrics.events, label, outcome).inc()
        if outcome in ("duplicate", "unavailable"):
            return  # seen before, or to be redelivered: counted when it is processed
        if event.type == _CONNECTED:
            self._metrics.active_calls.inc()
        elif event.type == _DISCONNECTED:
            self._metrics.active_calls.dec()
