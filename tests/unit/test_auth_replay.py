"""MemoryTokenBindings: a token binds to its first body for its lifetime, then is forgotten."""

from __future__ import annotations

from app.auth.replay import MemoryTokenBindings
from tests.web.keys import FakeClock


async def test_a_binding_holds_for_the_tokens_lifetime_then_is_forgotten() -> None:
    clock = FakeClock()
    bindings = MemoryTokenBindings(clock=clock)
    assert await bindings.bind(b"t1", b"body-a", ttl_seconds=360)
    assert await bindings.bind(b"t1", b"body-a", ttl_seconds=360)
    assert not await bindings.bind(b"t1", b"body-b", ttl_seconds=360)
    clock.advance(361)
    assert await bindings.bind(b"t2", b"body-c", ttl_seconds=360)
    assert len(bindings) == 1  # t1 expired and was dropped, memory stays bounded by the token lifetime
