"""``Phone``: what the ``phone`` fixture gives a test. It places calls into the service, starts outbound calls
through the service's API, and configures how simulated phones behave.

Example::

    async def test_menu(phone):
        call = await phone.dial("+18005550102", from_="+15551230001")
        await call.expect_prompt(contains="press 1")
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from app.diagrams.mermaid import render_mermaid
from app.diagrams.model import display_id, raw_of
from app.testing.script import DEFAULT_TIMEOUT, ScriptedCall
from app.testing.stack import Environment
from config.settings import Settings
from simulator.client import SimulatorClient

DEFAULT_CALLER = "+15551230001"
_BEHAVIOUR_NAMES = {"answer_after": "answerAfter", "hang_up_after": "hangUpAfter"}


class Phone:
    """The test's side of the world: ``emulator`` (the control API client), ``app_url``, ``settings``."""

    def __init__(
        self,
        environment: Environment,
        emulator: SimulatorClient,
        http: httpx.AsyncClient,
        *,
        diagram_dir: Callable[[], Path] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.emulator = emulator
        self.app_url = environment.app_url
        self.emulator_url = environment.emulator_url
        self.settings: Settings = environment.settings
        self.time_scale = environment.time_scale
        self.timeout = timeout
        self.calls: list[ScriptedCall] = []
        self._http = http
        self._diagram_dir = diagram_dir

    async def dial(self, to: str, from_: str = DEFAULT_CALLER, **options: Any) -> ScriptedCall:
        """A phone ``from_`` calls ``to`` (a number the service owns); options: ``callerDisplayName``,
        ``customContext``, ``behaviour``, ``ringingTimeout`` (as the control API takes them)."""
        placed = await self.emulator.place_call(from_, to, **options)
        name = f"call {len(self.calls) + 1} ({display_id(placed.from_)} → {display_id(placed.to)})"
        return self._script(placed.server_call_id, placed.from_, name)

    async def trigger(
        self,
        flow: str,
        to: str | Sequence[str] | None = None,
        *,
        caller_id: str | None = None,
        state: dict[str, Any] | None = None,
        room_id: str | None = None,
        group_call_id: str | None = None,
        server_call_id: str | None = None,
        context: str | None = None,
        display_name: str | None = None,
    ) -> ScriptedCall:
        """Start an outbound call through the service's ``POST /api/calls`` (with its API key). The returned
        script acts as the first callee (``to``); for ``room_id``/``group_call_id``/``server_call_id`` (connect)
        it has no phone of its own: pass ``by=`` to act."""
        body: dict[str, Any] = {"flow": flow, "state": state or {}}
        connect = {
            key: value
            for key, value in (("roomId", room_id), ("groupCallId", group_call_id), ("serverCallId", server_call_id))
            if value
        }
        if connect:
            body["connect"] = connect
        else:
            body["to"] = to if isinstance(to, str) or to is None else list(to)
            body["callerId"] = caller_id
        for key, value in (("context", context), ("displayName", display_name)):
            if value is not None:
                body[key] = value
        key = self.settings.trigger_api_key.get_secret_value() if self.settings.trigger_api_key else ""
        response = await self._http.post(
            f"{self.app_url}/api/calls", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        if response.status_code != 202:
            raise AssertionError(f"POST /api/calls answered {response.status_code}: {response.text}")
        reply = response.json()
        if not reply.get("serverCallId"):
            raise AssertionError(f"POST /api/calls gave no serverCallId: {reply}")
        first = to if isinstance(to, str) else (to[0] if to else None)
        target = ", ".join(display_id(raw_of(t)) for t in ([to] if isinstance(to, str) else to or []))
        name = f"call {len(self.calls) + 1} ({flow} → {target or next(iter(connect.values()))})"
        return self._script(str(reply["serverCallId"]), first, name)

    async def set_behaviour(self, number: str, **behaviour: Any) -> dict[str, Any]:
        """How a simulated phone acts: ``answer`` (accept, busy, no-answer, reject, fail), ``answer_after``,
        ``hang_up_after``, ``dtmf``, ``say``, ``transfer`` (accept, fail), ``silent``."""
        wire = {_BEHAVIOUR_NAMES.get(name, name): value for name, value in behaviour.items()}
        return await self.emulator.set_behaviour(raw_of(number), **wire)

    def save_diagram(self, name: str, diagram: str) -> Path | None:
        """Write ``diagram`` as ``<dir>/<name>.md`` (a fenced Mermaid block); None without a directory."""
        if self._diagram_dir is None:
            return None
        path = self._diagram_dir() / f"{_slug(name)}.md"
        path.write_text(f"```mermaid\n{diagram}```\n", encoding="utf-8")
        return path

    async def save_diagrams(self) -> list[Path]:
        """Save the diagram of every call this test made (the plugin does this when a test fails)."""
        paths: list[Path] = []
        for call in self.calls:
            try:
                steps = await call.timeline()
            except Exception:  # the emulator may already be gone; a failing test must still report its own error
                steps = call.steps
            path = self.save_diagram(call.name, render_mermaid(steps, title=call.name))
            if path is not None:
                paths.append(path)
        return paths

    def _script(self, server_call_id: str, party: str | None, name: str) -> ScriptedCall:
        call = ScriptedCall(
            self.emulator,
            server_call_id,
            party=party,
            name=name,
            time_scale=self.time_scale,
            timeout=self.timeout,
            save_diagram=self.save_diagram,
        )
        self.calls.append(call)
        return call


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9+]+", "-", name).strip("-")[:80] or "call"
