"""Logging: secrets are redacted (keys and patterns), call ids are bound, stdlib lines are structured too."""

from __future__ import annotations

import datetime
import io
import json
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from app.logging import (
    REDACTED,
    BoundValues,
    CachedLogger,
    Redactor,
    bind_call,
    collect_actions,
    configure_logging,
    flush_logs,
    get_logger,
    note_action,
    redact,
)
from app.logging import writer as writer_module
from app.logging.processors import IsoTimestamp

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
CALL_CONTEXT = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJjYyI6IjEyMyJ9."
ACCESS_KEY = "Y2FsbHdyaWdodC1zaW11bGF0b3ItZGV2LWtleS12MSE="


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.parametrize(
    "key",
    [
        "access_key",
        "accesskey",
        "accessKey",
        "authorization",
        "Authorization",
        "token",
        "access_token",
        "secret",
        "eventgrid_secret",
        "password",
        "connection_string",
        "incoming_call_context",
        "incomingCallContext",
        "api_key",
        "trigger_api_key",
    ],
)
def test_secret_keys_are_redacted(key: str) -> None:
    with capture_logs(processors=[redact]) as logs:
        get_logger("t").info("x", **{key: "value-123"})
    assert logs[0][key] == REDACTED


def test_redaction_is_recursive() -> None:
    payload = {"data": {"incomingCallContext": CALL_CONTEXT, "serverCallId": "abc", "items": [{"token": "t"}]}}
    with capture_logs(processors=[redact]) as logs:
        get_logger("t").info("x", payload=payload, call_key="call-1")
    assert logs[0]["payload"] == {
        "data": {"incomingCallContext": REDACTED, "serverCallId": "abc", "items": [{"token": REDACTED}]}
    }
    assert logs[0]["call_key"] == "call-1"  # "key" alone is not a secret name
    assert payload["data"]["incomingCallContext"] == CALL_CONTEXT  # the caller's object is untouched


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"endpoint=https://acs.example.com/;accesskey={ACCESS_KEY}", ACCESS_KEY),
        (f"Authorization: Bearer {JWT}", JWT),
        ("header was bearer abc.def-ghi", "abc.def-ghi"),
        ("POST /Events?secret=hunter2&flow=menu HTTP/1.1", "hunter2"),
        ("https://x.blob.core.windows.net/a.wav?sv=1&sig=AbC%2Bd", "AbC%2Bd"),
        (f"context {CALL_CONTEXT} here", CALL_CONTEXT),
        ('{"incomingCallContext": "opaque-value", "to": "x"}', "opaque-value"),
        ("api_key=k-123 and password=p4ss", "k-123"),
        ("POST /Events?flow=reminder&seed=Zm9vYmFyYmF6cXV4 HTTP/1.1", "Zm9vYmFyYmF6cXV4"),
    ],
)
def test_patterns_in_strings_are_masked(text: str, secret: str) -> None:
    with capture_logs(processors=[redact]) as logs:
        get_logger("t").info(text, detail=[text])
    assert secret not in logs[0]["event"]
    assert secret not in logs[0]["detail"][0]
    assert REDACTED in logs[0]["event"]


def test_extra_param_names_are_masked() -> None:
    redactor = Redactor(extra_params=["sharedcode"])
    assert redactor.clean_text("/Events?sharedcode=xyz&flow=a") == f"/Events?sharedcode={REDACTED}&flow=a"
    assert Redactor().clean_text("/Events?flow=a") == "/Events?flow=a"


def test_cyclic_structures_do_not_break_logging() -> None:
    loop: list[object] = []
    loop.append(loop)
    with capture_logs(processors=[redact]) as logs:
        get_logger("t").info("x", loop=loop)
    assert logs[0]["event"] == "x"


def test_bind_call_adds_ids_inside_only() -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        log = get_logger("t")
        with bind_call(call_connection_id="c-1", correlation_id="k-1", event_type="PlayFailed", server_call_id=None):
            log.info("inside")
        log.info("outside")
    assert logs[0]["call_connection_id"] == "c-1"
    assert logs[0]["correlation_id"] == "k-1"
    assert logs[0]["event_type"] == "PlayFailed"
    assert "server_call_id" not in logs[0]
    assert "call_connection_id" not in logs[1]


def test_bound_values_put_back_what_was_bound_before() -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        log = get_logger("t")
        with BoundValues({"channel": "eventgrid", "flow": "outer"}):
            with BoundValues({"flow": "inner"}):
                log.info("nested")
            log.info("outer")
        log.info("after")
    assert (logs[0]["channel"], logs[0]["flow"]) == ("eventgrid", "inner")
    assert (logs[1]["channel"], logs[1]["flow"]) == ("eventgrid", "outer")
    assert "flow" not in logs[2] and "channel" not in logs[2]


