"""A small synchronous client of the emulator's control API, for command-line tools.

Calls are named by short ids: the first 8 characters of the call's correlation id (unique per call, unlike the
long serverCallId whose prefix is the same for every call). A full serverCallId, a longer correlation-id prefix or
a call-connection-id prefix is accepted too.

Example::

    emulator = EmulatorControl("http://127.0.0.1:8090")
    call = emulator.find("3f2a9c1e")
    emulator.press(call, "12#")
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from app.errors import CallwrightError

SHORT_ID = 8


class EmulatorError(CallwrightError):
    """An expected failure (emulator down, unknown call, refused input); the message is one readable line."""


@dataclass(frozen=True)
class CallRef:
    """A call as the tools show it."""

    server_call_id: str
    correlation_id: str
    state: str
    from_: str | None
    to: str | None
    participants: tuple[str, ...]
    connections: tuple[str, ...]

    @property
    def short_id(self) -> str:
        return short_id(self.correlation_id)

    @property
    def caller(self) -> str | None:
        """Who the tools act as by default: the phone that dialled in, else the first participant."""
        return self.from_ or (self.participants[0] if self.participants else None)

    def to_json(self) -> dict[str, Any]:
        """What ``--json`` prints: the short id, the serverCallId, state and parties."""
        return {
            "id": self.short_id,
            "serverCallId": self.server_call_id,
            "state": self.state,
            "from": self.from_,
            "to": self.to,
            "participants": list(self.participants),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallRef:
        return cls(
            server_call_id=str(data["serverCallId"]),
            correlation_id=str(data["correlationId"]),
            state=str(data.get("state", "")),
            from_=data.get("from"),
            to=data.get("to"),
            participants=tuple(p["identifier"]["rawId"] for p in data.get("participants", [])),
            connections=tuple(c["callConnectionId"] for c in data.get("callConnections", [])),
        )


def short_id(correlation_id: str) -> str:
    return correlation_id.replace("-", "")[:SHORT_ID]


def raw_id(party: str) -> str:
    """``+1555…`` → ``4:+1555…``; raw ids are kept."""
    return f"4:{party}" if party.startswith("+") else party


class EmulatorControl:
    """The control-API routes the tools use; every failure becomes an :class:`EmulatorError`."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmulatorControl:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def calls(self) -> list[CallRef]:
        return [CallRef.from_json(c) for c in self._request("GET", "/simulator/calls")["calls"]]

    def call(self, server_call_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self._request("GET", f"/simulator/calls/{quote(server_call_id, safe='')}")
        return data

    def find(self, name: str) -> CallRef:
        """The call named by a short id, a serverCallId, or a correlation/call-connection id prefix."""
        wanted = name.replace("-", "").lower()
        calls = self.calls()
        exact = [c for c in calls if c.server_call_id == name]
        matches = exact or [
            c
            for c in calls
            if c.correlation_id.replace("-", "").lower().startswith(wanted)
            or any(conn.replace("-", "").lower().startswith(wanted) for conn in c.connections)
        ]
        if not matches:
            raise EmulatorError(f"no call {name!r} in the emulator at {self.base_url} (see: callwright calls)")
        if len(matches) > 1:
            raise EmulatorError(f"{name!r} names {len(matches)} calls; give more characters")
        return matches[0]

    def dial(self, from_: str, to: str) -> CallRef:
        placed = self._request("POST", "/simulator/calls", {"from": from_, "to": to})
        return self.find(str(placed["serverCallId"]))

    def act(self, call: CallRef, party: str | None, verb: str, body: Mapping[str, Any] | None = None) -> Any:
        """``verb`` is dtmf, say, silence, hangup or answer; ``party`` defaults to the caller."""
        who = raw_id(party) if party else call.caller
        if who is None:
            raise EmulatorError(f"call {call.short_id} has nobody to act as; pass --as PARTY")
        path = f"/simulator/calls/{quote(call.server_call_id, safe='')}/parties/{quote(who, safe='')}/{verb}"
        return self._request("POST", path, body or {})

    def end(self, call: CallRef, reason: str) -> None:
        """End ``call`` for everyone (``reason`` goes into its timeline)."""
        self._request("DELETE", f"/simulator/calls/{quote(call.server_call_id, safe='')}", {"reason": reason})

    def stream(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The live stream's events: ``("snapshot", {...})`` first, then ``("batch", {...})`` and, while the
        stream is idle, ``("tick", {})`` about once a second."""
        try:
            with self._http.stream("GET", "/simulator/stream", timeout=httpx.Timeout(10.0, read=None)) as reply:
                if reply.status_code != 200:
                    raise EmulatorError(f"the emulator at {self.base_url} answered {reply.status_code} for its stream")
                event = ""
                for line in reply.iter_lines():
                    if line.startswith(":"):
                        yield "tick", {}  # the stream is idle: a chance to print what was held back
                    elif line.startswith("event: "):
                        event = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        yield event, json.loads(line.removeprefix("data: "))
        except httpx.HTTPError as error:
            raise EmulatorError(self._unreachable(error)) from None

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        try:
            reply = self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise EmulatorError(self._unreachable(error)) from None
        if reply.status_code >= 400:
            raise EmulatorError(f"the emulator refused: {_message(reply)} (HTTP {reply.status_code})")
        return reply.json() if reply.content else None

    def _unreachable(self, error: httpx.HTTPError) -> str:
        return f"cannot reach the emulator at {self.base_url} ({type(error).__name__}); is `make run` running?"


def _message(reply: httpx.Response) -> str:
    try:
        error = reply.json().get("error", {})
    except ValueError:
        return reply.text[:200]
    return str(error.get("message") or error.get("code") or reply.reason_phrase)


def default_emulator_url() -> str:
    """The ACS endpoint of the settings (the emulator in development), for tools given no ``--emulator``."""
    from config.settings import SettingsError, load_settings

    try:
        return load_settings().endpoint
    except SettingsError as error:
        raise EmulatorError(f"{error}; pass --emulator URL") from None
