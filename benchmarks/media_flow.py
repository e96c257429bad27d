"""The flow the ``media`` benchmark serves with ``callwright serve``: answer with media streaming, and measure every
frame in the ``@router.media_stream()`` handler.

The handler keeps its figures in memory while the stream lasts and, once it ends, writes them as one JSON file per
stream into the directory ``CALLWRIGHT_BENCH_MEDIA_DIR`` names (``<call connection id>.json``); it also leaves an
empty ``<id>.open`` there at its first frame, so the benchmark can see how many streams are running. Per frame:
``[arrival, lag, work, dropped]``: when the handler got it (``time.monotonic()``, the machine-wide monotonic clock,
so the benchmark process can cut its window on the same clock), the time from the frame's scheduled ``timestamp``
to the handler being done (wall clock), the handler's own work, and the stream's dropped count so far.

    CALLWRIGHT_FLOW_MODULES=benchmarks.media_flow CALLWRIGHT_BENCH_MEDIA_DIR=/tmp/media callwright serve
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
from array import array
from pathlib import Path

from app import CallActions, Router
from app.actions.streaming import MediaStreaming
from app.media import MediaStream

NUMBER = "+18005550104"
ENV_DIR = "CALLWRIGHT_BENCH_MEDIA_DIR"

router = Router(name="media_bench")


@router.incoming_call(to=NUMBER)
async def answer(call: CallActions) -> None:
    await call.answer(media=MediaStreaming())


@router.media_stream()
async def measure(stream: MediaStream) -> None:
    folder = Path(os.environ.get(ENV_DIR, "."))
    name = stream.call_connection_id or str(id(stream))
    frames: list[tuple[float, float, float, int]] = []
    async for frame in stream:
        received = time.monotonic()
        samples = array("h", frame.pcm)
        _ = math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))  # the handler's work: an RMS level
        done = time.monotonic()
        lag = time.time() - frame.timestamp.timestamp() if frame.timestamp is not None else math.nan
        frames.append((received, lag, done - received, stream.dropped))
        if len(frames) == 1:
            await asyncio.to_thread((folder / f"{name}.open").touch)
    text = json.dumps({"frames": frames, "dropped": stream.dropped, "received": stream.received})
    await asyncio.to_thread((folder / f"{name}.json").write_text, text)
