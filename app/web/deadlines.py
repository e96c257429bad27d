"""Deadlines for half-sent requests, and a cap on open connections, for uvicorn's HTTP protocols.

uvicorn has no deadline for a request's headers or body: a client that connects and sends half a request holds a
connection (and a file descriptor) until it goes away. A few thousand such clients exhaust the process's file
descriptors and every request then fails. So each connection gets:

* a **header deadline**: a request's headers must be complete within ``header_timeout`` seconds of its first
  byte (or of the connection, for the first request);
* a **body deadline**: its body must be complete within ``body_timeout`` seconds of its headers;
* a **connection cap**: past ``max_connections`` open connections, a new one is closed at once (the default
  keeps well below the file-descriptor limit).

An idle keep-alive connection between two requests is not a half-sent request: no deadline runs then, and
uvicorn's keep-alive timeout decides when it closes. Nor is a connection upgraded to a WebSocket (``/media``):
its request is complete, the WebSocket protocol owns the socket from then on, and no deadline outlives the
upgrade. A reverse proxy in front should still add what a process cannot: per-client connection and rate limits,
and buffering of slow uploads (docs/security.md).

The defaults (10 s, 30 s, the cap from the file-descriptor limit) are what the Procfile, the container and
``callwright serve`` use: ``uvicorn --http app.web.deadlines:DeadlineHttpToolsProtocol`` (or
``DeadlineH11Protocol``, the same over h11).

Example::

    uvicorn.run(app, http=deadline_protocol(header_timeout=10, body_timeout=30, max_connections=4000))
"""

from __future__ import annotations

import asyncio
import resource
from typing import Any, cast

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_RESERVED_DESCRIPTORS = 128  # the state store, the SDK's pool, the JWKS client, log files...
_TIMEOUT_RESPONSE = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"


def default_max_connections() -> int:
    """Open connections allowed by default: the file-descriptor limit, less a reserve for everything else."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(16, soft - _RESERVED_DESCRIPTORS)


class _Deadlines:
    """The deadlines and cap of the module docstring, mixed into a uvicorn protocol. Both uvicorn protocols keep
    the request being read in ``self.cycle``, with ``more_body`` and ``response_complete``."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = default_max_connections()  # of this process, when the class is loaded

    # Provided by the uvicorn protocol this is mixed into.
    connections: set[Any]
    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._reading_body = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]  # the protocol's own
        if len(self.connections) > self.max_connections:
            # Over the cap: refuse now, rather than run out of file descriptors later.
            cast(asyncio.Transport, transport).abort()
            return
        self._arm(self.header_timeout)

    def data_received(self, data: bytes) -> None:
        between_requests = self._deadline is None and not self._in_request()
        super().data_received(data)  # type: ignore[misc]
        if self.transport.is_closing():
            return
        if self._in_request():
            if self.cycle.more_body:
                if not self._reading_body:  # the headers just completed: now the body has its own deadline
                    self._reading_body = True
                    self._arm(self.body_timeout)
            else:
                self._disarm()  # the whole request is in: the app has it
        elif between_requests:
            self._arm(self.header_timeout)  # the first bytes of the next request's headers

    def handle_websocket_upgrade(self, *args: Any) -> None:
        # The request is complete and the socket now belongs to the WebSocket protocol: a header deadline left
        # armed would write a 408 into the WebSocket and close it mid-stream.
        self._disarm()
        super().handle_websocket_upgrade(*args)  # type: ignore[misc]  # the protocol's own

    def on_response_complete(self) -> None:
        self._disarm()
        super().on_response_complete()  # type: ignore[misc]

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _in_request(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._reading_body = False

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if not self._in_request():
            self.transport.write(_TIMEOUT_RESPONSE)  # nothing was answered on this request yet
        self.transport.close()  # a half-read body: the app sees the client go away


class DeadlineH11Protocol(_Deadlines, H11Protocol):
    """uvicorn's h11 protocol with deadlines and a connection cap."""


class DeadlineHttpToolsProtocol(_Deadlines, HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines and a connection cap."""


def deadline_protocol(
    *,
    header_timeout: float,
    body_timeout: float,
    max_connections: int | None = None,
    base: type[_Deadlines] = DeadlineHttpToolsProtocol,
) -> type[_Deadlines]:
    """A protocol class with these limits, to pass as uvicorn's ``http``.

    Example::

        uvicorn.Config(app, http=deadline_protocol(header_timeout=10, body_timeout=30))
    """
    limits = {
        "header_timeout": header_timeout,
        "body_timeout": body_timeout,
        "max_connections": max_connections if max_connections is not None else default_max_connections(),
    }
    return type(f"Callwright{base.__name__}", (base,), limits)
