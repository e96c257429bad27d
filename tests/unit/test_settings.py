"""Settings: dev defaults, production requirements, and errors that name the variable."""

from __future__ import annotations

import pytest

from config.settings import (
    ACS_JWKS_URL,
    ACS_JWT_ISSUER,
    DEV_ACCESS_KEY,
    DEV_SIMULATOR_URL,
    Settings,
    SettingsError,
    load_settings,
)

PROD_KEY = "cHJvZHVjdGlvbi1rZXktMTIzNDU2Nzg5MA=="


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("CALLWRIGHT_") or name == "PORT":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_development_defaults_point_at_the_emulator() -> None:
    settings = load_settings()
    assert settings.endpoint == DEV_SIMULATOR_URL
    assert settings.access_key == DEV_ACCESS_KEY
    assert settings.issuer == DEV_SIMULATOR_URL
    assert settings.jwks == f"{DEV_SIMULATOR_URL}/calling/keys"
    assert settings.callback_url == "http://127.0.0.1:8000/Events"
    assert settings.log_format == "console"


def test_environment_variables_are_read_at_load_time_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWRIGHT_PORT", "9123")
    monkeypatch.setenv("CALLWRIGHT_FLOW_MODULES", "flows.front_desk, flows.conference")
    monkeypatch.setenv("CALLWRIGHT_FLOW_AGENT_NUMBER", "+15555550111")
    settings = load_settings()
    assert settings.port == 9123
    assert settings.flow_modules == ["flows.front_desk", "flows.conference"]
    assert settings.flows.agent_number == "+15555550111"
    assert settings.callback_base_url == "http://127.0.0.1:9123"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CALLWRIGHT_PORT", "not-a-port"),
        ("CALLWRIGHT_ACS_ENDPOINT", "ftp://nope"),
        ("CALLWRIGHT_ACS_TIMEOUT_SECONDS", "-1"),
        ("CALLWRIGHT_LOG_LEVEL", "LOUD"),
        ("CALLWRIGHT_ACS_ACCESS_KEY", "not base64 !!"),
    ],
)
def test_an_invalid_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value)


def test_a_bad_sample_flow_number_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWRIGHT_FLOW_AGENT_NUMBER", "555-0150")
    with pytest.raises(SettingsError, match="CALLWRIGHT_FLOW_AGENT_NUMBER"):
        load_settings()


def test_production_requires_the_real_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWRIGHT_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    for variable in ("CALLWRIGHT_ACS_ENDPOINT", "CALLWRIGHT_ACS_RESOURCE_ID", "CALLWRIGHT_EVENTGRID_SECRET"):
        assert variable in str(raised.value)


def test_production_refuses_the_emulator_dev_key() -> None:
    with pytest.raises(SettingsError, match="dev key"):
        load_settings(
            environment="production",
            acs_endpoint="https://example.communication.azure.com",
            acs_access_key=DEV_ACCESS_KEY,
            acs_resource_id="0d0d0d0d-0000-0000-0000-000000000000",
            callback_base_url="https://ivr.example.com",
            eventgrid_secret="s3cret",
        )


def test_production_from_a_connection_string_uses_acs_issuer_and_json_logs() -> None:
    settings = Settings(
        environment="production",
        acs_connection_string=f"endpoint=https://example.communication.azure.com/;accesskey={PROD_KEY}",
        acs_resource_id="0d0d0d0d-0000-0000-0000-000000000000",
        callback_base_url="https://ivr.example.com/",
        eventgrid_secret="s3cret",
        flow_modules=["flows.front_desk"],
    )
    assert settings.endpoint == "https://example.communication.azure.com"
    assert settings.access_key == PROD_KEY
    assert (settings.issuer, settings.jwks) == (ACS_JWT_ISSUER, ACS_JWKS_URL)
    assert settings.callback_url == "https://ivr.example.com/Events"
    assert settings.log_format == "json"
    assert PROD_KEY not in repr(settings)  # secrets stay out of reprs and logs


def test_a_malformed_connection_string_is_refused() -> None:
    with pytest.raises(SettingsError, match="connection string"):
        load_settings(acs_connection_string="https://example.communication.azure.com")


