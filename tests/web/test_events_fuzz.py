"""Seeded mutation fuzzing of authenticated /Events bodies: every answer is 200, 400 or 413, never a 500."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from config.settings import Settings
from tests.web.conftest import SECRET, RecordingSink, callback_headers, eventgrid_headers, fixture
from tests.web.keys import Signer

_ODD_VALUES: list[Any] = [None, 0, -1, 2**70, 1.5, "", "x" * 300, [], {}, [None], {"": None}, True, "\u0000", "\ud800"]


def _mutate(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        choice = rng.random()
        if choice < 0.3:
            return {k: v for k, v in value.items() if k != key}
        if choice < 0.6:
            return {**value, key: rng.choice(_ODD_VALUES)}
        return {**value, key: _mutate(value[key], rng)}
    if isinstance(value, list) and value:
        index = rng.randrange(len(value))
        return [*value[:index], _mutate(value[index], rng), *value[index + 1 :]]
    return rng.choice(_ODD_VALUES)


def _bodies(seed_file: str, count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    original = fixture(seed_file)
    bodies = []
    for _ in range(count):
        mutated = original
        for _ in range(rng.randint(1, 4)):
            mutated = _mutate(mutated, rng)
        raw = json.dumps(mutated).encode()
        if rng.random() < 0.2:  # byte-level damage too: truncation and flipped bytes
            raw = raw[: rng.randrange(len(raw) + 1)]
        if rng.random() < 0.1 and raw:
            position = rng.randrange(len(raw))
            raw = raw[:position] + bytes([rng.randrange(256)]) + raw[position + 1 :]
        bodies.append(raw)
    return bodies


@pytest.fixture
async def roomy(build_app: Callable[..., Starlette], settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings.model_copy(update={"max_callback_body_bytes": 262_144}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        yield http


@pytest.mark.parametrize("seed_file", ["callbacks_call_control.json", "callbacks_dtmf.json", "callbacks_play.json"])
async def test_fuzzed_callbacks_never_500(roomy: httpx.AsyncClient, signer: Signer, seed_file: str) -> None:
    statuses = set()
    for body in _bodies(seed_file, 100, seed=7):
        # A token authenticates one body (replay protection): each delivery has its own, as from ACS.
        response = await roomy.post("/Events", content=body, headers=callback_headers(signer.mint()))
        statuses.add(response.status_code)
        assert response.status_code in {200, 400, 403}, body[:200]
    assert statuses == {200, 400}  # the mutations reached both the accepting and the rejecting paths


async def test_fuzzed_eventgrid_never_500(client: httpx.AsyncClient, sink: RecordingSink) -> None:
    statuses = set()
    for seed_file in ("eventgrid_incoming_call_pstn.json", "eventgrid_subscription_validation.json"):
        for body in _bodies(seed_file, 100, seed=11):
            response = await client.post(f"/Events?secret={SECRET}", content=body, headers=eventgrid_headers())
            statuses.add(response.status_code)
            assert response.status_code in {200, 400, 413}, body[:200]
    assert {200, 400} <= statuses
