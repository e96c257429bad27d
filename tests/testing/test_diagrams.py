"""The sequence-diagram renderer and its adapters, on fixed timelines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.diagrams import from_emulator, from_log_lines, render_mermaid
from app.diagrams.cli import main
from app.diagrams.mermaid import escape
from app.testing.timeline_view import format_timeline

CALLER = "4:+15551230001"
DESK = "4:+18005550102"
AGENT = "4:+18005550199"
CC = "cc-1"
SID = "server-call-1"


def entry(seq: int, kind: str, actor: str, name: str, **detail: Any) -> dict[str, Any]:
    at = detail.pop("at", seq / 100)
    connection = detail.pop("cc", CC if kind in ("request", "callback") else None)
    return {
        "seq": seq,
        "at": at,
        "kind": kind,
        "actor": actor,
        "name": name,
        "server_call_id": SID,
        "call_connection_id": connection,
        "detail": detail,
    }


def callback(seq: int, event_type: str, **data: Any) -> dict[str, Any]:
    event = {"id": f"evt-{seq}", "type": f"Microsoft.Communication.{event_type}", "data": data}
    return entry(seq, "callback", "acs", f"Microsoft.Communication.{event_type}", status=200, attempt=1, event=event)


def request(seq: int, name: str, status: int = 202, **body: Any) -> dict[str, Any]:
    return entry(seq, "request", "app", name, status=status, body=body)


MENU = {"kind": "text", "text": {"text": "Welcome; press 1 for an agent #1"}}

# As the emulator records a front desk call: in causal order at the source (requests numbered when they arrive,
# callbacks when they are sent).
TIMELINE = [
    entry(1, "party", CALLER, "dial", to=DESK, cc=None),
    entry(2, "party", DESK, "ringing", behaviour="app"),
    entry(3, "note", "acs", "IncomingCall", to=DESK),
    entry(
        4, "incoming_call", "acs", "Microsoft.Communication.IncomingCall", status=200, attempt=1, event={"id": "eg-1"}
    ),
    request(5, "answer", status=200, incomingCallContext="<redacted>"),
    entry(6, "note", "acs", "answered by the app"),
    callback(7, "CallConnected"),
    request(8, "recognize", recognizeInputType="dtmf", playPrompt=MENU),
    entry(9, "media", "acs", "prompt started", sources=[MENU]),
    entry(10, "party", CALLER, "press one"),
    callback(11, "RecognizeCompleted", dtmfResult={"tones": ["one"]}),
    request(12, "transfer", targetParticipant={"rawId": AGENT}),
    entry(13, "party", AGENT, "ringing", behaviour="accept"),
    entry(14, "party", AGENT, "answer"),
    callback(15, "CallTransferAccepted"),
    callback(16, "CallTransferFailed", resultInformation={"code": 486, "subCode": 8539}),
]

EXPECTED = """\
sequenceDiagram
    title Front desk#59; press 1
    autonumber
    participant App
    participant ACS
    participant P1 as Caller +15551230001
    participant P2 as +18005550102
    participant P3 as +18005550199
    P1->>ACS: dial +18005550102
    ACS->>P2: ringing
    ACS-->>App: IncomingCall
    App->>ACS: answer
    Note over ACS: answered by the app
    ACS-->>App: CallConnected
    App->>ACS: recognize("Welcome#59; press 1 for an agent #35;1")
    P1->>ACS: press 1
    ACS-->>App: RecognizeCompleted (1)
    App->>ACS: transfer(+18005550199)
    ACS->>P3: ringing
    P3->>ACS: answer
    ACS-->>App: CallTransferAccepted
    ACS-->>App: CallTransferFailed (486/8539)
"""


def test_renders_a_known_timeline_line_by_line() -> None:
    diagram = render_mermaid(from_emulator({"timeline": TIMELINE}), title="Front desk; press 1")
    assert diagram.splitlines() == EXPECTED.splitlines()


def test_steps_follow_the_emulators_numbering_whatever_order_they_arrive_in() -> None:
    shuffled = [*TIMELINE[8:], *reversed(TIMELINE[:8])]
    assert [step.seq for step in from_emulator(shuffled)] == [e["seq"] for e in TIMELINE if e["kind"] != "media"]


def test_failed_actions_and_deliveries_get_crossed_arrows() -> None:
    timeline = [
        request(1, "play", status=400, playSources=[MENU]),
        {**callback(2, "PlayFailed"), "detail": {**callback(2, "PlayFailed")["detail"], "status": 500}},
    ]
    lines = render_mermaid(from_emulator(timeline)).splitlines()
    assert '    App-xACS: play("Welcome#59; press 1 for an agent #35;1") → 400' in lines
    assert "    ACS--xApp: PlayFailed [HTTP 500, attempt 1]" in lines


def test_escape_keeps_mermaid_statements_intact() -> None:
    assert escape("a;b #1 <x>\nnext") == "a#59;b #35;1 #lt;x#gt; next"


def test_log_lines_become_steps_of_one_call() -> None:
    lines = [
        "not json at all",
        json.dumps(
            {
                "event": "event_received",
                "event_type": "Microsoft.Communication.IncomingCall",
                "server_call_id": SID,
                "timestamp": "2025-01-01T00:00:00Z",
            }
        ),
        json.dumps(
            {
                "event": "action_requested",
                "action": "answer",
                "server_call_id": SID,
                "call_connection_id": None,
                "timestamp": "2025-01-01T00:00:00.1Z",
            }
        ),
        json.dumps(
            {
                "event": "event_received",
                "event_type": "Microsoft.Communication.CallConnected",
                "server_call_id": SID,
                "call_connection_id": CC,
                "timestamp": "2025-01-01T00:00:00.2Z",
            }
        ),
        json.dumps(
            {
                "event": "action_requested",
                "action": "play",
                "prompt": "Hello",
                "call_connection_id": CC,
                "timestamp": "2025-01-01T00:00:00.3Z",
            }
        ),
        json.dumps(
            {
                "event": "action_requested",
                "action": "transfer",
                "target": AGENT,
                "call_connection_id": "cc-9",
                "server_call_id": "other",
                "timestamp": "2025-01-01T00:00:00.4Z",
            }
        ),
        json.dumps({"event": "service_started"}),
    ]
    steps = from_log_lines(lines, server_call_id=SID)
    assert [step.label() for step in steps] == ["IncomingCall", "answer", "CallConnected", 'play("Hello")']
    assert render_mermaid(steps).splitlines()[-1] == '    App->>ACS: play("Hello")'
    assert steps[-1].at == pytest.approx(0.3)


def test_timeline_text_is_numbered_with_the_cursor_marked() -> None:
    steps = from_emulator(TIMELINE)
    text = format_timeline(steps, time_scale=0.01, cursor=10).splitlines()
    assert text[0].split() == ["1.", "0.00s", "Caller", "+15551230001", "→", "ACS", "dial", "+18005550102"]
    assert "press 1" in text[8] and "the script is here" in text[9]
    assert text[10].split()[0] == "10." and "RecognizeCompleted (1)" in text[10]


def test_cli_writes_a_diagram_from_a_log_file(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text(
        json.dumps({"event": "action_requested", "action": "reject", "reason": "busy", "server_call_id": SID}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "call.md"
    assert main([SID, "--log", str(log), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("```mermaid\nsequenceDiagram\n") and "    App->>ACS: reject(busy)\n" in text


def test_cli_reports_an_unknown_call(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text("{}\n", encoding="utf-8")
    assert main(["nope", "--log", str(log)]) == 1
    assert main(["--bogus"]) == 2
