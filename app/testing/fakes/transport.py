"""An in-process HTTP transport for the real SDK client: requests are answered by a fake ACS, never sent.

This is the layer the fast tests fake: everything above it (``CallActions``, the SDK's request building, HMAC
signing, response parsing, error mapping) is the real code. :class:`FakeAcsTransport` hands each request to a
``handler`` (``FakeAcs.handle``) and wraps the reply in an ``azure.core.rest.AsyncHttpResponse``.

Example::

    transport = FakeAcsTransport(acs.handle)
    client = CallAutomationClient(endpoint, AzureKeyCredential(key), transport=transport, retry_total=0)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.core.rest import AsyncHttpResponse, HttpRequest
from azure.core.utils import CaseInsensitiveDict


@dataclass(frozen=True)
class WireRequest:
    """One request as it would have gone over the wire: method, decoded path, query and JSON body."""

    method: str
    path: str
    query: str
    body: dict[str, Any]
    headers: MutableMapping[str, str]


@dataclass(frozen=True)
class WireReply:
    status: int
    body: dict[str, Any] | None = None


Handler = Callable[[WireRequest], Awaitable[WireReply]]


class FakeAcsTransport(AsyncHttpTransport[Any, AsyncHttpResponse]):
    """``AsyncHttpTransport`` whose every request is answered by ``handler`` in the same process."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    async def __aenter__(self) -> FakeAcsTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        return None

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def send(self, request: Any, **kwargs: Any) -> AsyncHttpResponse:
        parts = urlsplit(request.url)
        content = request.content if isinstance(request.content, bytes | str) else request.body
        body = json.loads(content) if content else {}
        wire = WireRequest(request.method, unquote(parts.path), parts.query, body, request.headers)
        reply = await self._handler(wire)
        return _Response(request, reply)


class _Response(AsyncHttpResponse):
    """A complete, in-memory response (the fake never streams)."""

    def __init__(self, request: HttpRequest, reply: WireReply) -> None:
        self._request = request
        self._status = reply.status
        self._content = b"" if reply.body is None else json.dumps(reply.body).encode()
        kind = "application/json; charset=utf-8" if reply.body is not None else ""
        self._headers: MutableMapping[str, str] = CaseInsensitiveDict({"content-type": kind} if kind else {})
        self._closed = False
        self._encoding: str | None = "utf-8"

    @property
    def request(self) -> HttpRequest:
        return self._request

    @property
    def status_code(self) -> int:
        return self._status

    @property
    def headers(self) -> MutableMapping[str, str]:
        return self._headers

    @headers.setter
    def headers(self, value: MutableMapping[str, str]) -> None:
        self._headers = value

    @property
    def reason(self) -> str:
        return "OK" if self._status < 400 else "Error"

    @property
    def content_type(self) -> str | None:
        return self._headers.get("content-type")

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def is_stream_consumed(self) -> bool:
        return True

    @property
    def encoding(self) -> str | None:
        return self._encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value

    @property
    def url(self) -> str:
        return str(self._request.url)

    @property
    def content(self) -> bytes:
        return self._content

    def body(self) -> bytes:
        """The SDK's deserializer recognises a response by this method (azure-core's own responses have it)."""
        return self._content

    def text(self, encoding: str | None = None) -> str:
        return self._content.decode(encoding or "utf-8")

    def json(self) -> Any:
        return json.loads(self._content) if self._content else None

    def raise_for_status(self) -> None:
        if self._status >= 400:
            raise HttpResponseError(response=self)

    async def read(self) -> bytes:
        return self._content

    async def iter_raw(self, **kwargs: Any) -> AsyncIterator[bytes]:
        yield self._content

    async def iter_bytes(self, **kwargs: Any) -> AsyncIterator[bytes]:
        yield self._content

    async def close(self) -> None:
        self._closed = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.close()

    def __iter__(self) -> Iterator[bytes]:
        yield self._content
