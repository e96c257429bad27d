"""A real uvicorn server in the test's own event loop, on an ephemeral loopback port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn


@asynccontextmanager
async def serving(config: uvicorn.Config) -> AsyncIterator[int]:
    """Serve ``config`` (bound to port 0) until the block ends; yields the port it listens on.

    Example::

        async with serving(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off")) as port:
            ...
    """
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110  # uvicorn exposes a flag, not an event
            await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task
