"""CLI option and ``CALLWRIGHT_SIMULATOR_*`` parsing (no server is started)."""

from __future__ import annotations

import pytest

from simulator.cli import banner, parse_config
from simulator.config import DEV_ACCESS_KEY, DEV_RESOURCE_ID, SimulatorConfig, SubscriptionSpec

KEY = "c2VjcmV0LWtleQ=="
RID = "11111111-2222-4333-8444-555555555555"


def test_defaults_are_the_dev_identity() -> None:
    config = parse_config([], environ={})
    assert config == SimulatorConfig()
    assert (config.access_key, config.resource_id, config.tls, config.time_scale) == (
        DEV_ACCESS_KEY,
        DEV_RESOURCE_ID,
        False,
        1.0,
    )


def test_options() -> None:
    config = parse_config(
        [
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--access-key",
            KEY,
            "--resource-id",
            RID,
            "--tls",
            "--subscribe",
            "http://127.0.0.1:8000/Events?secret=a",
            "--subscribe",
            "https://example.com/hook",
            "--subscribe-schema",
            "cloudevents",
            "--subscribe-header",
            "x-secret: s1",
            "--owned-number",
            "+18005550199",
            "--time-scale",
            "0.1",
            "--log-level",
            "debug",
        ],
        environ={},
    )
    assert (config.host, config.port, config.access_key, config.resource_id, config.tls) == (
        "0.0.0.0",
        9000,
        KEY,
        RID,
        True,
    )
    assert config.subscriptions == (
        SubscriptionSpec("http://127.0.0.1:8000/Events?secret=a", "cloudevents", "callwright", {"x-secret": "s1"}),
        SubscriptionSpec("https://example.com/hook", "cloudevents", "callwright-2", {"x-secret": "s1"}),
    )
    assert config.owned_numbers == ("+18005550199",)
    assert config.time_scale == 0.1


def test_environment_variables() -> None:
    env = {
        "CALLWRIGHT_SIMULATOR_PORT": "8095",
        "CALLWRIGHT_SIMULATOR_ACCESS_KEY": KEY,
        "CALLWRIGHT_SIMULATOR_RESOURCE_ID": RID,
        "CALLWRIGHT_SIMULATOR_TLS": "true",
        "CALLWRIGHT_SIMULATOR_SUBSCRIBE": "http://a:1/E, http://b:2/E",
        "CALLWRIGHT_SIMULATOR_SUBSCRIBE_HEADER": "x-one: 1,x-two: 2",
        "CALLWRIGHT_SIMULATOR_OWNED_NUMBER": "+18005550111,+18005550112",
        "CALLWRIGHT_SIMULATOR_TIME_SCALE": "0.5",
        "CALLWRIGHT_SIMULATOR_STATE_DIR": "/tmp/sim-state",
    }
    config = parse_config([], environ=env)
    assert (config.port, config.access_key, config.resource_id, config.tls, config.time_scale) == (
        8095,
        KEY,
        RID,
        True,
        0.5,
    )
    assert [s.url for s in config.subscriptions] == ["http://a:1/E", "http://b:2/E"]
    assert config.subscriptions[0].headers == {"x-one": "1", "x-two": "2"}
    assert config.owned_numbers == ("+18005550111", "+18005550112")
    assert config.state_dir == "/tmp/sim-state"


def test_command_line_wins_over_environment() -> None:
    env = {"CALLWRIGHT_SIMULATOR_PORT": "8095", "CALLWRIGHT_SIMULATOR_SUBSCRIBE": "http://a:1/E"}
    config = parse_config(["--port", "8096", "--subscribe", "http://c:3/E"], environ=env)
    assert config.port == 8096
    assert [s.url for s in config.subscriptions] == ["http://c:3/E"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--port", "http"],
        ["--access-key", "not base64!"],
        ["--resource-id", "nope"],
        ["--time-scale", "0"],
        ["--subscribe", "ftp://x/y"],
        ["--subscribe-header", "no colon"],
        ["--owned-number", "555-1234"],
        ["--subscribe-schema", "xml"],
        ["--subscribe-name", "no spaces"],
        ["--entra-issuer", "https://login.microsoftonline.com/t/v2.0"],  # without --entra-jwks
        ["--entra-issuer", "https://login.microsoftonline.com/t/v2.0", "--entra-jwks", "/no/such/jwks.json"],
    ],
)
def test_bad_options_exit_with_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_config(argv, environ={})
    assert exited.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "-1"), ("TLS", "maybe"), ("TIME_SCALE", "fast"), ("SUBSCRIBE_SCHEMA", "xml"), ("LOG_LEVEL", "loud")],
)
def test_bad_environment_names_the_variable(name: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_config([], environ={f"CALLWRIGHT_SIMULATOR_{name}": value})
    assert f"CALLWRIGHT_SIMULATOR_{name}" in capsys.readouterr().err


def test_banner_tells_how_to_connect_and_hides_non_dev_keys() -> None:
    dev = banner(SimulatorConfig(port=8090), None)
    assert f"endpoint=http://127.0.0.1:8090/;accesskey={DEV_ACCESS_KEY}" in dev
    assert "http://127.0.0.1:8090/calling/keys" in dev and DEV_RESOURCE_ID in dev
    assert "curl -X POST http://127.0.0.1:8090/simulator/calls" in dev
    custom = banner(SimulatorConfig(port=8090, tls=True, access_key=KEY), "/tmp/ca.pem")
    assert KEY not in custom and "https://127.0.0.1:8090" in custom and "/tmp/ca.pem" in custom


async def test_module_entry_point_prints_help() -> None:
    import asyncio
    import os
    import sys

    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--help", env=env, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert b"CALLWRIGHT_SIMULATOR_" in stdout and b"--subscribe" in stdout


def test_realism_switch_and_seed_from_options_and_environment() -> None:
    assert (parse_config([], environ={}).realism, parse_config([], environ={}).realism_seed) == (False, 0)
    config = parse_config(["--realism", "--realism-seed", "7"], environ={})
    assert (config.realism, config.realism_seed) == (True, 7)
    env = {"CALLWRIGHT_SIMULATOR_REALISM": "true", "CALLWRIGHT_SIMULATOR_REALISM_SEED": "3"}
    config = parse_config([], environ=env)
    assert (config.realism, config.realism_seed) == (True, 3)
