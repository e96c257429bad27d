"""The REST pipeline every ``/calling/...`` request goes through.

HMAC → api-version → route → injected fault → repeatability → operation → timeline. Operations are small async
functions registered with :func:`operation` in the ``routes_*`` modules. A request takes its place in the timeline
when it arrives, so what it causes (a phone rings, an event is emitted) comes after it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlparse

from starlette.requests import Request
from starlette.responses import Response

from simulator.timeline import Slot
from simulator.wire.body import Body, parse_json
from simulator.wire.entra import BEARER, EntraTokenVerifier
from simulator.wire.errors import AcsError
from simulator.wire.hmac import candidate_hosts, candidate_targets, verify_request
from simulator.wire.repeatability import RepeatabilityCache, StoredResponse, fingerprint
from simulator.wire.versions import check_api_version
from simulator.world.calls import Connection
from simulator.world.identity import Identifier

if TYPE_CHECKING:
    from simulator.interfaces import FaultRules
    from simulator.world.world import World

_log = logging.getLogger("simulator.rest")
_JSON = "application/json; charset=utf-8"
_REDACTED_FIELDS = ("incomingCallContext",)


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | None = None


@dataclass
class RestContext:
    """One request as an operation sees it."""

    world: World
    params: dict[str, str]
    body: Body
    query: dict[str, list[str]]
    request_path: str
    call_connection_id: str | None = None
    server_call_id: str | None = None
    correlation_id: str | None = None

    @property
    def api_version(self) -> str:
        """The request's api-version (already checked); ACS stamps it into the events of a leg it creates."""
        return self.query["api-version"][0]

    def connection(self, *, allow_ended: bool = False) -> Connection:
        """The call connection named in the path (404/8522 unknown, 400/8528 ended)."""
        self.call_connection_id = self.params["id"]
        conn = self.world.connection(self.params["id"], allow_ended=allow_ended)
        self.bind(conn)
        return conn

    def bind(self, conn: Connection) -> None:
        self.call_connection_id = conn.id
        self.server_call_id = conn.call.server_call_id
        self.correlation_id = conn.call.correlation_id


Handler = Callable[[RestContext], Awaitable[Reply]]


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def operation(name: str, method: str, path: str) -> Callable[[Handler], Operation]:
    """Register ``handler`` for ``METHOD path``; ``{id}``/``{participant}``/``{recording}`` are path segments."""
    regex = re.escape(path)
    for param, chars in (("id", "[^/:?]+"), ("participant", "[^/?]+"), ("recording", "[^/:?]+")):
        regex = regex.replace(re.escape("{" + param + "}"), f"(?P<{param}>{chars})")

    def register(handler: Handler) -> Operation:
        return Operation(name, method, re.compile(f"^{regex}$"), handler)

    return register


