"""The state store the settings ask for: memory (one process) or Redis (every instance and worker).

Example::

    store = build_store(settings)   # CALLWRIGHT_STATE_BACKEND=redis → a RedisStateStore on CALLWRIGHT_REDIS_URL
"""

from __future__ import annotations

from app.state.base import StateStore
from app.state.memory import MemoryStateStore
from config.settings import Settings, StateBackend


def build_store(settings: Settings) -> StateStore:
    """A new store for ``settings.state_backend``; connections open lazily, ``aclose()`` closes them."""
    if settings.state_backend is StateBackend.REDIS:
        from app.state.redis_store import RedisStateStore

        return RedisStateStore.from_url(
            settings.redis_url.get_secret_value(),
            prefix=settings.redis_key_prefix,
            password=settings.redis_password.get_secret_value() if settings.redis_password else None,
            timeout=settings.redis_timeout_seconds,
        )
    return MemoryStateStore()


def store_name(settings: Settings) -> str:
    """How ``/readyz`` names the store's check: ``state:redis`` or ``state:memory``."""
    return f"state:{settings.state_backend.value}"
