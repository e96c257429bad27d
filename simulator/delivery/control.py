"""Control routes for delivery: Event Grid subscriptions and injected faults.

``POST/GET /simulator/subscriptions``, ``DELETE /simulator/subscriptions/{name}``,
``GET /simulator/subscriptions/{name}/validate?code=`` (Event Grid's manual validation URL),
``GET/DELETE /simulator/faults``, ``PUT /simulator/faults/rest/{operation}``,
``PUT /simulator/faults/callbacks/{eventType}``. Bad input gets 400 (not JSON) or 422 (wrong values).

Example::

    routes = control_routes(registry, faults)
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simulator.config import SubscriptionSpec
from simulator.delivery.subscriptions import SubscriptionRegistry
from simulator.faults import CallbackFault, FaultBook
from simulator.interfaces import RestFault

_KEY = re.compile(r"^(\*|[A-Za-z][A-Za-z0-9:._-]{0,127})$")


class BadInput(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    code = "BadRequest" if status == 400 else "NotFound" if status == 404 else "InvalidInput"
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except BadInput as exc:
            return _error(exc.status, exc.message)

    return endpoint


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > 64 * 1024:
        raise BadInput(413, "body too large")
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise BadInput(400, "body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise BadInput(400, "body must be a JSON object")
    return body


def _number(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadInput(422, f"{key} must be a number between {low:g} and {high:g}")
    return float(value)


def _integer(body: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(422, f"{key} must be an integer between {low} and {high}")
    return value


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise BadInput(422, f"{key} must be true or false")
    return value


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadInput(422, f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _key(request: Request, param: str) -> str:
    value = str(request.path_params[param])
    if not _KEY.match(value):
        raise BadInput(422, f"{param} must be a name such as 'play' or 'PlayCompleted', or '*'")
    return value


def _subscription_spec(body: dict[str, Any]) -> SubscriptionSpec:
    _only(body, {"url", "schema", "name", "headers", "maxDeliveryAttempts", "eventTimeToLiveInMinutes"})
    url, name, schema = body.get("url"), body.get("name", "callwright"), body.get("schema", "eventgrid")
    headers = body.get("headers", {})
    if not isinstance(url, str) or not isinstance(name, str) or not isinstance(schema, str):
        raise BadInput(422, "url is required; url, name and schema must be strings")
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise BadInput(422, "headers must be an object of string values")
    attempts = _integer(body, "maxDeliveryAttempts", 1, 30)
    ttl_minutes = _number(body, "eventTimeToLiveInMinutes", 1, 1440)
    return SubscriptionSpec(
        url=url,
        schema=schema.lower(),
        name=name,
        headers=dict(headers),
        max_attempts=attempts if attempts is not None else 30,
        event_ttl_seconds=ttl_minutes * 60 if ttl_minutes is not None else 1440 * 60,
    )


def control_routes(registry: SubscriptionRegistry, faults: FaultBook) -> list[BaseRoute]:
    """Routes to mount on the emulator's app (they live under ``/simulator/``)."""

    async def add_subscription(request: Request) -> Response:
        spec = _subscription_spec(await _json_object(request))
        try:
            registry.add(spec)
        except ValueError as exc:
            raise BadInput(422, str(exc)) from exc
        state = registry.get(spec.name)
        return JSONResponse(state.to_json() if state else {}, status_code=201)

    async def list_subscriptions(_: Request) -> Response:
        return JSONResponse({"value": [state.to_json() for state in registry.states()]})

    async def remove_subscription(request: Request) -> Response:
        if not registry.remove(str(request.path_params["name"])):
            raise BadInput(404, "no such subscription")
        return Response(status_code=204)

    async def validate_subscription(request: Request) -> Response:
        state = registry.get(str(request.path_params["name"]))
        if state is None:
            raise BadInput(404, "no such subscription")
        code = request.query_params.get("code")
        if not code or code != state.validation_code:
            raise BadInput(422, "code does not match the subscription's current validationCode")
        state.status = "validated"
        return JSONResponse({"name": state.spec.name, "status": state.status})

    async def get_faults(_: Request) -> Response:
        return JSONResponse(faults.snapshot())

    async def clear_faults(_: Request) -> Response:
        faults.clear()
        return Response(status_code=204)

    async def put_rest_fault(request: Request) -> Response:
        operation = _key(request, "operation")
        body = await _json_object(request)
        _only(body, {"status", "retryAfter", "latency", "times"})
        status = _integer(body, "status", 400, 599)
        latency = _number(body, "latency", 0, 600) or 0.0
        if status is None and latency == 0:
            raise BadInput(422, "give a status (400-599), a latency (seconds), or both")
        fault = RestFault(
            status=status,
            retry_after=_number(body, "retryAfter", 0, 3600),
            latency=latency,
            times=_integer(body, "times", 1, 1_000_000),
        )
        faults.set_rest_fault(operation, fault)
        return JSONResponse({"operation": operation, **faults.snapshot()["rest"][operation]})

    async def put_callback_fault(request: Request) -> Response:
        event_type = _key(request, "event_type")
        body = await _json_object(request)
        _only(body, {"drop", "duplicate", "delay", "reorder", "times"})
        fault = CallbackFault(
            drop=_flag(body, "drop"),
            duplicate=_integer(body, "duplicate", 0, 100) or 0,
            delay=_number(body, "delay", 0, 3600) or 0.0,
            reorder=_flag(body, "reorder"),
            times=_integer(body, "times", 1, 1_000_000),
        )
        if fault.drop and (fault.duplicate or fault.delay or fault.reorder):
            raise BadInput(422, "drop cannot be combined with duplicate, delay or reorder")
        if not (fault.drop or fault.duplicate or fault.delay or fault.reorder):
            raise BadInput(422, "give at least one of drop, duplicate, delay, reorder")
        faults.set_callback_fault(event_type, fault)
        return JSONResponse({"eventType": event_type, **fault.to_json()})

    return [
        Route("/simulator/subscriptions", _guarded(add_subscription), methods=["POST"]),
        Route("/simulator/subscriptions", _guarded(list_subscriptions), methods=["GET"]),
        Route("/simulator/subscriptions/{name}", _guarded(remove_subscription), methods=["DELETE"]),
        Route("/simulator/subscriptions/{name}/validate", _guarded(validate_subscription), methods=["GET"]),
        Route("/simulator/faults", _guarded(get_faults), methods=["GET"]),
        Route("/simulator/faults", _guarded(clear_faults), methods=["DELETE"]),
        Route("/simulator/faults/rest/{operation}", _guarded(put_rest_fault), methods=["PUT"]),
        Route("/simulator/faults/callbacks/{event_type}", _guarded(put_callback_fault), methods=["PUT"]),
    ]
