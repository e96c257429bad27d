"""Draw a call's steps as a Mermaid ``sequenceDiagram``: App, ACS and each phone, like the figures in the ACS guide.

Example::

    print(render_mermaid(from_emulator(call_json), title="Front desk: press 1"))
    # sequenceDiagram
    #     autonumber
    #     participant App
    #     participant ACS
    #     participant P1 as Caller +15551230001
    #     P1->>ACS: dial +18005550102
    #     ACS-->>App: IncomingCall
    #     App->>ACS: answer
    #     ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.diagrams.model import ACS, APP, Step, display_id

_ALIASES = {APP: "App", ACS: "ACS"}
_HIDDEN_EVENTS = frozenset({"SubscriptionValidation"})
_ENTITIES = {"#": "#35;", ";": "#59;", "<": "#lt;", ">": "#gt;"}
_SPECIAL = re.compile("[#;<>]")


def render_mermaid(steps: Iterable[Step], *, title: str | None = None) -> str:
    """The Mermaid source (ending in a newline) for ``steps`` in the order given."""
    shown = visible_steps(list(steps))
    parties = party_names(shown)
    lines = ["sequenceDiagram"]
    if title:
        lines.append(f"    title {escape(title)}")
    lines += ["    autonumber", "    participant App", "    participant ACS"]
    lines += [f"    participant {alias} as {escape(name)}" for alias, name in parties.values()]

    def alias(who: str) -> str:
        return _ALIASES.get(who) or parties[who][0]

    for step in shown:
        if step.kind == "note":
            lines.append(f"    Note over ACS: {escape(step.label())}")
            continue
        arrow = _arrow(step)
        lines.append(f"    {alias(step.source)}{arrow}{alias(step.destination)}: {escape(step.label())}")
    return "\n".join(lines) + "\n"


def escape(text: str) -> str:
    """Make ``text`` safe inside a Mermaid message (``;`` and ``#`` end or start statements and entities)."""
    return _SPECIAL.sub(lambda match: _ENTITIES[match.group()], " ".join(text.split()))


def visible_steps(steps: list[Step]) -> list[Step]:
    """The steps a diagram draws (handshakes and a note repeating a delivered IncomingCall are left out)."""
    delivered = any(step.kind == "incoming_call" and step.name == "IncomingCall" for step in steps)
    return [
        step
        for step in steps
        if not (step.kind == "incoming_call" and step.name in _HIDDEN_EVENTS)
        and not (step.kind == "note" and step.name == "IncomingCall" and delivered)
    ]


def party_names(steps: list[Step]) -> dict[str, tuple[str, str]]:
    """raw id → (Mermaid alias, display name); the phone that dialled in is the Caller."""
    parties: dict[str, tuple[str, str]] = {}
    for step in steps:
        for who in (step.source, step.destination):
            if who in _ALIASES or who in parties:
                continue
            role = "Caller " if step.kind == "party" and step.name == "dial" and who == step.actor else ""
            parties[who] = (f"P{len(parties) + 1}", f"{role}{display_id(who)}")
    return parties


def _arrow(step: Step) -> str:
    dashed = step.kind in ("event", "incoming_call")
    if step.failed:
        return "--x" if dashed else "-x"
    return "-->>" if dashed else "->>"
