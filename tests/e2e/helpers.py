"""Reading the emulator's timeline of a call: what the service requested and which events were delivered to it.

Example::

    entries = await delivered(phone, call.server_call_id, "CallConnected", "ParticipantsUpdated")
    assert names(callbacks(entries)) == ["CallConnected", "ParticipantsUpdated"]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from app.testing.harness import Phone
from simulator.timeline import TimelineEntry

INCOMING_CALL = "Microsoft.Communication.IncomingCall"
WAIT = 10.0  # real seconds: a generous ceiling; conditions are polled, nothing sleeps for a fixed time
OWNED_CALLER_ID = "+18005550100"


def short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def callbacks(entries: Sequence[TimelineEntry], connection: str | None = None) -> list[TimelineEntry]:
    """Mid-call callbacks (every delivery attempt), optionally of one call connection."""
    return [e for e in entries if e.kind == "callback" and (connection is None or e.call_connection_id == connection)]


def names(entries: Sequence[TimelineEntry]) -> list[str]:
    return [short(e.name) for e in entries]


def data(entry: TimelineEntry) -> dict[str, Any]:
    """The ``data`` of a delivered event (callback or IncomingCall)."""
    event = entry.detail["event"]
    return dict(event["data"])


def requests(entries: Sequence[TimelineEntry], name: str | None = None) -> list[TimelineEntry]:
    """The service's REST requests (by operation name: ``answer``, ``createCall``, ``transfer``...)."""
    return [e for e in entries if e.kind == "request" and (name is None or e.name == name)]


def request(entries: Sequence[TimelineEntry], name: str) -> TimelineEntry:
    found = requests(entries, name)
    assert len(found) == 1, f"expected one {name} request, got {len(found)}: {summary(entries)}"
    return found[0]


def incoming_calls(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """IncomingCall deliveries to the service (Event Grid), handshakes excluded."""
    return [e for e in entries if e.kind == "incoming_call" and e.name == INCOMING_CALL and "event" in e.detail]


def participants(entry: TimelineEntry) -> list[str]:
    """Raw ids listed by a ParticipantsUpdated."""
    return sorted(p["identifier"]["rawId"] for p in data(entry)["participants"])


def result(entry: TimelineEntry) -> tuple[int, int]:
    info = data(entry)["resultInformation"]
    return int(info["code"]), int(info["subCode"])


def summary(entries: Sequence[TimelineEntry]) -> str:
    """One line per entry, for assertion messages."""
    lines = []
    for e in entries:
        status = e.detail.get("status")
        lines.append(f"  {e.seq} {e.kind} {short(e.name)} conn={e.call_connection_id} status={status}")
    return "\n" + "\n".join(lines)


def in_order(found: Sequence[str], wanted: Sequence[str]) -> list[int] | None:
    """Indexes in ``found`` of ``wanted`` as a subsequence (first matches), or None."""
    positions: list[int] = []
    start = 0
    for name in wanted:
        try:
            index = list(found).index(name, start)
        except ValueError:
            return None
        positions.append(index)
        start = index + 1
    return positions


async def wait(
    phone: Phone, server_call_id: str, done: Callable[[list[TimelineEntry]], bool], what: str
) -> list[TimelineEntry]:
    """Poll the call's timeline until ``done``; an AssertionError showing the timeline otherwise."""
    try:
        return await phone.emulator.wait_for(server_call_id, done, timeout=WAIT)
    except TimeoutError:
        entries = await phone.emulator.timeline(server_call_id)
        raise AssertionError(f"timed out waiting for {what}:{summary(entries)}") from None


async def delivered(
    phone: Phone, server_call_id: str, *wanted: str, connection: str | None = None
) -> list[TimelineEntry]:
    """Wait until the events ``wanted`` were delivered, in this order, each answered 200 by the service.

    Returns the matching callback entries (one per name)."""

    def done(entries: list[TimelineEntry]) -> bool:
        return in_order(names(callbacks(entries, connection)), wanted) is not None

    entries = await wait(phone, server_call_id, done, f"callbacks {list(wanted)}")
    mine = callbacks(entries, connection)
    positions = in_order(names(mine), wanted)
    assert positions is not None
    matched = [mine[i] for i in positions]
    for entry in matched:
        assert entry.detail.get("status") == 200, f"{entry.name} answered {entry.detail.get('status')}"
    return matched


async def call_ended(phone: Phone, server_call_id: str) -> list[TimelineEntry]:
    return await wait(
        phone,
        server_call_id,
        lambda entries: any(e.kind == "note" and e.name == "call ended" for e in entries),
        "the call to end",
    )


def all_answered_200(entries: Sequence[TimelineEntry]) -> None:
    """Every callback and IncomingCall delivery was accepted by the service at the first attempt."""
    for e in [*callbacks(entries), *incoming_calls(entries)]:
        assert e.detail.get("status") == 200 and e.detail.get("attempt") == 1, f"{e.name}:{summary(entries)}"


def spoken(entry: TimelineEntry) -> list[str]:
    """The texts of a ``play`` request's text prompts."""
    sources = entry.detail["body"]["playSources"]
    return [source["text"]["text"] for source in sources if source.get("kind") == "text"]


def said(entries: Sequence[TimelineEntry]) -> list[list[str]]:
    """The text prompts of every accepted ``play`` request of the call, in order."""
    return [spoken(e) for e in requests(entries, "play") if e.detail.get("status") == 202]


def report(texts: Sequence[str]) -> dict[str, Any]:
    """The facts of a ``report`` prompt of the seed flow (one JSON object per text after the word report)."""
    assert texts and texts[0] == "report", texts
    facts: dict[str, Any] = {}
    for text in texts[1:]:
        facts.update(json.loads(text))
    return facts
