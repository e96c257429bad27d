"""--realism: CallConnected and the first ParticipantsUpdated in either order, sequence gaps, neutral updates."""

from __future__ import annotations

from azure.communication.callautomation import CommunicationUserIdentifier

from tests.simulator.conformance.harness import Live, live


async def _answered_call(run: Live) -> str:
    caller = run.client(run.user("caller"))
    target = run.user("target")
    created = await caller.create_call(target, run.callback("q"))
    conn_id = str(created.call_connection_id)
    seen = len(run.capture.incoming)
    await run.capture.until(lambda: len(run.capture.incoming) > seen)
    async with run.client(target) as answering:
        await answering.answer_call(run.capture.incoming[-1]["incomingCallContext"], run.callback())
    await run.capture.event(conn_id, "ParticipantsUpdated")
    await run.capture.event(conn_id, "CallConnected")
    await caller.close()
    return conn_id


async def test_realism_varies_the_first_two_events_and_leaves_gaps() -> None:
    async with live("2026-03-12", realism=True, seed=1) as run:
        firsts = set()
        for _ in range(6):
            conn_id = await _answered_call(run)
            firsts.add(run.capture.of(conn_id)[0]["type"].rsplit(".", 1)[-1])
            async with run.client() as client:
                connection = client.get_call_connection(conn_id)
                for _ in range(6):
                    await connection.mute_participant(CommunicationUserIdentifier(run.roles["target"]))
            await run.capture.until(lambda c=conn_id: len(run.capture.of(c, "ParticipantsUpdated")) == 7)
            numbers = [e["data"]["sequenceNumber"] for e in run.capture.of(conn_id, "ParticipantsUpdated")]
            assert numbers[0] == 1 and numbers == sorted(set(numbers))
    assert firsts == {"CallConnected", "ParticipantsUpdated"}
    assert any(b - a > 1 for a, b in zip(numbers, numbers[1:], strict=False)), numbers


async def test_without_realism_call_connected_always_comes_first() -> None:
    async with live("2026-03-12", realism=False) as run:
        for _ in range(3):
            conn_id = await _answered_call(run)
            assert [e["type"].rsplit(".", 1)[-1] for e in run.capture.of(conn_id)][:2] == [
                "CallConnected",
                "ParticipantsUpdated",
            ]
