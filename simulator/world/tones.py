"""DTMF keys and their wire names (``"1"`` ↔ ``"one"``, ``"#"`` ↔ ``"pound"``)."""

from __future__ import annotations

from simulator.world.errors import AcsError

KEY_TO_TONE = {
    "0": "zero",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "seven",
    "8": "eight",
    "9": "nine",
    "*": "asterisk",
    "#": "pound",
    "A": "a",
    "B": "b",
    "C": "c",
    "D": "d",
}
TONES = frozenset(KEY_TO_TONE.values())


def parse_keys(keys: str) -> list[str]:
    """``"12#"`` → ``["one", "two", "pound"]``; raises AcsError(400) on anything else."""
    tones = []
    for key in keys.upper():
        if key not in KEY_TO_TONE:
            raise AcsError(400, "BadRequest", f"'{key}' is not a DTMF key (0-9, *, #, A-D)")
        tones.append(KEY_TO_TONE[key])
    return tones


def normalize_tone(value: object) -> str | None:
    """A wire tone name (case-insensitive), or None when it is not one."""
    if not isinstance(value, str):
        return None
    lowered = value.lower()
    if lowered in TONES:
        return lowered
    return KEY_TO_TONE.get(value.upper())
