"""The state-store contract suite (``app/state/base.py``), for every backend.

A backend runs it by subclassing :class:`StoreContract` and supplying one fixture, ``store``: a fresh, empty store
(its own key prefix, for a shared server), closed afterwards. Nothing else is backend-specific. Times are real
and short (leases of a few tenths of a second), so the same tests hold for a store across a network.

Example (``tests/state/test_memory_store.py``)::

    class TestMemoryStore(StoreContract):
        @pytest.fixture
        async def store(self) -> AsyncIterator[StateStore]:
            store = MemoryStateStore()
            yield store
            await store.aclose()
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from app.errors import CallwrightError
from app.state.base import ClaimStatus, Held, StateStore, Write
from app.state.errors import LockTimeout, NotJson, StaleWrite

LEASE = 30.0
WAIT = 5.0
SHORT = 0.3  # a lease that runs out during a test
TTL = 60.0


async def lock(store: StateStore, name: str = "call:1", **options: Any) -> Held:
    settings: dict[str, Any] = {"lease_seconds": LEASE, "wait_seconds": WAIT, **options}
    return await store.lock(name, **settings)


def write(held: Held, value: dict[str, Any] | None, key: str | None = None) -> Write:
    document = held.document
    return Write(key or document.key, document.version, value, TTL, held.lease)


class StoreContract:
    """Every guarantee of the store contract, one test each. Subclasses provide the ``store`` fixture."""

    # --- 1. event claims are leases -------------------------------------------------------------------------------

    async def test_first_claim_is_acquired_with_a_token(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", LEASE)
        assert claim.status is ClaimStatus.ACQUIRED and claim.token and claim.event_id == "evt-1"
        other = await store.claim_event("evt-2", LEASE)
        assert other.status is ClaimStatus.ACQUIRED and other.token != claim.token

    async def test_a_live_lease_answers_processing_with_a_retry_hint(self, store: StateStore) -> None:
        await store.claim_event("evt-1", LEASE)
        again = await store.claim_event("evt-1", LEASE)
        assert again.status is ClaimStatus.PROCESSING and not again.token
        assert 0 < again.retry_after <= LEASE

    async def test_a_finished_event_is_done(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", LEASE)
        await store.finish_event(claim, TTL)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE

    async def test_done_lasts_the_dedup_ttl(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", LEASE)
        await store.finish_event(claim, SHORT)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE
        await asyncio.sleep(SHORT + 0.15)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.ACQUIRED

    async def test_an_expired_lease_is_acquired_again_and_the_old_token_is_powerless(self, store: StateStore) -> None:
        dead = await store.claim_event("evt-1", SHORT)
        await asyncio.sleep(SHORT + 0.15)
        retry = await store.claim_event("evt-1", LEASE)
        assert retry.status is ClaimStatus.ACQUIRED and retry.token != dead.token
        assert retry.first_claimed_at == dead.first_claimed_at > 1_600_000_000  # epoch seconds, kept for re-runs
        await store.finish_event(dead, TTL)  # the dead holder wakes up: no effect
        await store.abandon_event(dead)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.PROCESSING
        await store.finish_event(retry, TTL)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE

    async def test_abandoning_frees_the_event_at_once(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", LEASE)
        await store.abandon_event(claim)
        again = await store.claim_event("evt-1", LEASE)
        assert again.status is ClaimStatus.ACQUIRED
        await store.finish_event(again, TTL)
        await store.abandon_event(again)  # already done: abandoning no longer frees it
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE

    async def test_concurrent_claims_have_one_winner(self, store: StateStore) -> None:
        claims = await asyncio.gather(*(store.claim_event("evt-1", LEASE) for _ in range(50)))
        statuses = [claim.status for claim in claims]
        assert statuses.count(ClaimStatus.ACQUIRED) == 1
        assert statuses.count(ClaimStatus.PROCESSING) == 49

    # --- 2. per-call order, fenced --------------------------------------------------------------------------------

    async def test_waiters_get_the_lock_in_arrival_order(self, store: StateStore) -> None:
        first = await lock(store)
        order: list[int] = []

        async def waiter(index: int) -> None:
            held = await lock(store)
            order.append(index)
            await store.release(held.lease)

        tasks = []
        for index in range(8):
            tasks.append(asyncio.create_task(waiter(index)))
            await asyncio.sleep(0.01)  # each lock call reaches the store before the next
        assert order == []
        await store.release(first.lease)
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert order == list(range(8))

    async def test_the_lock_excludes_within_a_name_not_across_names(self, store: StateStore) -> None:
        inside: dict[str, int] = {}
        peak: dict[str, int] = {}

        async def work(name: str) -> None:
            held = await lock(store, name)
            inside[name] = inside.get(name, 0) + 1
            peak[name] = max(peak.get(name, 0), inside[name])
            await asyncio.sleep(0.01)
            inside[name] -= 1
            await store.release(held.lease)

        other = await lock(store, "call:other")
        await asyncio.wait_for(asyncio.gather(*(work("call:1") for _ in range(6))), 10)
        assert peak == {"call:1": 1}  # while call:other was held throughout
        await store.release(other.lease)

    async def test_fences_grow_with_every_hand_over(self, store: StateStore) -> None:
        fences = []
        for _ in range(3):
            held = await lock(store)
            fences.append(held.lease.fence)
            await store.release(held.lease)
        assert fences == sorted(fences) and len(set(fences)) == 3

    async def test_an_expired_holder_loses_the_lock_and_its_writes(self, store: StateStore) -> None:
        stale = await lock(store, load="doc:1", lease_seconds=SHORT)
        successor = await asyncio.wait_for(lock(store, load="doc:1"), SHORT + 5)
        assert successor.lease.fence > stale.lease.fence and successor.lease.token != stale.lease.token
        with pytest.raises(StaleWrite):
            await store.commit([write(stale, {"by": "stale"})], release=[stale.lease])
        await store.release(stale.lease)  # no effect on the successor's lease
        await store.commit([write(successor, {"by": "successor"})], release=[successor.lease])
        assert (await store.read("doc:1")).value == {"by": "successor"}

    async def test_a_waiter_gives_up_after_its_wait_and_the_queue_behind_it_is_kept(self, store: StateStore) -> None:
        holder = await lock(store)
        patient = asyncio.create_task(lock(store, wait_seconds=10))
        await asyncio.sleep(0.05)
        with pytest.raises(LockTimeout):
            await lock(store, wait_seconds=0.1)
        assert not patient.done()
        await store.release(holder.lease)
        held = await asyncio.wait_for(patient, 5)
        await store.release(held.lease)

    async def test_a_cancelled_waiter_leaves_the_queue(self, store: StateStore) -> None:
        holder = await lock(store)
        quitter = asyncio.create_task(lock(store))
        await asyncio.sleep(0.05)
        quitter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await quitter
        await store.release(holder.lease)
        held = await asyncio.wait_for(lock(store, wait_seconds=1), 5)  # nobody stands in the way
        await store.release(held.lease)

    async def test_release_by_a_stale_lease_does_nothing(self, store: StateStore) -> None:
        held = await lock(store)
        await store.release(held.lease)
        current = await lock(store)
        await store.release(held.lease)
        with pytest.raises(LockTimeout):
            await lock(store, wait_seconds=0.1)  # still held by `current`
        await store.release(current.lease)

    async def test_claim_and_lock_claims_then_locks_and_loads(self, store: StateStore) -> None:
        setup = await lock(store, load="doc:1")
        await store.commit([write(setup, {"step": "menu"})], release=[setup.lease])
        claim, held = await store.claim_and_lock(
            "evt-1", LEASE, "call:1", lock_lease_seconds=LEASE, wait_seconds=WAIT, load="doc:1"
        )
        assert claim.status is ClaimStatus.ACQUIRED and held is not None
        assert held.lease.fence > setup.lease.fence and held.document.value == {"step": "menu"}
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.PROCESSING
        with pytest.raises(LockTimeout):  # the lock is held
            await lock(store, wait_seconds=0.1)
        await store.commit([], release=[held.lease], finish=claim, dedup_ttl_seconds=TTL)

    async def test_claim_and_lock_leaves_the_lock_alone_for_a_duplicate_or_an_event_in_progress(
        self, store: StateStore
    ) -> None:
        done = await store.claim_event("evt-done", LEASE)
        await store.finish_event(done, TTL)
        await store.claim_event("evt-busy", LEASE)
        for event_id, status in (("evt-done", ClaimStatus.DONE), ("evt-busy", ClaimStatus.PROCESSING)):
            claim, held = await store.claim_and_lock(
                event_id, LEASE, "call:1", lock_lease_seconds=LEASE, wait_seconds=WAIT
            )
            assert claim.status is status and held is None
        free = await lock(store, wait_seconds=0.1)  # neither took nor queued for the lock
        await store.release(free.lease)

    async def test_claim_and_lock_waits_its_turn_and_abandons_the_claim_when_the_lock_never_comes(
        self, store: StateStore
    ) -> None:
        holder = await lock(store)
        queued = asyncio.create_task(
            store.claim_and_lock("evt-1", LEASE, "call:1", lock_lease_seconds=LEASE, wait_seconds=WAIT)
        )
        await asyncio.sleep(0.05)
        behind = asyncio.create_task(lock(store))
        await asyncio.sleep(0.05)
        await store.release(holder.lease)
        claim, held = await asyncio.wait_for(queued, 5)  # FIFO: before the waiter that came after it
        assert claim.status is ClaimStatus.ACQUIRED and held is not None and not behind.done()
        with pytest.raises(LockTimeout):
            await store.claim_and_lock("evt-2", LEASE, "call:1", lock_lease_seconds=LEASE, wait_seconds=0.2)
        assert (await store.claim_event("evt-2", LEASE)).status is ClaimStatus.ACQUIRED  # abandoned: free again
        await store.release(held.lease)
        await store.release((await asyncio.wait_for(behind, 5)).lease)

    # --- 3. versioned compare-and-set -----------------------------------------------------------------------------

    async def test_lock_loads_the_latest_document_in_the_same_operation(self, store: StateStore) -> None:
        empty = await lock(store, load="doc:1")
        assert (empty.document.key, empty.document.value, empty.document.version) == ("doc:1", None, 0)
        await store.commit([write(empty, {"step": "menu", "n": [1, 2]})], release=[empty.lease])
        held = await lock(store, load="doc:1")
        assert held.document.value == {"step": "menu", "n": [1, 2]} and held.document.version == 1
        await store.commit([write(held, {"step": "agent"})], release=[held.lease])
        again = await lock(store, load="doc:1")
        assert again.document.value == {"step": "agent"} and again.document.version == 2
        await store.release(again.lease)

    async def test_reads_are_copies(self, store: StateStore) -> None:
        held = await lock(store, load="doc:1")
        value: dict[str, Any] = {"items": [1]}
        await store.commit([write(held, value)], release=[held.lease])
        value["items"].append(2)
        first = await store.read("doc:1")
        assert first.value == {"items": [1]}
        assert first.value is not None
        first.value["items"].append(3)
        assert (await store.read("doc:1")).value == {"items": [1]}

    async def test_a_moved_version_refuses_the_whole_commit(self, store: StateStore) -> None:
        setup = await lock(store, load="doc:1")
        await store.commit([write(setup, {"n": 1})], release=[setup.lease])
        held = await lock(store, load="doc:1")
        side = await lock(store, "shared:x", load="doc:x")
        late = Write("doc:1", held.document.version - 1, {"n": 99}, TTL, held.lease)  # a version already gone
        claim = await store.claim_event("evt-1", LEASE)
        with pytest.raises(StaleWrite):
            await store.commit(
                [write(side, {"x": True}), late], release=[held.lease, side.lease], finish=claim, dedup_ttl_seconds=TTL
            )
        assert (await store.read("doc:1")).value == {"n": 1}
        assert (await store.read("doc:x")).value is None  # nothing of the commit was applied
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.PROCESSING  # not finished
        for name in ("call:1", "shared:x"):  # ...but the locks were released
            released = await lock(store, name, wait_seconds=0.5)
            await store.release(released.lease)

    async def test_commit_writes_finishes_and_releases_in_one_operation(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", LEASE)
        held = await lock(store, load="doc:1")
        room = await lock(store, "shared:room", load="doc:room")
        await store.commit(
            [write(held, {"a": 1}), write(room, {"guests": ["x"]})],
            release=[held.lease, room.lease],
            finish=claim,
            dedup_ttl_seconds=TTL,
        )
        assert (await store.read("doc:1")).value == {"a": 1}
        assert (await store.read("doc:room")).value == {"guests": ["x"]}
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE
        for name in ("call:1", "shared:room"):
            again = await lock(store, name, wait_seconds=0.5)
            await store.release(again.lease)

    async def test_commit_without_writes_finishes_and_releases(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", LEASE)
        held = await lock(store)
        await store.commit([], release=[held.lease], finish=claim, dedup_ttl_seconds=TTL)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE
        again = await lock(store, wait_seconds=0.5)
        await store.release(again.lease)

    async def test_a_document_can_be_created_at_another_key_and_deleted(self, store: StateStore) -> None:
        held = await lock(store)  # e.g. an IncomingCall: no document yet, the answer names the new one
        await store.commit([Write("doc:new", 0, {"flow": "f"}, TTL, held.lease)], release=[held.lease])
        assert (await store.read("doc:new")).version == 1
        again = await lock(store, load="doc:new")
        await store.commit([write(again, None)], release=[again.lease])
        gone = await store.read("doc:new")
        assert (gone.value, gone.version) == (None, 0)

    async def test_creating_over_an_existing_document_is_refused(self, store: StateStore) -> None:
        first = await lock(store)
        await store.commit([Write("doc:1", 0, {"n": 1}, TTL, first.lease)], release=[first.lease])
        second = await lock(store)
        with pytest.raises(StaleWrite):
            await store.commit([Write("doc:1", 0, {"n": 2}, TTL, second.lease)], release=[second.lease])
        assert (await store.read("doc:1")).value == {"n": 1}

    async def test_documents_expire(self, store: StateStore) -> None:
        held = await lock(store)
        await store.commit([Write("doc:1", 0, {"n": 1}, SHORT, held.lease)], release=[held.lease])
        assert (await store.read("doc:1")).value == {"n": 1}
        await asyncio.sleep(SHORT + 0.15)
        assert (await store.read("doc:1")).value is None

    @pytest.mark.parametrize("bad", [{"x": math.nan}, {"x": math.inf}, {"x": {1, 2}}, {"x": object()}, ["a list"]])
    async def test_values_that_are_not_json_are_refused_before_anything_is_written(
        self, store: StateStore, bad: Any
    ) -> None:
        held = await lock(store)
        with pytest.raises(NotJson) as raised:
            await store.commit(
                [Write("doc:ok", 0, {"fine": 1}, TTL, held.lease), Write("doc:1", 0, bad, TTL, held.lease)]
            )
        assert isinstance(raised.value, CallwrightError)
        assert (await store.read("doc:ok")).value is None
        with pytest.raises(NotJson):
            await store.put_seed("seed-1", bad, TTL)
        with pytest.raises(NotJson):
            await store.journal_record("evt-1", 0, bad, TTL)
        await store.release(held.lease)

    # --- 4. shared state by key -----------------------------------------------------------------------------------

    async def test_shared_state_loses_no_update_under_contention(self, store: StateStore) -> None:
        async def join(guest: int) -> None:
            held = await lock(store, "shared:room", load="doc:room", wait_seconds=10)
            room = held.document.value or {"guests": []}
            await asyncio.sleep(0.001)  # a handler doing other work while it holds the room
            room["guests"].append(guest)
            await store.commit([write(held, room)], release=[held.lease])

        await asyncio.wait_for(asyncio.gather(*(join(guest) for guest in range(20))), 20)
        room = await store.read("doc:room")
        assert room.value is not None and sorted(room.value["guests"]) == list(range(20)) and room.version == 20

    # --- 5. seeds -------------------------------------------------------------------------------------------------

    async def test_the_first_lock_of_a_new_call_takes_its_seed_once(self, store: StateStore) -> None:
        await store.put_seed("seed-1", {"note": "hi"}, TTL)
        first = await lock(store, load="doc:1", seed="seed-1")
        assert first.seed == {"note": "hi"} and first.document.value is None
        await store.release(first.lease)
        second = await lock(store, load="doc:1", seed="seed-1")
        assert second.seed is None
        await store.release(second.lease)

    async def test_a_seed_is_left_alone_when_the_document_exists(self, store: StateStore) -> None:
        setup = await lock(store, load="doc:1")
        await store.commit([write(setup, {"n": 1})], release=[setup.lease])
        await store.put_seed("seed-1", {"note": "hi"}, TTL)
        held = await lock(store, load="doc:1", seed="seed-1")
        assert held.seed is None and held.document.value == {"n": 1}
        await store.release(held.lease)
        other = await lock(store, "call:2", load="doc:2", seed="seed-1")
        assert other.seed == {"note": "hi"}
        await store.release(other.lease)

    async def test_a_dropped_or_expired_seed_is_gone(self, store: StateStore) -> None:
        await store.put_seed("seed-1", {"a": 1}, TTL)
        await store.drop_seed("seed-1")
        await store.put_seed("seed-2", {"b": 2}, SHORT)
        await asyncio.sleep(SHORT + 0.15)
        for seed in ("seed-1", "seed-2"):
            held = await lock(store, load="doc:1", seed=seed)
            assert held.seed is None
            await store.release(held.lease)

    # --- 6. the action journal ------------------------------------------------------------------------------------

    async def test_the_journal_reads_back_what_was_recorded(self, store: StateStore) -> None:
        assert await store.journal_read("evt-1") == {}
        await store.journal_record("evt-1", 1, {"action": "play"}, TTL)
        await store.journal_record("evt-1", 0, {"action": "answer"}, TTL)
        await store.journal_record("evt-1", 1, {"action": "play", "again": True}, TTL)
        await store.journal_record("evt-2", 0, {"action": "hang_up"}, TTL)
        assert await store.journal_read("evt-1") == {0: {"action": "answer"}, 1: {"action": "play", "again": True}}
        assert list(await store.journal_read("evt-1")) == [0, 1]

    async def test_the_journal_expires(self, store: StateStore) -> None:
        await store.journal_record("evt-1", 0, {"action": "play"}, SHORT)
        await asyncio.sleep(SHORT + 0.15)
        assert await store.journal_read("evt-1") == {}

    # --- 7. renewal -----------------------------------------------------------------------------------------------

    async def test_renewal_keeps_the_claim_and_the_lock_past_their_first_lease(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", SHORT)
        held = await lock(store, load="doc:1", lease_seconds=SHORT)
        waiter = asyncio.create_task(lock(store, load="doc:1"))
        for _ in range(3):  # 3 × SHORT/2: well past the first lease of either
            await asyncio.sleep(SHORT / 2)
            assert await store.renew(claim, [held.lease], claim_seconds=SHORT, lease_seconds=SHORT)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.PROCESSING
        assert not waiter.done()  # still queued behind the renewed holder
        await store.commit([write(held, {"by": "renewed"})], release=[held.lease], finish=claim, dedup_ttl_seconds=TTL)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.DONE
        successor = await asyncio.wait_for(waiter, 5)
        assert successor.document.value == {"by": "renewed"}
        await store.release(successor.lease)

    async def test_a_lost_lease_is_not_renewed_and_nothing_is_extended(self, store: StateStore) -> None:
        claim = await store.claim_event("evt-1", LEASE)
        lost = await lock(store, "call:1", lease_seconds=SHORT)
        kept = await lock(store, "call:2", lease_seconds=SHORT * 2)
        await asyncio.sleep(SHORT + 0.15)
        taker = await lock(store, "call:1")  # the expired lease's lock has a new holder
        assert not await store.renew(claim, [kept.lease, lost.lease], claim_seconds=LEASE, lease_seconds=LEASE)
        await asyncio.sleep(SHORT)  # call:2 was not extended by the refused renewal: its lease ran out
        second = await asyncio.wait_for(lock(store, "call:2", wait_seconds=1), 5)
        assert second.lease.token != kept.lease.token
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.PROCESSING  # the claim is untouched
        for held in (taker, second):
            await store.release(held.lease)

    async def test_an_expired_or_finished_claim_is_not_renewed(self, store: StateStore) -> None:
        expired = await store.claim_event("evt-1", SHORT)
        await asyncio.sleep(SHORT + 0.15)
        assert not await store.renew(expired, [], claim_seconds=LEASE, lease_seconds=LEASE)
        assert (await store.claim_event("evt-1", LEASE)).status is ClaimStatus.ACQUIRED
        finished = await store.claim_event("evt-2", LEASE)
        await store.finish_event(finished, TTL)
        assert not await store.renew(finished, [], claim_seconds=LEASE, lease_seconds=LEASE)
        assert (await store.claim_event("evt-2", LEASE)).status is ClaimStatus.DONE

    # --- 8. health ------------------------------------------------------------------------------------------------

    async def test_ping_answers(self, store: StateStore) -> None:
        assert await store.ping() is True
