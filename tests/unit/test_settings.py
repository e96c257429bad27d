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
        if name.startswith("CALLWRIGHT_"):
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