def test_actions_are_collected_inside_the_block_only() -> None:
    note_action("play")  # no block open: nowhere to go, and no error
    with collect_actions() as outer:
        note_action("answer")
        with collect_actions() as inner:
            note_action("transfer")
        note_action("hang_up")
    note_action("play")
    assert (outer, inner) == (["answer", "hang_up"], ["transfer"])


def test_a_logger_made_before_a_reconfiguration_logs_through_the_new_processors() -> None:
    log = get_logger("callwright.test")
    before, after = structlog.testing.LogCapture(), structlog.testing.LogCapture()
    structlog.configure(processors=[before])
    log.info("one")
    structlog.configure(processors=[after])
    log.info("two")
    assert [entry["event"] for entry in before.entries] == ["one"]
    assert [entry["event"] for entry in after.entries] == ["two"]


def test_a_logger_made_before_a_reconfiguration_writes_to_the_new_logger_factory() -> None:
    log = get_logger("callwright.test")
    processors: list[Any] = [structlog.processors.KeyValueRenderer()]  # the same list both times: only the factory
    before, after = structlog.testing.CapturingLoggerFactory(), structlog.testing.CapturingLoggerFactory()
    structlog.configure(processors=processors, logger_factory=before)
    log.info("one")
    structlog.configure(processors=processors, logger_factory=after)
    log.info("two")
    assert [call.args for call in before.logger.calls] == [("event='one'",)]
    assert [call.args for call in after.logger.calls] == [("event='two'",)]


def test_a_logger_is_assembled_once_per_configuration() -> None:
    configure_logging("json", "INFO", stream=io.StringIO())
    log = CachedLogger("callwright.test")
    assembled = log.current()
    log.info("line")
    assert log.current() is assembled
    with capture_logs() as logs:  # capture_logs swaps the processors in place: the same logger is captured
        log.info("captured")
    assert [entry["event"] for entry in logs] == ["captured"]


def test_rendered_json_line_is_redacted_and_structured() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    configure_logging("json", "INFO", stream=stream)  # idempotent: still one handler, one line per record
    with bind_call(call_connection_id="c-9"):
        get_logger("callwright.test").info("answered", authorization=f"Bearer {JWT}", note=f"key={ACCESS_KEY}")
        logging.getLogger("uvicorn.access").info('%s - "%s %s"', "127.0.0.1", "POST", "/Events?secret=hunter2")
    flush_logs()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    ours, server = lines
    assert ours["event"] == "answered"
    assert ours["call_connection_id"] == "c-9"
    assert ours["level"] == "info"
    assert ours["logger"] == "callwright.test"
    assert "timestamp" in ours
    assert ours["authorization"] == REDACTED
    assert ACCESS_KEY not in stream.getvalue()
    assert JWT not in stream.getvalue()
    assert "hunter2" not in stream.getvalue()
    assert server["logger"] == "uvicorn.access"
    assert server["call_connection_id"] == "c-9"


