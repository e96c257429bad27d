"""An async client for the emulator's control API (``/simulator/...``).

Example::

    async with SimulatorClient("http://127.0.0.1:8090") as sim:
        call = await sim.place_call("+15551230001", "+18005550100")
        await sim.press(call.server_call_id, "+15551230001", "1")
        await sim.wait_for(call.server_call_id, lambda entries: any(e.name.endswith("CallConnected") for e in entries))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from simulator.timeline import TimelineEntry


class SimulatorError(Exception):
    """A control-API request failed; ``status`` and ``code`` come from the error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PlacedCall:
    server_call_id: str
    correlation_id: str
    incoming_call_context: str | None
    from_: str
    to: str


@dataclass(frozen=True)
class ParticipantInfo:
    raw_id: str
    is_muted: bool
    is_on_hold: bool


@dataclass(frozen=True)
class CallInfo:
    """A call as the control API reports it; ``timeline`` is filled by :meth:`SimulatorClient.get_call` only."""

    server_call_id: str
    correlation_id: str
    state: str
    from_: str | None
    to: str | None
    participants: list[ParticipantInfo]  # the simulated parties
    call_connections: list[dict[str, Any]]
    timeline: list[TimelineEntry] = field(default_factory=list)
    app_participants: list[str] = field(default_factory=list)  # identities the app's own legs hold in the roster


@dataclass(frozen=True)
class Subscription:
    """A subscription as listed (secrets in the URL and header values are hidden by the emulator)."""

    url: str
    schema: str
    name: str
    header_names: list[str]
    status: str | None


Predicate = Callable[[list[TimelineEntry]], bool]


