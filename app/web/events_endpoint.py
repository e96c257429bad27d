"""The ``/Events`` endpoint: authenticate, read, parse, answer handshakes, and hand each event to the sink.

One route serves two senders, told apart by headers before the body is read (never by trial):

* Event Grid (``aeg-event-type`` header present): the shared secret (query parameter or delivery header) and the
  subscription allow-list; the ``SubscriptionValidation`` handshake; ``IncomingCall`` and other system events.
* ACS mid-call callbacks (no ``aeg-event-type``): ``Authorization: Bearer <RS256 JWT>``.

Each channel carries only its own event types (:mod:`app.web.channels`): the Event Grid secret cannot post a
Call Automation callback, and a callback token cannot post an Event Grid event. A mismatch is refused with 403.

Status codes: 200 (empty body) for every authenticated, well-formed delivery (even when a handler fails: that is
logged); 400 malformed; 401 unauthenticated; 403 validation from an unknown subscription, or an event type the channel
does not carry; 405 other methods; 413 too large; 415 wrong content type; 503 (+ ``Retry-After``) when signing
keys or the state store are unavailable.

The CloudEvents abuse-protection ``OPTIONS`` handshake is granted to any origin, because consent alone grants
nothing: every POST is authenticated on its own. When the request carries the Event Grid secret (in the query
string, where Event Grid keeps it for the handshake, or in the header), a wrong secret is refused with 401.

Example::

    endpoint = EventsEndpoint(settings, callbacks=validator, eventgrid=authenticator, sink=dispatcher)
    app = Starlette(routes=[Route("/Events", endpoint, methods=["POST", "OPTIONS"])])
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from app.auth.errors import AuthenticationError, AuthUnavailableError
from app.auth.eventgrid import EVENT_TYPE_HEADER, VALIDATION_EVENT_TYPE, EventGridAuthenticator
from app.auth.jwt import CallbackTokenValidator, VerifiedToken
from app.auth.replay import MemoryTokenBindings, TokenBindings
from app.events import CallEvent, EventParseError, SubscriptionValidation, parse_events
from app.logging import BoundValues, bind_call, collect_actions, get_logger
from app.observability.edge import DeliveryObserver
from app.state.errors import StateError
from app.web.body import BodyError, check_content_type, decode_json, read_limited
from app.web.channels import Channel, channel_problem
from app.web.errors import error_response
from app.web.query import query_values
from app.web.sink import EventSink, SinkUnavailable
from config.settings import Settings

__all__ = ["EventSink", "EventsEndpoint", "SinkUnavailable", "auth_warnings"]

ALLOWED_METHODS = "POST, OPTIONS"
_FLOW = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
_SEED = re.compile(r"[A-Za-z0-9_-]{8,64}")
_ORIGIN = re.compile(r"[A-Za-z0-9.:*\[\]-]{1,255}")


def auth_warnings(settings: Settings) -> list[str]:
    """Warnings to log at startup for each inbound check the settings switch off.

    Example::

        for warning in auth_warnings(settings):
            log.warning("auth_relaxed", detail=warning)
    """
    warnings = []
    if settings.allow_unauthenticated_eventgrid:
        warnings.append(
            "Event Grid deliveries on /Events are NOT authenticated (CALLWRIGHT_ALLOW_UNAUTHENTICATED_EVENTGRID): "
            "anyone who knows the URL can post IncomingCall events"
        )
    if settings.allow_unauthenticated_callbacks:
        warnings.append(
            "ACS callbacks on /Events are NOT authenticated (CALLWRIGHT_ALLOW_UNAUTHENTICATED_CALLBACKS): "
            "anyone who knows the URL can post call events"
        )
    return warnings


class _Rejected(Exception):
    def __init__(self, response: Response, reason: str) -> None:
        super().__init__(reason)
        self.response = response
        self.reason = reason


class EventsEndpoint:
    """The raw ASGI app behind ``/Events`` (see the module docstring for the rules).

    ``token_bindings`` remembers which body each callback token came with (replay protection, see
    :mod:`app.auth.replay`); it defaults to an in-process memory (``create_app`` shares Redis's with the Redis
    store). Bindings that cannot be reached answer 503 + ``Retry-After``.

    ``callbacks``/``eventgrid`` may be None only when the matching ``allow_unauthenticated_*`` setting is on;
    otherwise a missing authenticator refuses every request of that channel (fail closed).

    Example::

        endpoint = EventsEndpoint(settings, callbacks=validator, eventgrid=authenticator, sink=dispatcher)
        Route("/Events", endpoint, methods=["POST", "OPTIONS"])
    """

    def __init__(
        self,
        settings: Settings,
        *,
        callbacks: CallbackTokenValidator | None,
        eventgrid: EventGridAuthenticator | None,
        sink: EventSink,
        observer: DeliveryObserver | None = None,
        token_bindings: TokenBindings | None = None,
    ) -> None:
        self.settings = settings
        self.callbacks = callbacks
        self.eventgrid = eventgrid
        self.sink = sink
        self.observer = observer
        self.token_bindings: TokenBindings = token_bindings or MemoryTokenBindings()
        self._log = get_logger("callwright.web")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        channel: Channel = "eventgrid" if EVENT_TYPE_HEADER in request.headers else "callback"
        delivery = (
            self.observer.delivery(request.method, scope["path"], channel, request.headers)
            if self.observer is not None
            else nullcontext(None)
        )
        with delivery as span, BoundValues({"channel": channel}):
            try:
                response = await self._handle(request, channel)
            except _Rejected as rejected:
                response = rejected.response
                self._log.warning("events_rejected", status=response.status_code, reason=rejected.reason)
                if self.observer is not None:
                    self.observer.rejected(channel, response.status_code, rejected.reason)
            except Exception:
                self._log.exception("events_internal_error")
                response = _error(500, "internal_error", "the request could not be processed")
            if span is not None:
                span.set_attribute("http.response.status_code", response.status_code)
        await response(scope, receive, send)

    async def _handle(self, request: Request, channel: Channel) -> Response:
        query = query_values(request.scope.get("query_string", b""))
        if request.method == "OPTIONS":
            return self._abuse_protection(request, query)
        if request.method != "POST":
            raise _Rejected(_error(405, "method_not_allowed", "use POST", headers={"Allow": ALLOWED_METHODS}), "method")
        token: VerifiedToken | None = None
        if channel == "eventgrid":
            self._authenticate_eventgrid(request, query)
        else:
            token = await self._authenticate_callback(request)
        flow, seed = self._binding(query)
        limit = (
            self.settings.max_eventgrid_body_bytes if channel == "eventgrid" else self.settings.max_callback_body_bytes
        )
        try:
            check_content_type(request.headers.get("content-type"))
            raw = await read_limited(request, limit)
            if token is not None:
                await self._bind_token(token, raw)
            payload = decode_json(raw)
        except BodyError as error:
            raise _Rejected(_error(error.status, error.code, error.detail), error.code) from None
        events = self._parse(payload)
        self._check_channel(events, channel)
        if channel == "eventgrid":
            validation = self._validation(request, events)
            if validation is not None:
                return validation
        return await self._dispatch(events, channel, flow, seed)

    # --- authentication -------------------------------------------------------------------------------------------

    def _authenticate_eventgrid(self, request: Request, query: Mapping[str, str]) -> None:
        if self.settings.allow_unauthenticated_eventgrid:
            return
        if self.eventgrid is None:
            raise _Rejected(_error(401, "unauthorized", "not authenticated"), "no Event Grid authenticator")
        try:
            self.eventgrid.authenticate(query=query, headers=request.headers)
        except AuthenticationError as error:
            code = "forbidden" if error.status_code == 403 else "unauthorized"
            raise _Rejected(_error(error.status_code, code, "not authenticated"), error.reason) from None

    async def _authenticate_callback(self, request: Request) -> VerifiedToken | None:
        if self.settings.allow_unauthenticated_callbacks:
            return None
        if self.callbacks is None:
            raise _Rejected(_error(401, "unauthorized", "not authenticated"), "no callback validator")
        try:
            return await self.callbacks.verify(request.headers.get("authorization"))
        except AuthUnavailableError as error:
            response = _error(503, "auth_unavailable", "try again later", {"Retry-After": str(error.retry_after)})
            raise _Rejected(response, error.reason) from None
        except AuthenticationError as error:
            response = _error(401, "unauthorized", "not authenticated", {"WWW-Authenticate": "Bearer"})
            raise _Rejected(response, error.reason) from None

    async def _bind_token(self, token: VerifiedToken, body: bytes) -> None:
        """A callback token authenticates one body: replayed with another body (another call's), it is refused."""
        lifetime = token.expires_at + self.settings.jwt_leeway_seconds - time.time()
        try:
            bound = await self.token_bindings.bind(token.fingerprint, hashlib.sha256(body).digest(), lifetime)
        except StateError as error:  # shared bindings (Redis) unreachable: fail closed, retryably
            response = _error(503, "unavailable", "try again later", {"Retry-After": "1"})
            raise _Rejected(response, f"token bindings unavailable: {type(error).__name__}") from None
        if not bound:
            response = _error(401, "unauthorized", "not authenticated", {"WWW-Authenticate": "Bearer"})
            raise _Rejected(response, "callback token replayed with another body")

    def _abuse_protection(self, request: Request, query: Mapping[str, str]) -> Response:
        checks_secret = not self.settings.allow_unauthenticated_eventgrid and self.eventgrid is not None
        if checks_secret and self.eventgrid is not None:
            headers = request.headers
            if self.eventgrid.secret_presented(query=query, headers=headers) and not self.eventgrid.secret_matches(
                query=query, headers=headers
            ):
                raise _Rejected(_error(401, "unauthorized", "not authenticated"), "wrong Event Grid secret (OPTIONS)")
        origin = request.headers.get("webhook-request-origin")
        if origin is None:
            return Response(status_code=200, headers={"Allow": ALLOWED_METHODS})
        if not _ORIGIN.fullmatch(origin.strip()):
            raise _Rejected(_error(400, "bad_origin", "WebHook-Request-Origin is not a host name"), "bad origin")
        self._log.info("abuse_protection_granted", origin=origin.strip())
        return Response(
            status_code=200,
            headers={
                "WebHook-Allowed-Origin": origin.strip(),
                "WebHook-Allowed-Rate": "*",
                "Allow": ALLOWED_METHODS,
            },
        )

    # --- body -----------------------------------------------------------------------------------------------------

    def _binding(self, query: Mapping[str, str]) -> tuple[str | None, str | None]:
        flow = query.get("flow")
        if flow is not None and not _FLOW.fullmatch(flow):
            raise _Rejected(_error(400, "bad_flow", "the flow parameter is not a flow name"), "bad flow parameter")
        seed = query.get("seed")
        if seed is not None and not _SEED.fullmatch(seed):
            raise _Rejected(_error(400, "bad_seed", "the seed parameter is not a seed token"), "bad seed parameter")
        return flow, seed

    def _parse(self, payload: Any) -> list[CallEvent]:
        try:
            return parse_events(payload)
        except EventParseError as error:
            raise _Rejected(_error(400, "invalid_events", str(error)), f"invalid events: {error}") from None
        except (RecursionError, ValueError, TypeError):
            raise _Rejected(_error(400, "invalid_events", "the events could not be read"), "invalid events") from None

    def _check_channel(self, events: list[CallEvent], channel: Channel) -> None:
        for event in events:
            problem = channel_problem(event, channel)
            if problem is not None:
                # 403: authenticated, but not for this: neither Event Grid nor ACS retries it.
                response = _error(403, "wrong_channel", problem)
                raise _Rejected(response, f"wrong channel: {problem} (event {event.id[:64]!r})")

    def _validation(self, request: Request, events: list[CallEvent]) -> Response | None:
        handshake = next((event for event in events if isinstance(event, SubscriptionValidation)), None)
        announced = request.headers.get(EVENT_TYPE_HEADER, "").strip().lower() == VALIDATION_EVENT_TYPE.lower()
        if handshake is None:
            if announced:
                raise _Rejected(_error(400, "invalid_events", "no validation event in the body"), "no validation event")
            return None
        self._log.info("subscription_validated", event_id=handshake.id, subscription=_subscription(request))
        # Must be 200: Event Grid does not accept 202 for the handshake.
        return JSONResponse({"validationResponse": handshake.validation_code}, status_code=200)

    # --- dispatch -------------------------------------------------------------------------------------------------

    async def _dispatch(self, events: list[CallEvent], channel: str, flow: str | None, seed: str | None) -> Response:
        failed = 0
        for event in events:
            with bind_call(
                call_connection_id=event.call_connection_id,
                server_call_id=event.server_call_id,
                correlation_id=event.correlation_id,
                event_type=event.type,
                event_id=event.id,
            ):
                started = time.perf_counter()
                with collect_actions() as actions:
                    try:
                        await self.sink.dispatch(event, flow=flow, seed=seed)
                    except SinkUnavailable as error:
                        self._log.error("event_sink_unavailable", error=str(error))
                        return _error(503, "unavailable", "try again later", {"Retry-After": str(error.retry_after)})
                    except Exception:
                        failed += 1
                        self._log.exception("event_dispatch_failed")
                    finally:
                        # The one INFO line of an event: logged once it is handled, with what it caused.
                        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
                        self._log.info("event_received", flow=flow, actions=actions, ms=elapsed_ms)
        if failed:
            self._log.info("events_failed", received=len(events), failed=failed)
        # An empty body: the senders read only the status, and uvicorn writes a body as a second TCP segment, which
        # costs about as much as the rest of a no-action event.
        return Response(status_code=200)


def _subscription(request: Request) -> str | None:
    return request.headers.get("aeg-subscription-name")


def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    return error_response(status, code, detail, headers=headers)
