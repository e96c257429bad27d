"""The emulator's background tasks: one cancelled before it starts (the emulator stopping) leaves nothing behind."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import warnings

from tests.simulator.conftest import Env


async def test_a_task_cancelled_before_its_first_step_does_not_leave_its_coroutine_unawaited(env: Env) -> None:
    ran: list[str] = []

    async def close_a_socket() -> None:
        ran.append("closed")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task = env.world.spawn(None, close_a_socket())
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.collect()
    assert ran == []
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