@dataclass
class RestApi:
    """The ASGI-facing side of the REST surface; one per emulator."""

    world: World
    faults: FaultRules
    operations: list[Operation]
    repeatability: RepeatabilityCache = field(default_factory=RepeatabilityCache)
    entra: EntraTokenVerifier | None = None

    async def handle(self, request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        query_string = request.scope.get("query_string", b"").decode("latin-1")
        body = await request.body()
        try:
            self.authenticate_request(request, body)
            query = parse_qs(query_string)
            check_api_version((query.get("api-version") or [None])[0])
            op, params = self._route(request.method, path)
        except AcsError as error:
            return _response(error.status, error.body(), error.headers)
        return await self._run(op, params, request, path, query, body)

    def authenticate_request(self, request: Request, body: bytes) -> None:
        """HMAC-SHA256 (or Entra bearer) check of a request signed like the SDKs sign theirs: also used by the
        Identity and Rooms surfaces. Raises AcsError(401)."""
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        query_string = request.scope.get("query_string", b"").decode("latin-1")
        self._authenticate(request, candidate_targets(path, query_string), body)

    def _authenticate(self, request: Request, targets: list[str], body: bytes) -> None:
        config = self.world.config
        authorization = request.headers.get("authorization", "")
        if authorization.startswith(BEARER):
            if self.entra is None:
                raise AcsError(401, 7501, "Bearer tokens are not accepted: start the emulator with --entra-issuer.")
            self.entra.verify(authorization)
            return
        public_host = urlparse(config.public_url).netloc if config.public_url else None
        verify_request(
            method=request.method,
            targets=targets,
            headers=request.headers,
            body=body,
            access_key=config.access_key,
            hosts=candidate_hosts(request.headers.get("host"), public_host, f"{config.host}:{config.port}"),
            now=time.time(),
        )

    def _route(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        path_matched = False
        for op in self.operations:
            match = op.pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if op.method == method:
                return op, {k: unquote(v) for k, v in match.groupdict().items()}
        if path_matched:
            raise AcsError(405, 8520, f"Method {method} is not supported on {path}.")
        raise AcsError(404, "NotFound", f"Resource not found: {path}")

    async def _run(
        self,
        op: Operation,
        params: dict[str, str],
        request: Request,
        path: str,
        query: dict[str, list[str]],
        body: bytes,
    ) -> Response:
        slot = self.world.timeline.reserve()  # the request's place: before anything it causes
        ctx = RestContext(self.world, params, Body({}), query, path)

        async def execute() -> StoredResponse:
            # Inside the repeatability tracking: a held-back request is "in flight", so a repeat of it gets 409.
            fault = self.faults.rest_fault(op.name)
            if fault is not None:
                if fault.latency > 0:
                    await self.world.clock.sleep(fault.latency)
                if fault.status is not None:
                    return self._faulted(op, params, fault.status, fault.retry_after, slot)
            return await self._execute(op, ctx, body, slot)

        if RepeatabilityCache.applies(request.headers):
            outcome = await self.repeatability.run(request.headers, fingerprint(request.method, path, body), execute)
            stored = outcome.response
            if outcome.replayed:
                verdict = "refused" if outcome.rejected else f"not re-executed, answered {stored.status}"
                self.world.timeline.record(
                    "note",
                    "app",
                    f"{op.name} (repeated request id, {verdict})",
                    server_call_id=stored.server_call_id,
                    call_connection_id=ctx.call_connection_id or params.get("id"),
                    status=stored.status,
                )
        else:
            stored = await execute()
        return Response(stored.body or None, status_code=stored.status, headers=dict(stored.headers))

    async def _execute(self, op: Operation, ctx: RestContext, raw: bytes, slot: Slot) -> StoredResponse:
        parsed: dict[str, Any] = {}
        try:
            parsed = parse_json(raw)
            ctx.body = Body(parsed)
            reply = await op.handler(ctx)
            status, payload = reply.status, reply.body
        except AcsError as error:
            status, payload = error.status, error.body()
        except Exception:  # a bug must still answer in the ACS shape
            _log.exception("operation %s failed", op.name)
            status, payload = 500, {"error": {"code": "9999", "message": "Unknown internal server error."}}
        self.world.timeline.record(
            "request",
            "app",
            op.name,
            server_call_id=ctx.server_call_id,
            call_connection_id=ctx.call_connection_id,
            slot=slot,
            status=status,
            body=_redact(parsed),
            # A participant named only in the path (getParticipant) is still worth seeing in the timeline.
            **(
                {"participant": Identifier.parse_loose(ctx.params["participant"]).raw_id}
                if "participant" in ctx.params
                else {}
            ),
        )
        headers: list[tuple[str, str]] = []
        content = b""
        if payload is not None:
            content = json.dumps(payload).encode()
            headers.append(("content-type", _JSON))
        if ctx.correlation_id:
            headers.append(("x-microsoft-skype-chain-id", ctx.correlation_id))
        return StoredResponse(status, content, tuple(headers), ctx.server_call_id)

    def _faulted(
        self, op: Operation, params: dict[str, str], status: int, retry_after: float | None, slot: Slot
    ) -> StoredResponse:
        code = "9999" if status >= 500 else str(status)
        payload = {"error": {"code": code, "message": f"Injected fault for {op.name}."}}
        headers = [("content-type", _JSON)]
        if retry_after is not None:
            headers.append(("retry-after", str(max(0, round(retry_after)))))
        self.world.timeline.record(
            "request", "app", op.name, call_connection_id=params.get("id"), slot=slot, status=status, fault=True
        )
        return StoredResponse(status, json.dumps(payload).encode(), tuple(headers))


def _response(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status_code=status, headers=headers, media_type=_JSON)


def _redact(body: dict[str, Any]) -> dict[str, Any]:
    return {k: ("<redacted>" if k in _REDACTED_FIELDS else v) for k, v in body.items()}
