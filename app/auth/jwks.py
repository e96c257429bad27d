"""An async, rate-limited cache of the ACS signing keys (JWKS), keyed by ``kid``.

Fetches with ``httpx.AsyncClient`` (never blocking the event loop), keeps keys for ``ttl`` seconds, and lets an
unknown ``kid`` trigger at most one refresh per ``refresh_interval`` for the whole process, so a flood of
forged tokens with random ``kid`` values costs one JWKS request per 30 s. A failed fetch keeps the last good keys
("stale if error", up to ``max_stale``).

Example::

    cache = JwksCache("https://acscallautomation.communication.azure.com/calling/keys", http)
    await cache.prefetch()
    key = await cache.get_key(kid)      # None: unknown kid (401); AuthUnavailableError: no keys at all (503)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from app.auth.errors import AuthUnavailableError

_MAX_JWKS_BYTES = 256 * 1024


class JwksCache:
    """Signing keys by ``kid``; see the module docstring for the refresh rules.

    Example::

        cache = JwksCache(url, http, ttl=300, refresh_interval=30)
        ready = cache.ready()
    """

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        ttl: float = 300.0,
        refresh_interval: float = 30.0,
        retry_after: int = 5,
        max_stale: float = 86_400.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._http = http
        self._ttl = ttl
        self._refresh_interval = refresh_interval
        self._retry_after = retry_after
        self._max_stale = max_stale
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._last_failed = False
        self._generation = 0
        self._lock = asyncio.Lock()
        self._log = structlog.get_logger("callwright.auth")

    def ready(self) -> bool:
        """True once a key set has been loaded (for ``/readyz``)."""
        return self._keys is not None

    @property
    def generation(self) -> int:
        """Changes whenever a new key set is loaded: a key remembered from an older set must be looked up again."""
        return self._generation

    def fresh(self) -> bool:
        """True while the loaded key set is within its ``ttl`` (no refresh due)."""
        return self._keys is not None and self._clock() - self._fetched_at < self._ttl

    async def prefetch(self) -> bool:
        """Load the keys now (at startup). Never raises: a failure is logged and retried on demand."""
        await self._refresh("startup")
        return self.ready()

    async def get_key(self, kid: str) -> RSAPublicKey | None:
        """The public key for ``kid``; None when the current key set does not have it.

        Raises :class:`AuthUnavailableError` when no usable key set exists (never fetched, or stale past
        ``max_stale``), or when the kid is unknown and the last refresh attempt failed.
        """
        if self._keys is None or self._clock() - self._fetched_at >= self._ttl:
            await self._refresh("expired" if self._keys is not None else "initial")
        keys = self._usable_keys()
        key = keys.get(kid)
        if key is None:
            await self._refresh("unknown_kid")
            key = self._usable_keys().get(kid)
            if key is None and self._last_failed:
                # We cannot tell a rotated key from a forged kid while the JWKS endpoint is down.
                raise AuthUnavailableError("signing keys could not be refreshed", self._retry_after)
        return key

    def _usable_keys(self) -> dict[str, RSAPublicKey]:
        if self._keys is None:
            raise AuthUnavailableError("signing keys not loaded yet", self._retry_after)
        if self._clock() - self._fetched_at > self._max_stale:
            raise AuthUnavailableError("signing keys are stale", self._retry_after)
        return self._keys

    async def _refresh(self, reason: str) -> None:
        async with self._lock:
            now = self._clock()
            interval = self._refresh_interval if self._keys is not None else float(self._retry_after)
            if self._last_attempt is not None and now - self._last_attempt < interval:
                return  # someone refreshed (or tried) moments ago: share that result
            self._last_attempt = now
            try:
                keys = await self._fetch()
            except Exception as error:  # any failure keeps the last good keys
                self._last_failed = True
                self._log.warning(
                    "jwks_fetch_failed", reason=reason, error=type(error).__name__, have_keys=self._keys is not None
                )
                return
            self._keys, self._fetched_at, self._last_failed = keys, self._clock(), False
            self._generation += 1
            self._log.info("jwks_loaded", reason=reason, kids=sorted(keys))

    async def _fetch(self) -> dict[str, RSAPublicKey]:
        response = await self._http.get(self.url, timeout=self._timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        if len(response.content) > _MAX_JWKS_BYTES:
            raise ValueError("JWKS document too large")
        document: Any = response.json()
        items = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(items, list):
            raise ValueError("JWKS document has no `keys` list")
        keys: dict[str, RSAPublicKey] = {}
        for item in items:
            parsed = _rsa_signing_key(item)
            if parsed is not None:
                keys[parsed[0]] = parsed[1]
        if not keys:
            raise ValueError("JWKS document has no usable RS256 key")
        return keys


def _rsa_signing_key(item: object) -> tuple[str, RSAPublicKey] | None:
    if not isinstance(item, dict):
        return None
    kid = item.get("kid")
    if not isinstance(kid, str) or not kid or item.get("kty") != "RSA":
        return None
    if item.get("use", "sig") != "sig" or item.get("alg", "RS256") != "RS256":
        return None
    try:
        key = jwt.PyJWK(item, algorithm="RS256").key
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    return (kid, key) if isinstance(key, RSAPublicKey) else None
