"""The journal of an action ACS cannot de-duplicate is written as its request leaves, not once ACS answers.

The real SDK client (``build_client``, its aiohttp transport) sends over loopback to a socket this test holds open:
the test decides when, and with what, "ACS" answers. At the moment the journal write happens, the test peeks at
that socket's receive queue, which on loopback holds the bytes as soon as the client wrote them: the request must
already be there, and its answer must not yet have been sent.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest

from app import CallActions
from app.actions import build_client
from app.actions.errors import CallActionError
from app.session import CallSession
from app.session.ledger import ActionLedger
from config.settings import Settings

CALL = "11111111-2222-3333-4444-777777777777"


class HeldAcs:
    """A loopback HTTP peer that accepts requests and answers each only when told to."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self.connections: list[socket.socket] = []

    def _accept(self) -> None:
        # The kernel completes a connection before anyone accepts it: take every one that is waiting.
        while True:
            try:
                connection, _ = self._listener.accept()
            except BlockingIOError:
                return
            self.connections.append(connection)

    def waiting(self) -> bytes:
        """Every request byte that arrived and was not read yet, on every connection (peeked, left in place)."""
        self._accept()
        waiting = b""
        for connection in self.connections:
            try:
                waiting += connection.recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
        return waiting

    def answer(self, status: str, body: bytes = b"") -> None:
        """Read the waiting request off every connection and answer it."""
        self._accept()
        for connection in self.connections:
            try:
                connection.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n"
            connection.sendall(head.encode() + body)

    def close(self) -> None:
        self._listener.close()
        for connection in self.connections:
            connection.close()


class Journal:
    """The store side of a ledger: records each write with what the peer had received at that moment."""

    def __init__(self, acs: HeldAcs) -> None:
        self.acs = acs
        self.entries: dict[int, Mapping[str, Any]] = {}
        self.seen_on_write: list[bytes] = []

    async def record(self, position: int, entry: Mapping[str, Any]) -> None:
        self.seen_on_write.append(self.acs.waiting())
        self.entries[position] = dict(entry)

    async def load(self) -> Mapping[int, Mapping[str, Any]]:
        return dict(self.entries)


@pytest.fixture
def acs() -> Iterator[HeldAcs]:
    held = HeldAcs()
    yield held
    held.close()


@pytest.fixture
async def client(acs: HeldAcs) -> AsyncIterator[Any]:
    settings = Settings(acs_endpoint=f"http://127.0.0.1:{acs.port}")
    async with build_client(settings) as built:
        yield settings, built


def actions(client: Any, journal: Journal, journal_known: bool = True) -> CallActions:
    settings, built = client
    ledger = ActionLedger(
        event_id="ev-held-1",
        first_claimed_at=1_790_000_000.0,
        journal={} if journal_known else None,
        load=journal.load,
        record=journal.record,
    )
    session = CallSession(flow="flow", call_connection_id=CALL, ledger=ledger)
    return CallActions(built, settings, session)


async def until(condition: Any, what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.005)
    pytest.fail(f"gave up waiting: {what}")


@pytest.mark.parametrize(
    ("action", "path"),
    [
        ("play", b"POST /calling/callConnections/%s:play" % CALL.encode()),
        ("cancel_media", b"POST /calling/callConnections/%s:cancelAllMediaOperations" % CALL.encode()),
    ],
    ids=["with a body", "without a body"],
)
async def test_a_journaled_action_is_journaled_once_its_request_left_and_before_acs_answers(
    acs: HeldAcs, client: Any, action: str, path: bytes
) -> None:
    journal = Journal(acs)
    call = actions(client, journal)
    sending = asyncio.create_task(call.play("One moment.") if action == "play" else call.cancel_media())

    await until(lambda: journal.entries, "the journal entry, while ACS has not answered")
    assert not sending.done()
    [entry] = journal.entries.values()
    assert entry["action"] == action and not entry.get("withdrawn")
    [waiting] = journal.seen_on_write
    assert waiting.startswith(path), "the entry was written before the request had left"
    if action == "play":
        assert waiting.endswith(b"}"), "the entry was written before the request's body had left"

    acs.answer("202 Accepted")
    await asyncio.wait_for(sending, 5)
    assert len(journal.seen_on_write) == 1, "one action, one journal write"
    assert entry["sent"] <= entry["at"]


async def test_a_refused_action_is_withdrawn_and_a_re_run_sends_it_again(acs: HeldAcs, client: Any) -> None:
    journal = Journal(acs)
    sending = asyncio.create_task(actions(client, journal).play("One moment."))
    await until(lambda: acs.waiting(), "the request")
    acs.answer("400 Bad Request", b'{"error": {"code": "8523", "message": "Invalid request"}}')
    with pytest.raises(CallActionError):
        await asyncio.wait_for(sending, 5)
    assert journal.entries[0]["withdrawn"] is True

    again = asyncio.create_task(actions(client, journal, journal_known=False).play("One moment."))
    await until(lambda: acs.waiting(), "the re-run's request: a withdrawn action is sent again")
    acs.answer("202 Accepted")
    await asyncio.wait_for(again, 5)
    assert not journal.entries[0].get("withdrawn")


async def test_a_re_run_skips_an_action_whose_request_left(acs: HeldAcs, client: Any) -> None:
    journal = Journal(acs)
    first = asyncio.create_task(actions(client, journal).play("One moment."))
    await until(lambda: journal.entries, "the journal entry")
    first.cancel()  # the instance dies while ACS holds the request: ACS runs it anyway

    await actions(client, journal, journal_known=False).play("One moment.")
    assert len(journal.seen_on_write) == 1, "the re-run sent the action again"
