"""How ``callwright serve`` serves the service: the same uvicorn options as the Procfile and the Dockerfile.

* uvloop and httptools (``uvicorn[standard]``): about a quarter less CPU per request than asyncio and h11.
* Keep-alive above every sender's idle timeout. A server that closes an idle connection while its peer still
  counts it as reusable races the peer's next request, which then dies with a connection reset; neither azure-core
  nor aiohttp retries a POST that failed that way, so the event or action is lost. uvicorn's default (5 s) is below
  aiohttp's 15 s and .NET's 60 s (``SocketsHttpHandler.PooledConnectionIdleTimeout``, the client ACS and Event Grid
  deliveries come from). The default, 75 s, is above both; a load balancer in front must idle out its backend
  connections sooner. ``UVICORN_TIMEOUT_KEEP_ALIVE`` overrides it, here as in the Procfile.
* Half-sent requests are cut and open connections capped (:mod:`app.web.deadlines`); beyond 1000 requests in
  flight (``UVICORN_LIMIT_CONCURRENCY``), 503 rather than a stall for everyone.
* No access log and no uvicorn log config: structlog owns logging (``create_service`` configures it).

Example::

    uvicorn.run("app.web.app:create_service", **server_options(), host="0.0.0.0", port=8000)
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from app.web.deadlines import DeadlineH11Protocol, DeadlineHttpToolsProtocol

KEEP_ALIVE_SECONDS = 75
SHUTDOWN_SECONDS = 20
LIMIT_CONCURRENCY = 1000


def server_options() -> dict[str, Any]:
    """uvicorn keyword arguments for serving ``create_service`` (a factory), without host and port."""
    return {
        "factory": True,
        "loop": "uvloop" if _installed("uvloop") else "asyncio",
        # Half-sent requests are cut, open connections capped (app/web/deadlines.py).
        "http": DeadlineHttpToolsProtocol if _installed("httptools") else DeadlineH11Protocol,
        "limit_concurrency": int(os.environ.get("UVICORN_LIMIT_CONCURRENCY", LIMIT_CONCURRENCY)),
        "timeout_keep_alive": int(os.environ.get("UVICORN_TIMEOUT_KEEP_ALIVE", KEEP_ALIVE_SECONDS)),
        "timeout_graceful_shutdown": int(os.environ.get("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", SHUTDOWN_SECONDS)),
        "proxy_headers": True,
        "log_config": None,
        "access_log": False,
    }


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
