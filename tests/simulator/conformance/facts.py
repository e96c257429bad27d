"""Loading the capture facts (facts/*.json): what real ACS delivered in each SDK live-test scenario."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FACTS = Path(__file__).parent / "facts"


@cache
def common() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FACTS / "common.json").read_text())
    return data


def scenario(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FACTS / f"{name}.json").read_text())
    return data


def scenario_names() -> list[str]:
    return sorted(p.stem for p in FACTS.glob("test_*.json"))
