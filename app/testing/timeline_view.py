"""A call's timeline as numbered, readable lines: what a failed call-script expectation prints.

Example::

    print(format_timeline(steps, time_scale=0.02, cursor=7))
    #   1.    0.00s  Caller → ACS     dial +18005550102
    #   2.    0.00s  ACS → App        IncomingCall
    #   3.    0.02s  App → ACS        answer
    #   ...
"""

from __future__ import annotations

from collections.abc import Sequence

from app.diagrams.model import ACS, APP, Step, display_id

CURSOR_LINE = "      ----- the script is here: expectations look below this line -----"


def format_timeline(steps: Sequence[Step], *, time_scale: float = 1.0, cursor: float | None = None) -> str:
    """One numbered line per step; times are simulated seconds since the call began."""
    if not steps:
        return "  (nothing happened in this call yet)"
    names = participant_names(steps)
    start = min(step.at for step in steps)
    scale = time_scale if time_scale > 0 else 1.0
    times = display_times(steps)
    lines: list[str] = []
    marked = cursor is None
    for number, (step, at) in enumerate(zip(steps, times, strict=True), 1):
        if not marked and cursor is not None and step.position > cursor:
            lines.append(CURSOR_LINE)
            marked = True
        who = f"{names.get(step.source, step.source)} → {names.get(step.destination, step.destination)}"
        if step.kind == "note":
            who = "ACS"
        lines.append(f"{number:>3}. {(at - start) / scale:>8.2f}s  {who:<30} {step.label()}")
    if not marked:
        lines.append(CURSOR_LINE)
    return "\n".join(lines)


def participant_names(steps: Sequence[Step]) -> dict[str, str]:
    """Raw id → readable name: ``App``, ``ACS``, ``Caller`` (the phone that dialled in), else the number."""
    names = {APP: "App", ACS: "ACS"}
    for step in steps:
        if step.kind == "party" and step.name == "dial" and step.actor not in names:
            names[step.actor] = f"Caller {display_id(step.actor)}"
        for who in (step.source, step.destination):
            names.setdefault(who, display_id(who))
    return names


def display_times(steps: Sequence[Step]) -> list[float]:
    """When each step happened, as near as the timeline tells: a delivery is recorded when it *finishes*, so it
    shows the time of the next non-delivery step when that is earlier; times never go backwards."""
    times: list[float] = []
    upcoming: float | None = None
    for step in reversed(steps):
        delivered = step.kind in ("event", "incoming_call")
        times.append(min(step.at, upcoming) if delivered and upcoming is not None else step.at)
        if not delivered:
            upcoming = step.at
    times.reverse()
    latest = float("-inf")
    for index, at in enumerate(times):
        latest = max(latest, at)
        times[index] = latest
    return times
