"""``callwright tail``: the emulator's live timeline as one readable line per request, event or party action.

Entries arrive in batches and carry their causal ``seq``; a delivery is recorded once the app has answered it,
so it may arrive after the requests it caused. Lines are therefore held back briefly and printed in ``seq`` order.

Example::

    Tail(sys.stdout, color=True).follow(EmulatorControl(url).stream())
    #     12.31s  3f2a9c1e  App → ACS                    answer
"""

from __future__ import annotations

import heapq
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from app.devtools.emulator import short_id
from app.diagrams.emulator import from_emulator
from app.diagrams.model import display_id

HOLD_BACK = 0.5  # seconds a line waits for entries that come before it
_COLORS = {"action": "34", "event": "35", "incoming_call": "35", "party": "32", "note": "2"}


class Tail:
    """Prints entries of every call (or of ``only``) as they come."""

    def __init__(self, out: TextIO, *, only: str | None = None, json_lines: bool = False, color: bool = False) -> None:
        self._out = out
        self._only = only
        self._json = json_lines
        self._color = color
        self._short: dict[str, str] = {}
        self._pending: list[tuple[int, float, dict[str, Any]]] = []

    def follow(self, events: Iterable[tuple[str, dict[str, Any]]]) -> None:
        for name, data in events:
            for call in data.get("calls", []):
                self._short[call["serverCallId"]] = short_id(call["correlationId"])
            entries = data.get("entries", [])
            if name == "snapshot":
                entries = entries[-20:]  # the recent past, then live
            now = time.monotonic()
            for entry in entries:
                if self._only is None or entry.get("server_call_id") == self._only:
                    heapq.heappush(self._pending, (int(entry["seq"]), now, entry))
            self.flush(None if name == "snapshot" else now)

    def flush(self, now: float | None = None) -> None:
        """Print what has waited long enough (everything when ``now`` is None)."""
        while self._pending and (now is None or now - self._pending[0][1] >= HOLD_BACK or len(self._pending) > 500):
            _, _, entry = heapq.heappop(self._pending)
            self.print(entry)
        self._out.flush()

    def print(self, entry: Mapping[str, Any]) -> None:
        if self._json:
            self._out.write(json.dumps(entry) + "\n")
            return
        steps = from_emulator([entry])
        if not steps:
            return
        step = steps[0]
        who = "ACS" if step.source == step.destination else f"{_name(step.source)} → {_name(step.destination)}"
        call = self._short.get(str(entry.get("server_call_id")), "-")
        line = f"{float(entry.get('at', 0.0)):>9.2f}s  {call:<8}  {who:<28} {step.label()}"
        if self._color:
            code = "31" if step.failed else _COLORS.get(step.kind, "0")
            line = f"\x1b[{code}m{line}\x1b[0m"
        self._out.write(line + "\n")


def _name(who: str) -> str:
    return {"app": "App", "acs": "ACS"}.get(who, display_id(who))
