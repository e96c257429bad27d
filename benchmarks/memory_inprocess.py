"""The memory benchmark's in-process half: tracemalloc of the front desk's calls through the real service.

The real app (``create_app`` with ``flows.front_desk``): the /Events endpoint with its Event Grid secret check,
RS256 callback tokens and their replay bindings, the dispatcher, the memory store, and the real ``CallActions``
over the real SDK client, whose HTTP transport is :class:`~app.testing.fakes.acs.FakeAcs`. Each call gets what
ACS sends a caller who stays silent and then hangs up: IncomingCall, CallConnected (the menu's recognize is asked
for), ParticipantsUpdated, and later CallDisconnected.

Active calls run with the production windows (dedup 15 min, ACS's 5-minute tokens + the 1-minute leeway), so
their done marks and token bindings are all there, after 20 warm-up calls. Ended calls run in a second service
with every window short so that it passes within the run: dedup 1 s, callback tokens that expire 2 s after
minting with no leeway (their bindings go with them); two rounds, the first sizing the tables. One call stays up
through those rounds, as in a live service some call always has events, and its re-prompt after each window is
what lets the store and the bindings drop the passed entries. The fake's own request log is cleared before each
reading: it is the test double's, not the service's.

Example::

    figures = measure_in_process(calls=500)
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
import tracemalloc
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import IO, Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from app.logging import configure_logging
from app.testing.fakes.acs import FakeAcs
from app.web.app import create_app
from benchmarks import asgi_post, wire
from config.settings import Settings
from flows import front_desk

DEDUP_TTL_SECONDS = 1
TOKEN_SECONDS = 2
WINDOW_WAIT_SECONDS = 3.5  # past the dedup window and every token's expiry
WARM_UP_CALLS = 20


@dataclass(frozen=True)
class InProcess:
    calls: int
    active: int  # calls with the menu recognize asked for
    traced_before_active: int  # bytes traced by tracemalloc
    traced_active: int
    traced_ended: tuple[int, int]  # after each round's window (the short windows' service)
    store_entries_active: dict[str, int]
    store_entries_ended: dict[str, int]

    @property
    def active_kb_per_call(self) -> float:
        return (self.traced_active - self.traced_before_active) / self.calls / 1024

    @property
    def ended_kb_per_call(self) -> float:
        return (self.traced_ended[1] - self.traced_ended[0]) / self.calls / 1024


class _Service:
    """The app in this process, and what ACS and Event Grid would send it."""

    def __init__(self, *, short_windows: bool) -> None:
        self.token_seconds = TOKEN_SECONDS if short_windows else 300  # ACS's own lifetime: 5 minutes
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid="mem", alg="RS256", use="sig")
        keys = httpx.MockTransport(lambda _: httpx.Response(200, json={"keys": [jwk]}))
        self.jwks = httpx.AsyncClient(transport=keys)
        self.settings = Settings(
            jwt_issuer=wire.ISSUER,
            jwks_url="https://bench.callwright.invalid/keys",
            acs_resource_id=wire.AUDIENCE,
            eventgrid_secret=wire.EVENTGRID_SECRET,
            dedup_ttl_seconds=DEDUP_TTL_SECONDS if short_windows else 900,
            jwt_leeway_seconds=0 if short_windows else 60,
        )
        self.acs = FakeAcs(self.settings)
        self.app = create_app(self.settings, flows=[front_desk.router], actions=self.acs.factory, http=self.jwks)
        self.incoming: list[wire.Request] = []
        self.statuses: Counter[int] = Counter()  # not a list: the benchmark's own memory stays flat

    async def post(self, target: str, headers: dict[str, str], body: bytes) -> None:
        path, _, query = target.partition("?")
        raw = [(k.encode(), v.encode()) for k, v in {**headers, "content-length": str(len(body))}.items()]
        self.statuses[await asgi_post.post(self.app, path, query.encode(), raw, body)] += 1

    async def callback(self, index: int, event_type: str, **data: Any) -> None:
        now = int(time.time())
        claims = {"iss": wire.ISSUER, "aud": wire.AUDIENCE, "iat": now, "nbf": now, "exp": now + self.token_seconds}
        claims["jti"] = str(uuid.uuid4())
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "mem"})
        call_id = f"mem-call-{index}"
        event = {
            "id": str(uuid.uuid4()),
            "source": f"calling/callConnections/{call_id}",
            "type": f"Microsoft.Communication.{event_type}",
            "specversion": "1.0",
            "datacontenttype": "application/json",
            "time": "2026-12-01T10:00:00.0000000+00:00",
            "subject": f"calling/callConnections/{call_id}",
            "data": {
                "callConnectionId": call_id,
                "serverCallId": f"bench-incoming-{index}",
                "correlationId": str(uuid.uuid4()),
                "version": "2025-05-15",
                "publicEventType": f"Microsoft.Communication.{event_type}",
                **data,
            },
        }
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
        await self.post("/Events?flow=front_desk", headers, json.dumps([event]).encode())

    async def ring(self, index: int) -> None:
        """The call's IncomingCall, then what ACS sends once the app has answered it."""
        request = self.incoming[index]
        context = json.loads(request.body)[0]["data"]["incomingCallContext"]
        self.acs.answer_ids[context] = f"mem-call-{index}"
        await self.post(request.target, request.headers, request.body)
        await self.callback(index, "CallConnected", operationContext="fd-menu:1")
        participants = [{"identifier": {"rawId": f"4:{wire.CALLER}"}, "isMuted": False, "isOnHold": False}]
        await self.callback(index, "ParticipantsUpdated", participants=participants, sequenceNumber=1)
        self.acs.answer_ids.pop(context, None)

    async def keep_going(self, index: int) -> None:
        """The call that stays up hears nothing at its menu: a re-prompt, through the store like any event."""
        silence = {"code": 400, "subCode": 8510, "message": "Action failed, initial silence timeout reached."}
        await self.callback(index, "RecognizeFailed", operationContext="fd-menu:1", resultInformation=silence)

    async def hang_up(self, index: int) -> None:
        await self.callback(index, "CallDisconnected")

    def check_statuses(self) -> None:
        if set(self.statuses) != {200}:
            raise SystemExit(f"unexpected statuses from /Events: {dict(self.statuses)}")

    def entries(self) -> dict[str, int]:
        stats = self.app.state.store.stats
        return {name: getattr(stats, name) for name in ("claims", "documents", "locks", "seeds", "journals")}


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


