"""The spans of one call, captured with an in-memory exporter: each delivery is a server span, each event dispatched
a child of it, each ACS action a client span under the dispatch that caused it, and the SDK's own azure-core spans
join the same traces. The call's ids link the traces of its deliveries; log lines carry the trace id."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.observability.tracing import join_azure_sdk_spans
from app.testing.harness import Phone


@pytest.fixture
def callwright_flows() -> Sequence[str]:
    return ["flows.front_desk"]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    # OpenTelemetry's provider is process-wide and can be set once: install an SDK provider if none is, and collect
    # this test's spans with an exporter of its own (shut down afterwards, so it keeps nothing more).
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    join_azure_sdk_spans()
    yield exporter
    exporter.shutdown()


def _attribute(span: ReadableSpan, name: str) -> object:
    return (span.attributes or {}).get(name)


async def test_the_spans_of_one_call(phone: Phone, spans: InMemorySpanExporter) -> None:
    call = await phone.dial(phone.settings.flows.front_desk_number)
    await call.expect_answered()
    await call.expect_prompt(contains="press 1")
    finished = list(spans.get_finished_spans())
    ours = [s for s in finished if _attribute(s, "callwright.server_call_id") == call.server_call_id]

    incoming = next(s for s in ours if s.name == "dispatch IncomingCall")
    delivery = next(s for s in finished if s.context.span_id == incoming.parent.span_id)  # type: ignore[union-attr]
    assert (delivery.name, delivery.kind) == ("POST /Events", SpanKind.SERVER)
    assert _attribute(delivery, "callwright.channel") == "eventgrid"
    assert _attribute(incoming, "callwright.outcome") == "handled"

    same_trace = [s for s in finished if s.context.trace_id == incoming.context.trace_id]
    answer = next(s for s in same_trace if s.name == "ACS POST /calling/callConnections:answer")
    assert answer.kind is SpanKind.CLIENT and _attribute(answer, "http.response.status_code") == 200
    assert _is_under(answer, incoming, finished)
    azure = [s for s in same_trace if s.name.startswith("CallAutomationClient.")]
    assert azure and all(_is_under(s, incoming, finished) for s in azure), [s.name for s in same_trace]
    assert any(_is_under(s, answer, finished) and s.name.startswith(("HTTP", "POST")) for s in same_trace)

    connected = next(s for s in finished if s.name == "dispatch CallConnected" and _same_call(s, incoming))
    connection = _attribute(connected, "callwright.call_connection_id")
    recognize = next(s for s in finished if s.name.endswith(":recognize") and _is_under(s, connected, finished))
    assert connection and _attribute(recognize, "callwright.call_connection_id") == connection
    assert _attribute(recognize, "callwright.correlation_id") == _attribute(incoming, "callwright.correlation_id")


def _same_call(span: ReadableSpan, other: ReadableSpan) -> bool:
    return _attribute(span, "callwright.correlation_id") == _attribute(other, "callwright.correlation_id")


def _is_under(span: ReadableSpan, ancestor: ReadableSpan, every: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in every}
    parent = span.parent
    while parent is not None:
        if parent.span_id == ancestor.context.span_id:
            return True
        found = by_id.get(parent.span_id)
        parent = found.parent if found is not None else None
    return False
