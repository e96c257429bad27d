"""The moment a request leaves for ACS, signalled to whoever waits on it (the action journal).

A request this process has written to its socket runs at ACS even if the process dies straight after: the kernel
still delivers what was written. So the journal of an action ACS cannot de-duplicate (a play, a recognize) is
written from that moment, not once ACS answers, and the window in which a crash repeats the action shrinks from
ACS's response time to one store write.

The signal comes from aiohttp's request tracing, on the SDK's own transport: the body about to be written, or the
headers of a request without a body. A callback registered with :func:`when_sent` runs then, in the
task that writes the request, and must not block: it schedules its work for a later turn of the event loop, after
aiohttp handed the bytes to the kernel. A transport without the signal (an
in-process fake) never calls it; the journal then writes its entry once ACS answers, as before.

Example::

    with when_sent(lambda: print("on the wire")):
        await connection.play_media(...)      # through SignallingTransport
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

import aiohttp

# The public name is a lazy module attribute, which type checkers see as Any.
from azure.core.pipeline.transport._aiohttp import AioHttpTransport

_on_sent: ContextVar[Callable[[], None] | None] = ContextVar("callwright_on_sent", default=None)


@contextmanager
def when_sent(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` (no arguments, must not block) as each request sent inside the block leaves.

    Example::

        with when_sent(mark.fire):
            await self._run(action, operation)
    """
    token = _on_sent.set(callback)
    try:
        yield
    finally:
        _on_sent.reset(token)


def send_trace() -> aiohttp.TraceConfig:
    """The aiohttp trace that turns a request leaving into the :func:`when_sent` callback.

    Example::

        aiohttp.ClientSession(trace_configs=[send_trace()])
    """
    trace = aiohttp.TraceConfig()
    trace.on_request_chunk_sent.append(_chunk_sent)
    trace.on_request_headers_sent.append(_headers_sent)
    return trace


class SignallingTransport(AioHttpTransport):
    """The SDK's aiohttp transport, with :func:`send_trace` on the session it opens (and owns, as the SDK's does).

    Example::

        CallAutomationClient(endpoint, credential, transport=SignallingTransport(read_timeout=10))
    """

    def __init__(self, *, use_env_settings: bool = True, **kwargs: Any) -> None:
        super().__init__(use_env_settings=use_env_settings, **kwargs)
        self._trust_env = use_env_settings

    async def open(self) -> None:
        if self.session is None and not self._has_been_opened:
            # The same session the SDK opens for itself (see AioHttpTransport.open), plus the trace.
            self.session = aiohttp.ClientSession(
                trust_env=self._trust_env,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trace_configs=[send_trace()],
            )
        await super().open()  # type: ignore[no-untyped-call]  # azure-core leaves it unannotated


def _fire() -> None:
    callback = _on_sent.get()
    if callback is not None:
        callback()


async def _chunk_sent(_session: aiohttp.ClientSession, _context: SimpleNamespace, _params: Any) -> None:
    _fire()


async def _headers_sent(
    _session: aiohttp.ClientSession, _context: SimpleNamespace, params: aiohttp.TraceRequestHeadersSentParams
) -> None:
    # A request with a body leaves with its body (aiohttp writes the headers with the first chunk, from a task
    # it starts later), so only a bodiless one has left once its headers are written.
    headers = params.headers
    if headers.get("Content-Length", "0") == "0" and "Transfer-Encoding" not in headers:
        _fire()