async def _active(calls: int, logs: IO[str]) -> tuple[int, int, int, dict[str, int]]:
    """With the production windows (dedup 15 min, tokens 5 min + 1 min leeway): bytes before and with ``calls``
    calls at their menu, how many recognizes were asked for, and the store's entries."""
    service = _Service(short_windows=False)
    service.incoming = wire.requests_for("incoming", calls + WARM_UP_CALLS, wire.Signer())
    configure_logging("json", "INFO", stream=logs)
    async with service.app.router.lifespan_context(service.app):
        for index in range(calls, calls + WARM_UP_CALLS):  # every lazy structure built, every path run once
            await service.ring(index)
        tracemalloc.start()
        try:
            service.acs.clear()
            before = _traced()
            for index in range(calls):
                await service.ring(index)
            recognizes = sum(type(action).__name__ == "Recognize" for action in service.acs.actions)
            service.acs.clear()
            active = _traced()
        finally:
            tracemalloc.stop()
        entries = service.entries()
    await service.jwks.aclose()
    service.check_statuses()
    return before, active, recognizes, entries


async def _ended(calls: int, logs: IO[str]) -> tuple[tuple[int, int], dict[str, int]]:
    """With short windows: bytes after each of two rounds of ``calls`` calls, ended, their windows passed."""
    service = _Service(short_windows=True)
    service.incoming = wire.requests_for("incoming", 2 * calls + 1, wire.Signer())
    keeper = 2 * calls  # the call that stays up
    ended: list[int] = []
    configure_logging("json", "INFO", stream=logs)
    async with service.app.router.lifespan_context(service.app):
        await service.ring(keeper)
        tracemalloc.start()
        try:
            for first in (0, calls):
                for index in range(first, first + calls):
                    await service.ring(index)
                for index in range(first, first + calls):
                    await service.hang_up(index)
                await asyncio.sleep(WINDOW_WAIT_SECONDS)
                await service.keep_going(keeper)
                service.acs.clear()
                ended.append(_traced())
        finally:
            tracemalloc.stop()
        entries = service.entries()
    await service.jwks.aclose()
    service.check_statuses()
    return (ended[0], ended[1]), entries


def measure_in_process(calls: int) -> InProcess:
    """``calls`` calls active, then two rounds of ``calls`` ended (see the module docstring)."""
    with open(os.devnull, "w") as logs:  # log lines rendered as in production, then dropped
        before, active, recognizes, entries_active = asyncio.run(_active(calls, logs))
        ended, entries_ended = asyncio.run(_ended(calls, logs))
    return InProcess(calls, recognizes, before, active, ended, entries_active, entries_ended)
