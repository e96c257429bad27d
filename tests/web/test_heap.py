"""The startup heap is frozen and the young generation's threshold raised while the app serves, then put back."""

from __future__ import annotations

import gc

from app.routing import Router
from app.web.app import create_app
from app.web.heap import frozen_startup_heap
from config.settings import Settings


def test_the_young_threshold_holds_inside_the_block_only() -> None:
    before = gc.get_threshold()
    with frozen_startup_heap(True, young_threshold=12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_zero_threshold_keeps_the_interpreters() -> None:
    before = gc.get_threshold()
    with frozen_startup_heap(False, young_threshold=0):
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0


async def test_the_served_app_runs_with_the_configured_threshold() -> None:
    settings = Settings(allow_unauthenticated_callbacks=True, eventgrid_secret="s", gc_young_threshold=23_456)
    app = create_app(settings, flows=[Router(name="heap_test")], common=[])
    before = gc.get_threshold()
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == 23_456
    assert gc.get_threshold() == before
