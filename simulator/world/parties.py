"""Simulated phones: how each party the emulator dials (or that calls in) behaves.

A behaviour comes from, in order: the control API (``PUT /simulator/parties/{rawId}``), the in-band convention
on the id itself (a number ending ``0486`` is busy, ...), the default set for every party
(``PUT /simulator/parties/*``), or the built-in default (answer after 1 s). ``answer="manual"`` rings until
someone answers or declines for the party (the dev phone, ``POST .../parties/{rawId}/answer``) or the ring times out.

Example::

    parties = Parties(owned_numbers=("+18005550100",))
    parties.behaviour_for(Identifier("4:+15550000486")).answer   # "busy"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from simulator.world.errors import AcsError
from simulator.world.identity import Identifier
from simulator.world.tones import parse_keys

ANSWER_MODES = ("accept", "reject", "busy", "no-answer", "fail", "app", "manual")
EVERY_PARTY = "*"  # the key of the default behaviour
TRANSFER_MODES = ("accept", "fail")

# (suffix of a phone number, substring of an ACS user id) → answer mode
_CONVENTIONS: tuple[tuple[str, str, str], ...] = (
    ("0486", "-busy", "busy"),
    ("0404", "-noanswer", "no-answer"),
    ("0603", "-decline", "reject"),
    ("0500", "-fail", "fail"),
)


@dataclass(frozen=True)
class ScriptStep:
    """What a party does for one recognize: press ``tones`` or say ``text``, ``after`` seconds into it."""

    after: float
    tones: str = ""
    text: str = ""


@dataclass(frozen=True)
class Behaviour:
    """How a simulated phone behaves. Durations are simulated seconds."""

    answer: str = "accept"
    answer_after: float = 1.0
    hang_up_after: float | None = None
    dtmf: tuple[ScriptStep, ...] = ()
    say: tuple[ScriptStep, ...] = ()
    transfer: str = "accept"
    silent: bool = False

    def step_for(self, index: int) -> ScriptStep | None:
        """The scripted input for the ``index``-th recognize aimed at this party (earliest of dtmf/say)."""
        if self.silent:
            return None
        options = [s[index] for s in (self.dtmf, self.say) if index < len(s)]
        return min(options, key=lambda s: s.after) if options else None

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "answerAfter": self.answer_after,
            "hangUpAfter": self.hang_up_after,
            "dtmf": [{"after": s.after, "tones": s.tones} for s in self.dtmf],
            "say": [{"after": s.after, "text": s.text} for s in self.say],
            "transfer": self.transfer,
            "silent": self.silent,
        }


def behaviour_from_json(body: dict[str, Any], base: Behaviour) -> Behaviour:
    """Apply a control-API body to ``base``; raises AcsError(400) on bad input."""
    changes: dict[str, Any] = {}
    if "answer" in body:
        changes["answer"] = _choice(body["answer"], ANSWER_MODES, "answer")
    if "transfer" in body:
        changes["transfer"] = _choice(body["transfer"], TRANSFER_MODES, "transfer")
    if "answerAfter" in body:
        changes["answer_after"] = _seconds(body["answerAfter"], "answerAfter")
    if "hangUpAfter" in body:
        value = body["hangUpAfter"]
        changes["hang_up_after"] = None if value is None else _seconds(value, "hangUpAfter")
    if "silent" in body:
        if not isinstance(body["silent"], bool):
            raise AcsError(400, "BadRequest", "silent must be a boolean")
        changes["silent"] = body["silent"]
    if "dtmf" in body:
        changes["dtmf"] = tuple(_step(s, "tones") for s in _steps(body["dtmf"], "dtmf"))
    if "say" in body:
        changes["say"] = tuple(_step(s, "text") for s in _steps(body["say"], "say"))
    return replace(base, **changes)


class Parties:
    """The behaviour registry; behaviours set through the control API win over conventions."""

    def __init__(self, owned_numbers: Iterable[str] = ()) -> None:
        self._owned = frozenset(owned_numbers)
        self._explicit: dict[str, Behaviour] = {}

    def set(self, raw_id: str, behaviour: Behaviour) -> None:
        self._explicit[raw_id] = behaviour

    def explicit(self, raw_id: str) -> Behaviour | None:
        return self._explicit.get(raw_id)

    def clear(self) -> None:
        self._explicit.clear()

    def is_owned(self, who: Identifier) -> bool:
        return who.is_phone and who.phone_number in self._owned

    def behaviour_for(self, who: Identifier, *, app_reachable: bool = False) -> Behaviour:
        """The behaviour of ``who``. ``app_reachable``: the target also got an IncomingCall (owned numbers then
        wait for the app by default)."""
        explicit = self._explicit.get(who.raw_id)
        if explicit is not None:
            return explicit
        for suffix, marker, mode in _CONVENTIONS:
            if (who.is_phone and who.phone_number.endswith(suffix)) or (not who.is_phone and marker in who.raw_id):
                return Behaviour(answer=mode, transfer="fail" if mode == "fail" else "accept")
        if app_reachable and self.is_owned(who):
            return Behaviour(answer="app")
        return self._explicit.get(EVERY_PARTY) or Behaviour()


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise AcsError(400, "BadRequest", f"{name} must be one of {', '.join(allowed)}")
    return str(value)


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise AcsError(400, "BadRequest", f"{name} must be a number of seconds >= 0")
    return float(value)


def _steps(value: Any, name: str) -> list[Any]:
    if isinstance(value, str | dict):
        value = [value]
    if not isinstance(value, list):
        raise AcsError(400, "BadRequest", f"{name} must be a list of steps")
    return value


def _step(item: Any, key: str) -> ScriptStep:
    if isinstance(item, str):
        item = {key: item}
    if not isinstance(item, dict) or not isinstance(item.get(key), str) or not item[key]:
        raise AcsError(400, "BadRequest", f"each step needs a non-empty string '{key}'")
    after = _seconds(item.get("after", 1.0), "after")
    if key == "tones":
        parse_keys(item[key])
    return ScriptStep(after=after, **{key: item[key]})
