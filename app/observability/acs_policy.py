"""An azure-core pipeline policy that measures and traces every ACS REST call of the SDK client.

It runs once per action, around the SDK's retries, so its duration is what the handler waited and its status is the
final one. The action is the request's method and path with ids replaced (``POST /calling/callConnections/{id}:play``),
so the label set stays small.

Example::

    client = build_client(settings, per_call_policies=[AcsActionPolicy(metrics, tracer)])
"""

from __future__ import annotations

import re
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import unquote, urlsplit

import structlog
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode, Tracer

from app.observability.metrics import Metrics
from app.observability.tracing import call_attributes, tracing_on

_ID_AFTER = re.compile(r"/(callConnections|participants|recordings)/([^/:?]+)")


def action_name(method: str, url: str) -> str:
    """``POST https://x/calling/callConnections/abc:play?api-version=...`` → ``POST /calling/callConnections/{id}:play``

    Example::

        action_name("GET", "https://x/calling/callConnections/c-1/participants/4%3A%2B1555")
        # 'GET /calling/callConnections/{id}/participants/{id}'
    """
    path = urlsplit(url).path
    return f"{method.upper()} {_ID_AFTER.sub(lambda match: f'/{match.group(1)}/{{id}}', path)}"


def _call_connection_id(url: str) -> str | None:
    match = _ID_AFTER.search(urlsplit(url).path)
    return unquote(match.group(2)) if match and match.group(1) == "callConnections" else None


class AcsActionPolicy(AsyncHTTPPolicy[Any, Any]):
    """Duration and status of each ACS call into ``metrics``, and a client span (``ACS <action>``) around it, with
    the call's ids from the URL and from the context bound while the event is handled."""

    def __init__(self, metrics: Metrics, tracer: Tracer) -> None:
        super().__init__()
        self._metrics = metrics
        self._tracer = tracer

    async def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        http = request.http_request
        action = action_name(http.method, http.url)
        started = time.perf_counter()
        with self._span(action, http.method, http.url) as span:
            try:
                response = await self.next.send(request)
            except Exception as error:
                self._record(action, "error", started)
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise
            status = response.http_response.status_code
            span.set_attribute("http.response.status_code", status)
            if status >= 400:
                span.set_status(Status(StatusCode.ERROR, str(status)))
            self._record(action, str(status), started)
            return response

    def _span(self, action: str, method: str, url: str) -> AbstractContextManager[Span]:
        if not tracing_on():
            return nullcontext(INVALID_SPAN)
        bound = structlog.contextvars.get_contextvars()
        ids = {**bound, "call_connection_id": _call_connection_id(url) or bound.get("call_connection_id")}
        attributes = {"callwright.acs.action": action, "http.request.method": method, **call_attributes(ids)}
        return self._tracer.start_as_current_span(f"ACS {action}", kind=SpanKind.CLIENT, attributes=attributes)

    def _record(self, action: str, status: str, started: float) -> None:
        self._metrics.child(self._metrics.acs_seconds, action, status).observe(time.perf_counter() - started)
        if status == "error" or int(status) >= 400:
            self._metrics.child(self._metrics.acs_errors, action, status).inc()