def test_level_filters_and_azure_http_logging_is_quiet() -> None:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    get_logger("callwright.test").debug("shown")
    logging.getLogger("azure.core.pipeline.policies.http_logging_policy").info("Request URL: ...")
    flush_logs()
    events = [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
    assert events == ["shown"]
    configure_logging("console", "WARNING", stream=stream)
    get_logger("callwright.test").info("hidden")
    flush_logs()
    assert "hidden" not in stream.getvalue()


def test_console_format_redacts_too() -> None:
    stream = io.StringIO()
    configure_logging("console", "INFO", stream=stream)
    get_logger("callwright.test").info("connect", connection_string=f"endpoint=x;accesskey={ACCESS_KEY}")
    flush_logs()
    assert "connect" in stream.getvalue()
    assert ACCESS_KEY not in stream.getvalue()


@pytest.mark.parametrize("key", ["digits", "tones", "pin", "host_pin", "dtmf"])
def test_caller_input_keys_are_redacted(key: str) -> None:
    with capture_logs(processors=[redact]) as logs:
        get_logger("t").info("x", **{key: "4321"})
    assert logs[0][key] == REDACTED


class _BlockedStream(io.StringIO):
    """A stdout whose reader stopped reading: writes wait until ``release`` is set (or 3 s have passed)."""

    def __init__(self) -> None:
        super().__init__()
        import threading
        import time

        self.release = threading.Event()
        self._deadline = time.monotonic() + 3.0

    def write(self, text: str) -> int:
        import time

        self.release.wait(timeout=max(0.0, self._deadline - time.monotonic()))
        return super().write(text)


def test_a_blocked_stdout_never_blocks_the_logging_thread() -> None:
    import time

    stream = _BlockedStream()
    configure_logging("json", "INFO", stream=stream)
    log = get_logger("callwright.test")
    started = time.perf_counter()
    for number in range(200):
        log.info("line", number=number)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"logging waited for the blocked stream ({elapsed:.1f} s)"
    stream.release.set()
    flush_logs()
    assert len(stream.getvalue().splitlines()) == 200


def test_timestamps_are_written_as_structlogs_iso_stamper_writes_them() -> None:
    stamp = IsoTimestamp()
    rng = random.Random(20261201)
    base = 1_764_600_000 * 10**9
    instants = [0, 999, 1_000, 999_999_999, base, base + 1_000, base + 999_999_999, base + 10**9]
    instants += sorted(base + rng.randrange(0, 5 * 10**9) for _ in range(2000))  # many within one second, in order
    instants += [rng.randrange(0, 4_102_444_800 * 10**9) for _ in range(2000)]  # anywhere up to 2100, any order
    for ns in instants:
        second, rest = divmod(ns, 10**9)
        moment = datetime.datetime.fromtimestamp(second, tz=datetime.UTC).replace(microsecond=rest // 1000)
        assert stamp.format(ns) == moment.isoformat().replace("+00:00", "Z"), ns
    line = stamp(None, "info", {})["timestamp"]
    assert datetime.datetime.fromisoformat(line.replace("Z", "+00:00")).utcoffset() == datetime.timedelta(0)


def test_flush_and_stop_do_not_wait_out_the_linger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "_LINGER_SECONDS", 3600.0)  # a batch that would gather for an hour
    stream = io.StringIO()
    writer = writer_module.LineWriter(stream)
    writer.put("one")
    writer.flush()
    assert stream.getvalue() == "one\n"
    writer.put("two")
    writer.stop()
    assert stream.getvalue() == "one\ntwo\n"


def test_console_lines_shorten_ids_and_json_keeps_them_whole() -> None:
    server_call_id = "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29tL2FwaS92Mi9jcC9jb252LXVzZWEtMDEuY29udi5za3lwZS5j" * 2
    call_id = "cd9c3cb5-58e0-4a4e-a77e-6d589f3f4ed9"
    ids = {
        "call_connection_id": call_id,
        "server_call_id": server_call_id,
        "correlation_id": "3b556658-0783-43c3-95c9-23a48558d94e",
        "event_id": "9b83409d-0b62-4b1e-b5c7-9ee405639df1",
        "event_type": "Microsoft.Communication.RecognizeCompleted",
        "operation_context": "support_line.account:1:confirm",
    }
    console, json_stream = io.StringIO(), io.StringIO()
    configure_logging("console", "INFO", stream=console)
    with bind_call(**ids):
        get_logger("callwright.web").info("event_received", flow="support_line")
    flush_logs()
    configure_logging("json", "INFO", stream=json_stream)
    with bind_call(**ids):
        get_logger("callwright.web").info("event_received", flow="support_line")
    flush_logs()
    line = console.getvalue().strip()
    assert len(line) < 300, line  # was 600-775 characters
    assert server_call_id not in line and call_id not in line
    assert "cd9c3cb5" in line and "RecognizeCompleted" in line
    whole = json.loads(json_stream.getvalue())
    assert whole["server_call_id"] == server_call_id and whole["call_connection_id"] == call_id


def test_levels_are_the_standard_loggers() -> None:
    """A logger says it is enabled exactly when its standard logger would log, so guarded work is skipped."""
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    log = get_logger("callwright.test")
    assert not log.is_enabled_for(logging.DEBUG) and log.is_enabled_for(logging.INFO)
    log.debug("hidden")
    logging.getLogger("callwright.test").setLevel(logging.DEBUG)  # one logger raised, as an operator may
    assert log.is_enabled_for(logging.DEBUG)
    log.debug("shown")
    flush_logs()
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["shown"]
    logging.getLogger("callwright.test").setLevel(logging.NOTSET)


def test_another_handler_receives_the_lines_too(caplog: pytest.LogCaptureFixture) -> None:
    """With a second handler on the root (pytest's caplog here; an exporter in production) a line reaches it as a
    structured, redacted record, and is still written once by ours."""
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    with bind_call(call_connection_id="c-7"):
        get_logger("callwright.test").info("answered", token="secret-value")
    flush_logs()
    [record] = [r for r in caplog.records if r.name == "callwright.test"]
    assert isinstance(record.msg, dict) and record.msg["event"] == "answered"
    assert record.msg["call_connection_id"] == "c-7"
    assert record.msg["token"] == REDACTED  # what another handler (an exporter) receives is redacted too
    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["token"] == REDACTED
