"""Per-call verdicts read from the emulator's timeline: was the call lost, stuck, or did an action run twice?

The timeline records every request ACS (the emulator) *executed*; a repeated request id that was answered from the
repeatability cache is recorded as a note instead, so counting executed requests per operation finds real
duplicates: a prompt played twice, a call answered twice.

Example::

    audit = audit_call(await control.timeline(server_call_id), expected={"answer": 1, "play": 1}, done="transfer")
    assert audit.ok, audit
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CallAudit:
    """``lost``: the call never reached its ``done`` action (or was never answered); ``stuck``: not ended by the
    deadline; ``duplicates``: executed requests beyond the expected count, per operation."""

    server_call_id: str
    answered: bool
    completed: bool
    ended: bool
    executed: Mapping[str, int]
    duplicates: Mapping[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> bool:
        return not self.answered or not self.completed

    @property
    def stuck(self) -> bool:
        return self.answered and not self.ended

    @property
    def ok(self) -> bool:
        return not self.lost and not self.stuck and not self.duplicates


def executed_requests(entries: Iterable[Any]) -> Counter[str]:
    """Operations the emulator executed and accepted (2xx) for one call, by name."""
    counts: Counter[str] = Counter()
    for entry in entries:
        status = entry.detail.get("status")
        if entry.kind == "request" and not entry.detail.get("fault") and isinstance(status, int) and status < 300:
            counts[entry.name] += 1
    return counts


def audit_call(server_call_id: str, entries: Sequence[Any], *, expected: Mapping[str, int], done: str) -> CallAudit:
    """The verdict on one call: ``expected`` maps each operation to how often it must run, ``done`` is the
    operation that completes the flow."""
    executed = executed_requests(entries)
    duplicates = {name: executed[name] - count for name, count in expected.items() if executed[name] > count}
    ended = any(entry.kind == "note" and entry.name == "call ended" for entry in entries)
    return CallAudit(
        server_call_id,
        answered=executed["answer"] >= 1,
        completed=executed[done] >= 1,
        ended=ended,
        executed=dict(executed),
        duplicates=duplicates,
    )


@dataclass
class Tally:
    """Counts over many calls, for the chaos tests' assertions and the soak table."""

    calls: int = 0
    lost: int = 0
    stuck: int = 0
    duplicates: Counter[str] = field(default_factory=Counter)
    failures: list[CallAudit] = field(default_factory=list)

    def add(self, audit: CallAudit) -> None:
        self.calls += 1
        self.lost += audit.lost
        self.stuck += audit.stuck
        self.duplicates.update(audit.duplicates)
        if not audit.ok:
            self.failures.append(audit)

    @property
    def duplicate_actions(self) -> int:
        return sum(self.duplicates.values())