class SimulatorClient:
    """Every control route, typed. Pass ``http`` to reuse a client (it is then not closed by this one)."""

    def __init__(self, base_url: str, *, http: httpx.AsyncClient | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._own = http is None
        self._http = http or httpx.AsyncClient(timeout=10.0)

    async def __aenter__(self) -> SimulatorClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own:
            await self._http.aclose()

    async def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = await self._http.request(method, self._base + path, json=body)
        if response.status_code >= 400:
            try:
                error = response.json().get("error", {})
            except ValueError:
                error = {}
            raise SimulatorError(response.status_code, str(error.get("code", "")), str(error.get("message", "")))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # ----- calls
    async def place_call(self, from_: str, to: str, **opts: Any) -> PlacedCall:
        """A simulated phone ``from_`` calls ``to``; opts: callerDisplayName, customContext, behaviour,
        ringingTimeout."""
        data = await self._request("POST", "/simulator/calls", {"from": from_, "to": to, **opts})
        return PlacedCall(
            server_call_id=data["serverCallId"],
            correlation_id=data["correlationId"],
            incoming_call_context=data.get("incomingCallContext"),
            from_=data["from"],
            to=data["to"],
        )

    async def list_calls(self) -> list[CallInfo]:
        data = await self._request("GET", "/simulator/calls")
        return [_call_info(c) for c in data["calls"]]

    async def get_call(self, server_call_id: str) -> CallInfo:
        data = await self._request("GET", f"/simulator/calls/{_seg(server_call_id)}")
        return _call_info(data)

    async def timeline(self, server_call_id: str) -> list[TimelineEntry]:
        return (await self.get_call(server_call_id)).timeline

    async def wait_for(self, server_call_id: str, predicate: Predicate, timeout: float = 10.0) -> list[TimelineEntry]:  # noqa: ASYNC109 - a poll deadline, not an I/O timeout
        """Poll the call's timeline until ``predicate(entries)`` holds; TimeoutError otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            entries = await self.timeline(server_call_id)
            if predicate(entries):
                return entries
            if loop.time() > deadline:
                raise TimeoutError(f"condition not met for call {server_call_id} within {timeout} s")
            await asyncio.sleep(0.02)

    # ----- parties
    async def set_behaviour(self, party: str, **behaviour: Any) -> dict[str, Any]:
        """``answer``, ``answerAfter``, ``hangUpAfter``, ``dtmf``, ``say``, ``transfer``, ``silent``."""
        data = await self._request("PUT", f"/simulator/parties/{_seg(party)}", behaviour)
        return dict(data["behaviour"])

    async def press(self, server_call_id: str, party: str, tones: str) -> bool:
        path = f"/simulator/calls/{_seg(server_call_id)}/parties/{_seg(party)}/dtmf"
        return bool((await self._request("POST", path, {"tones": tones}))["heard"])

    async def say(self, server_call_id: str, party: str, text: str) -> bool:
        path = f"/simulator/calls/{_seg(server_call_id)}/parties/{_seg(party)}/say"
        return bool((await self._request("POST", path, {"text": text}))["heard"])

    async def hang_up_party(self, server_call_id: str, party: str) -> None:
        await self._request("POST", f"/simulator/calls/{_seg(server_call_id)}/parties/{_seg(party)}/hangup")

    # ----- rooms and groups
    async def create_room(self, participants: list[str], room_id: str | None = None) -> str:
        body: dict[str, Any] = {"participants": participants}
        if room_id:
            body["roomId"] = room_id
        return str((await self._request("POST", "/simulator/rooms", body))["roomId"])

    async def create_group(self, participants: list[str], group_call_id: str | None = None) -> str:
        body: dict[str, Any] = {"participants": participants}
        if group_call_id:
            body["groupCallId"] = group_call_id
        return str((await self._request("POST", "/simulator/groups", body))["groupCallId"])

    # ----- subscriptions and faults
    async def add_subscription(
        self, url: str, *, schema: str = "eventgrid", name: str = "callwright", headers: dict[str, str] | None = None
    ) -> None:
        body = {"url": url, "schema": schema, "name": name, "headers": headers or {}}
        await self._request("POST", "/simulator/subscriptions", body)

    async def list_subscriptions(self) -> list[Subscription]:
        data = await self._request("GET", "/simulator/subscriptions")
        return [
            Subscription(s["url"], s.get("schema", "eventgrid"), s["name"], list(s.get("headers", [])), s.get("status"))
            for s in data["value"]
        ]

    async def remove_subscription(self, name: str) -> None:
        await self._request("DELETE", f"/simulator/subscriptions/{_seg(name)}")

    async def set_rest_fault(
        self,
        operation: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        latency: float | None = None,
        times: int | None = None,
    ) -> None:
        body = _compact({"status": status, "retryAfter": retry_after, "latency": latency, "times": times})
        await self._request("PUT", f"/simulator/faults/rest/{_seg(operation)}", body)

    async def set_callback_fault(
        self,
        event_type: str,
        *,
        drop: bool | None = None,
        duplicate: int | None = None,
        delay: float | None = None,
        reorder: bool | None = None,
        times: int | None = None,
    ) -> None:
        body = _compact({"drop": drop, "duplicate": duplicate, "delay": delay, "reorder": reorder, "times": times})
        await self._request("PUT", f"/simulator/faults/callbacks/{_seg(event_type)}", body)

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/simulator/faults")

    async def reset(self) -> None:
        await self._request("POST", "/simulator/reset")


def _seg(value: str) -> str:
    return quote(value, safe="")


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _call_info(data: dict[str, Any]) -> CallInfo:
    return CallInfo(
        server_call_id=data["serverCallId"],
        correlation_id=data["correlationId"],
        state=data["state"],
        from_=data.get("from"),
        to=data.get("to"),
        participants=[
            ParticipantInfo(p["identifier"]["rawId"], bool(p["isMuted"]), bool(p["isOnHold"]))
            for p in data.get("participants", [])
        ],
        call_connections=list(data.get("callConnections", [])),
        timeline=[TimelineEntry(**entry) for entry in data.get("timeline", [])],
        app_participants=list(data.get("appParticipants", [])),
    )
