"""What a call-script expectation looks for: a description and a test on one step.

Example::

    wanted = prompt(contains="press 1")
    wanted.matches(step)        # True for a play/recognize whose prompt text contains "press 1"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.diagrams.model import Step, raw_of

RECOGNIZE_ENDINGS = frozenset({"RecognizeCompleted", "RecognizeFailed", "RecognizeCanceled"})
STREAM_STARTS = frozenset({"TranscriptionStarted", "MediaStreamingStarted"})
STREAM_ENDINGS = frozenset(
    {"TranscriptionStopped", "TranscriptionFailed", "MediaStreamingStopped", "MediaStreamingFailed"}
)


@dataclass(frozen=True)
class Expectation:
    """``description`` completes "expected ..."; ``matches`` tests one step."""

    description: str
    matches: Callable[[Step], bool]


def action(name: str | Sequence[str], description: str, *, to: str | None = None) -> Expectation:
    """A successful request by the app (``transfer``, ``addParticipant``...), aimed at ``to`` when given."""
    names = {name} if isinstance(name, str) else set(name)
    target = raw_of(to) if to else None

    def check(step: Step) -> bool:
        if step.kind != "action" or step.name not in names or step.failed:
            return False
        return target is None or target in (step.target or "").split(", ")

    return Expectation(description + (f" to {to}" if to else ""), check)


def prompt(contains: str | None = None, matches: str | None = None) -> Expectation:
    """A play or recognize whose prompt text contains ``contains`` (case-insensitive) and matches ``matches``."""
    pattern = re.compile(matches) if matches else None
    parts = [f"containing {contains!r}" if contains else "", f"matching /{matches}/" if matches else ""]

    def check(step: Step) -> bool:
        if step.kind != "action" or step.name not in ("play", "recognize") or step.failed or step.text is None:
            return False
        if contains is not None and contains.lower() not in step.text.lower():
            return False
        return pattern is None or pattern.search(step.text) is not None

    return Expectation(" ".join(["a prompt", *filter(None, parts)]), check)


def event(name: str, *, result: str | None = None) -> Expectation:
    """A callback of type ``name`` (short, ``PlayCompleted``, or full); ``result`` e.g. ``"486/8539"`` or ``"1"``."""
    short = name.rsplit(".", 1)[-1]

    def check(step: Step) -> bool:
        return step.kind == "event" and step.name == short and (result is None or step.result == result)

    return Expectation(f"the event {short}" + (f" ({result})" if result else ""), check)


def rejected(reason: str | None) -> Expectation:
    def check(step: Step) -> bool:
        ok = step.kind == "action" and step.name == "reject" and not step.failed
        return ok and (reason is None or (step.result or "").lower() == reason.lower())

    return Expectation("the app to reject the call" + (f" ({reason})" if reason else ""), check)


def hangup() -> Expectation:
    def check(step: Step) -> bool:
        if step.kind == "action":
            return step.name in ("hangUp", "terminate") and not step.failed
        return (step.kind == "note" and step.name == "call ended") or (
            step.kind == "event" and step.name == "CallDisconnected"
        )

    return Expectation("the app to hang up (or the call to end)", check)


def party(raw_id: str, name: str) -> Expectation:
    return Expectation(f"{raw_id} to {name}", lambda s: s.kind == "party" and s.actor == raw_id and s.name == name)


def listening(steps: Sequence[Step]) -> bool:
    """True when a recognize, continuous DTMF, a transcription or a media stream is running, judging from what the
    timeline shows so far."""
    recognizes = sum(1 for s in steps if s.kind == "action" and s.name == "recognize" and not s.failed)
    endings = {s.event_id or str(s.seq) for s in steps if s.kind == "event" and s.name in RECOGNIZE_ENDINGS}
    started = sum(1 for s in steps if s.kind == "action" and s.name == "startContinuousDtmf" and not s.failed)
    stopped = sum(1 for s in steps if s.kind == "action" and s.name == "stopContinuousDtmf" and not s.failed)
    return recognizes > len(endings) or started > stopped or _streaming(steps)


def _streaming(steps: Sequence[Step]) -> bool:
    """A transcription or media stream started (per its events) and has not stopped or failed since."""
    live = False
    seen: set[str] = set()
    for step in steps:
        if step.kind != "event" or (step.event_id or str(step.seq)) in seen:
            continue
        seen.add(step.event_id or str(step.seq))
        if step.name in STREAM_STARTS:
            live = True
        elif step.name in STREAM_ENDINGS:
            live = False
    return live


def ended(steps: Sequence[Step]) -> bool:
    return any(s.kind == "note" and s.name == "call ended" for s in steps)


def count_recognizes(steps: Sequence[Step]) -> int:
    return sum(1 for s in steps if s.kind == "action" and s.name == "recognize" and not s.failed)
