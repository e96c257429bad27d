"""One step of a call as a sequence diagram sees it: who did what to whom, in causal order.

Adapters (:mod:`app.diagrams.emulator`, :mod:`app.diagrams.logs`) build steps from the emulator's timeline or from
the service's JSON log lines; :func:`app.diagrams.mermaid.render_mermaid` draws them.

Example::

    step = Step(position=3, seq=3, at=0.2, kind="action", actor="app", name="transfer", target="4:+18005550199")
    step.source, step.destination, step.label()     # ("app", "acs", "transfer(+18005550199)")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

StepKind = Literal["action", "event", "incoming_call", "party", "note"]

APP = "app"
ACS = "acs"
MAX_TEXT = 60

# Party steps where ACS acts on the phone (the arrow points at the party).
_TOWARDS_PARTY = frozenset({"ringing", "removed"})


@dataclass(frozen=True)
class Step:
    """Something that happened in a call.

    ``kind``: ``action`` (the app asked ACS), ``event`` (ACS called the app back), ``incoming_call`` (Event Grid
    delivered to the app), ``party`` (a phone did something, or ACS rang it), ``note`` (ACS changed state).
    ``position`` orders steps causally (the emulator numbers its timeline in causal order; log lines keep theirs).
    """

    position: float
    seq: int
    at: float
    kind: StepKind
    actor: str
    name: str
    server_call_id: str | None = None
    call_connection_id: str | None = None
    status: int | None = None
    target: str | None = None
    text: str | None = None
    result: str | None = None
    event_id: str | None = None
    attempt: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def source(self) -> str:
        if self.kind == "action":
            return APP
        if self.kind == "party":
            return ACS if self.name in _TOWARDS_PARTY else self.actor
        return ACS

    @property
    def destination(self) -> str:
        if self.kind == "action":
            return ACS
        if self.kind in ("event", "incoming_call"):
            return APP
        if self.kind == "party":
            return self.actor if self.name in _TOWARDS_PARTY else ACS
        return ACS

    @property
    def failed(self) -> bool:
        """An action refused by ACS, or a delivery the app did not accept."""
        return self.status is not None and not 200 <= self.status < 300

    def label(self) -> str:
        """A short readable description: ``transfer(+18005550199)``, ``RecognizeCompleted (1)``, ``press 1``."""
        text = self.name
        if self.kind == "action":
            args = [display_id(self.target)] if self.target else []
            if self.result:
                args.append(self.result)
            if self.text is not None:
                args.append(f'"{shorten(self.text)}"')
            text = f"{self.name}({', '.join(args)})" if args else self.name
            if self.failed:
                text += f" → {self.status}"
        elif self.kind in ("event", "incoming_call"):
            if self.result:
                text += f" ({self.result})"
            if self.failed or (self.attempt or 1) > 1:
                text += f" [HTTP {self.status if self.status is not None else 'no answer'}, attempt {self.attempt}]"
        elif self.kind == "party" and self.target:
            text += f" {display_id(self.target)}"
        elif self.kind == "party" and self.text:
            text += f' "{shorten(self.text)}"'
        return text


def display_id(raw_id: str | None) -> str:
    """``4:+15551230001`` → ``+15551230001``; other raw ids are kept."""
    if not raw_id:
        return ""
    return raw_id[2:] if raw_id.startswith("4:") else raw_id


def raw_of(number_or_id: str) -> str:
    """The raw id for a phone number (``+1555…`` → ``4:+1555…``); raw ids are kept."""
    return f"4:{number_or_id}" if number_or_id.startswith("+") else number_or_id


def short_type(event_type: str) -> str:
    """``Microsoft.Communication.CallConnected`` → ``CallConnected``."""
    return event_type.rsplit(".", 1)[-1]


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
