"""Operation-context packing and the callback URL that keeps a call bound to its flow."""

from __future__ import annotations

from typing import Protocol, runtime_checkable
from urllib.parse import urlencode

from config.settings import Settings

FLOW_PARAM = "flow"
SEED_PARAM = "seed"


@runtime_checkable
class Packable(Protocol):
    def pack(self) -> str: ...


ContextLike = Packable | str | None


def pack(context: ContextLike) -> str | None:
    """``Menu(attempt=2)`` → ``"menu:2"``; strings pass through; ``None`` stays ``None``."""
    if context is None or isinstance(context, str):
        return context
    return context.pack()


def callback_url_for(settings: Settings, flow: str | None, seed: str | None = None) -> str:
    """``{base}/Events?flow=<flow>[&seed=<token>]``: ACS posts every later event of the call there, so the binding
    survives restarts and scale-out without a lookup and cannot race the first callback. ``seed`` names initial
    state stored before the call was placed (``StateStore.put_seed``, taken by the call's first event)."""
    params = {key: value for key, value in ((FLOW_PARAM, flow), (SEED_PARAM, seed)) if value}
    return f"{settings.callback_url}?{urlencode(params)}" if params else settings.callback_url
