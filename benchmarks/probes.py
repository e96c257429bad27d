"""Measurements the soak takes beside its verdicts: the journal window and per-operation store latency.

**Journal window**: for each journaled action (a play, a recognize), the time from the emulator receiving the
request to the journal write landing in Redis (negative when the write landed first), and from the request leaving
the instance to the write landing (the window in which a crash repeats the action). The landing is seen through
Redis keyspace notifications (``notify-keyspace-events Kh``: an ``hset`` on a ``jrn:`` key), received by a thread
of its own with a blocking client, so a busy event loop in this process does not delay the timestamp. Both ends
of the first figure are read on the machine's monotonic clock (the emulator's timeline counts from its own
monotonic start); it also holds the emulator's own handling of the request and the notification's delivery.

**Store latency**: every instance's ``callwright_store_operation_seconds`` histogram, read from ``/metrics`` (open
in development) just before the instance is killed and from every instance at the end of a run: mean per
operation.

Example::

    watcher = JournalWatcher(redis_url, prefix)
    watcher.start()
    ...
    windows = watcher.windows(timeline, calls)   # milliseconds, one per journaled action
    watcher.stop()
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import httpx
import redis

_JOURNALED = frozenset({"play", "recognize", "startContinuousDtmfRecognition", "stopContinuousDtmfRecognition"})
_METRIC = re.compile(r'^callwright_store_operation_seconds_(sum|count)\{operation="([a-z_]+)"\} ([0-9.e+-]+)$')


class JournalWatcher:
    """Timestamps every journal write of one store prefix as Redis executes it (see the module docstring)."""

    def __init__(self, url: str, prefix: str) -> None:
        self._client = redis.Redis.from_url(url, decode_responses=True)
        self._channel = f"__keyspace@0__:{prefix}jrn:*"
        self._marker = f"{prefix}jrn:"
        self.landed: list[tuple[float, str]] = []
        self.landed_wall: dict[str, list[float]] = {}
        self._pubsub: Any = None
        self._thread: threading.Thread | None = None
        self._running = False

    def start(self) -> None:
        self._client.config_set("notify-keyspace-events", "Kh")
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._pubsub.psubscribe(self._channel)
        self._running = True
        self._thread = threading.Thread(target=self._listen, name="journal-watcher", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while self._running:
            try:
                message = self._pubsub.get_message(timeout=0.2)
            except (redis.RedisError, OSError, ValueError):
                return
            if message is not None and message.get("data") == "hset":
                at, wall = time.monotonic(), time.time()
                channel = str(message["channel"])
                event_id = channel.split(self._marker, 1)[1]
                self.landed.append((at, event_id))
                self.landed_wall.setdefault(event_id, []).append(wall)

    def from_send(self) -> list[float]:
        """Milliseconds from the instance sending each journaled request to its journal write landing: the whole
        window, including the time the request waited to be read by ACS (the emulator), which a crash of the
        sender does not stop. Each journal entry names when its request went out (``sent``); the entries of one
        event are paired, in order, with that event's journal writes as Redis executed them."""
        found: list[float] = []
        prefix = self._marker
        for key in self._client.scan_iter(match=f"{prefix}*", count=500):
            event_id = str(key).split(prefix, 1)[1]
            landed = sorted(self.landed_wall.get(event_id, []))
            entries = [json.loads(value) for value in self._client.hgetall(key).values()]
            sent = sorted((e["at"], e["sent"]) for e in entries if isinstance(e, dict) and "sent" in e)
            for (_, sent_at), landed_at in zip(sent, landed, strict=False):
                found.append((landed_at - sent_at) * 1000)
        return found

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(2)
        if self._pubsub is not None:
            self._pubsub.close()

    def close(self) -> None:
        self._client.close()

    def windows(self, timeline: Any, calls: Iterable[str]) -> list[float]:
        """Milliseconds from the emulator receiving each journaled request to its journal write landing; negative
        when the write landed first (the entry is written as the request leaves, so it often does).

        Each journal write of event ``E`` is paired with the journaled request of ``E``'s call the emulator
        received nearest to it (a call's events run one at a time, so that is the request it records).
        """
        start = timeline._start  # the emulator's timeline counts seconds from this monotonic instant
        call_of: dict[str, str] = {}
        requests: dict[str, list[float]] = defaultdict(list)
        for server_call_id in calls:
            for entry in timeline.for_call(server_call_id):
                if entry.kind == "callback":
                    event = entry.detail.get("event") or {}
                    if event.get("id"):
                        call_of[str(event["id"])] = server_call_id
                elif entry.kind == "request" and entry.name in _JOURNALED and not entry.detail.get("fault"):
                    requests[server_call_id].append(start + entry.at)
        found: list[float] = []
        for landed_at, event_id in self.landed:
            received = requests.get(call_of.get(event_id, ""), [])
            if received:
                nearest = min(received, key=lambda at: abs(at - landed_at))
                found.append((landed_at - nearest) * 1000)
        return found


class StoreLatency:
    """Each instance's store-operation histogram, summed: ``scrape`` an instance before it is killed (its
    figures die with it) and every instance at the end; ``means()`` gives milliseconds per operation."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = defaultdict(float)
        self.counts: dict[str, float] = defaultdict(float)

    async def scrape(self, urls: Sequence[str]) -> None:
        async with httpx.AsyncClient(timeout=5.0) as client:
            for url in urls:
                try:
                    text = (await client.get(f"{url}/metrics")).text
                except httpx.HTTPError:
                    continue
                for line in text.splitlines():
                    match = _METRIC.match(line)
                    if match:
                        kind, operation, value = match.groups()
                        (self.sums if kind == "sum" else self.counts)[operation] += float(value)

    def means(self) -> dict[str, float]:
        return {op: self.sums[op] / self.counts[op] * 1000 for op in sorted(self.counts) if self.counts[op]}