def test_production_with_a_connection_string_lists_exactly_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWRIGHT_ENVIRONMENT", "production")
    monkeypatch.setenv(
        "CALLWRIGHT_ACS_CONNECTION_STRING", f"endpoint=https://example.communication.azure.com/;accesskey={PROD_KEY}"
    )
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(
        "invalid configuration: production needs CALLWRIGHT_ACS_RESOURCE_ID, CALLWRIGHT_CALLBACK_BASE_URL,"
        " CALLWRIGHT_EVENTGRID_SECRET; CALLWRIGHT_FLOW_MODULES must name your flows"
    )
    assert "CALLWRIGHT_ACS_ENDPOINT" not in message and "CONNECTION_STRING" not in message  # both are given
    assert "\n" not in message


def test_production_without_any_acs_connection_names_the_connection_string() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(
            environment="production",
            acs_resource_id="0d0d0d0d-0000-0000-0000-000000000000",
            callback_base_url="https://ivr.example.com",
            eventgrid_secret="s3cret",
        )
    assert "CALLWRIGHT_ACS_CONNECTION_STRING" in str(raised.value)
    assert "CALLWRIGHT_ACS_RESOURCE_ID" not in str(raised.value)


@pytest.mark.parametrize("command", [["uvicorn", "--factory", "app.web.app:create_service", "--port", "0"]])
def test_a_bad_production_configuration_is_one_line_without_traceback_under_uvicorn(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    import subprocess
    import sys
    from pathlib import Path

    monkeypatch.setenv("CALLWRIGHT_ENVIRONMENT", "production")
    monkeypatch.setenv(
        "CALLWRIGHT_ACS_CONNECTION_STRING", f"endpoint=https://example.communication.azure.com/;accesskey={PROD_KEY}"
    )
    executable = str(Path(sys.executable).with_name(command[0]))
    result = subprocess.run([executable, *command[1:]], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "callwright: invalid configuration: production needs CALLWRIGHT_ACS_RESOURCE_ID,"
        " CALLWRIGHT_CALLBACK_BASE_URL, CALLWRIGHT_EVENTGRID_SECRET"
    )
    assert "Traceback" not in result.stderr


def test_log_level_accepts_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWRIGHT_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"


def test_a_misspelt_variable_is_reported_with_a_suggestion() -> None:
    from config.settings import unknown_variables

    found = unknown_variables(
        {"CALLWRIGHT_FLOW_MODULE": "flows.hello", "CALLWRIGHT_PORT": "8000", "CALLWRIGHT_SIMULATOR_PORT": "8090"}
    )
    assert found == ["CALLWRIGHT_FLOW_MODULE (did you mean CALLWRIGHT_FLOW_MODULES?)"]


def test_documented_settings_are_exactly_the_settings_read() -> None:
    import re
    from pathlib import Path

    from config.settings import known_variables

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?(CALLWRIGHT_[A-Z_]+)=", example, flags=re.MULTILINE))
    read = {name for name in known_variables() if name.startswith("CALLWRIGHT_")}
    assert documented == read
    # Documented once, read by nothing: kits take attempts and timeouts as arguments; the trigger takes callerId.
    dead = {"CALLWRIGHT_IVR_MAX_ATTEMPTS", "CALLWRIGHT_IVR_INPUT_TIMEOUT_SECONDS", "CALLWRIGHT_FLOW_REMINDER_CALLER_ID"}
    assert not dead & (documented | read)


async def test_the_app_warns_about_unknown_variables_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    from structlog.testing import capture_logs

    from app.web.app import create_app

    monkeypatch.setenv("CALLWRIGHT_FLOW_MODULE", "flows.front_desk")
    monkeypatch.setenv("CALLWRIGHT_ALLOW_UNAUTHENTICATED_CALLBACKS", "true")  # no JWKS fetch at startup
    app = create_app()
    with capture_logs() as logs:
        async with app.router.lifespan_context(app):
            pass
    warnings = [line for line in logs if line["event"] == "settings_unknown"]
    assert warnings and warnings[0]["variables"] == ["CALLWRIGHT_FLOW_MODULE (did you mean CALLWRIGHT_FLOW_MODULES?)"]


def test_the_platform_port_is_where_the_service_listens_and_what_it_advertises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "18300")
    assert load_settings().callback_url == "http://127.0.0.1:18300/Events"


def test_a_wildcard_listen_host_advertises_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLWRIGHT_PUBLIC_HOST", "0.0.0.0")
    monkeypatch.setenv("CALLWRIGHT_PORT", "9300")
    assert load_settings().callback_url == "http://127.0.0.1:9300/Events"
