"""A stub of the ACS REST surface for load tests: canned replies, as fast as a server can be, in its own process.

It answers the calls the benchmarked paths make (answer, transfer) plus the signing keys, so the app under test
pays for the real SDK call and the real HTTP round trip while the stub's own cost stays out of the app's CPU.

    python -m benchmarks.stub_acs --port 8091 --jwks '{"keys": [...]}'
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from starlette.types import Receive, Scope, Send

_JSON = [(b"content-type", b"application/json")]


def connection_body(call_connection_id: str) -> bytes:
    """What ``answer`` returns: the call connection's properties."""
    return json.dumps(
        {
            "callConnectionId": call_connection_id,
            "serverCallId": "stub-server-call",
            "targets": [{"rawId": "4:+18005550102", "phoneNumber": {"value": "+18005550102"}}],
            "callConnectionState": "connecting",
            "callbackUri": "http://127.0.0.1/Events",
            "correlationId": "00000000-0000-0000-0000-000000000000",
        }
    ).encode()


class StubAcs:
    """The ASGI app: ``:answer`` → 200 with properties, ``:transferToParticipant`` → 202, ``/calling/keys`` → JWKS.

    Example::

        uvicorn.run(StubAcs(jwks), host="127.0.0.1", port=8091)
    """

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._jwks = json.dumps(jwks).encode()
        self._answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        more = True
        body = b""
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        path: str = scope["path"]
        if path.endswith(":answer"):
            self._answered += 1
            status, reply = 200, connection_body(f"stub-answered-{self._answered}")
        elif path.endswith(":transferToParticipant"):
            context = json.loads(body or b"{}").get("operationContext")
            status, reply = 202, json.dumps({"operationContext": context}).encode()
        elif path == "/calling/keys":
            status, reply = 200, self._jwks
        else:
            status, reply = 404, b'{"error":{"code":"NotFound"}}'
        headers = [*_JSON, (b"content-length", str(len(reply)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": reply})


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--jwks", required=True, help="the JWKS document to serve at /calling/keys")
    args = parser.parse_args(argv)
    uvicorn.run(
        StubAcs(json.loads(args.jwks)),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=120,
        lifespan="off",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
