"""Callwright settings, read from ``CALLWRIGHT_*`` environment variables and ``.env``.

Nothing here reads the environment at import time: call :func:`load_settings` (the app factory does) or build
``Settings(...)`` explicitly, as tests do.

In ``development`` (the default) every ACS setting falls back to the local emulator's documented dev values, so
``make run`` needs no Azure account. In ``production`` those fallbacks are refused: the ACS endpoint, resource id,
callback base URL and Event Grid secret must be set, and the JWT issuer and JWKS URL default to ACS's own. Without an
access key (``CALLWRIGHT_ACS_ENDPOINT`` alone) the service authenticates to ACS with Microsoft Entra ID (managed
identity); see ``app/actions/client.py``.

Example::

    settings = Settings(acs_endpoint="http://127.0.0.1:8090", acs_access_key="...", acs_resource_id="...")
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from config.ivr import IvrSettings

if TYPE_CHECKING:
    from app.errors import SettingsError as SettingsError

ENV_PREFIX = "CALLWRIGHT_"

# The emulator's public dev identity. They are documented defaults, not secrets: `simulator/` uses the same values.
DEV_SIMULATOR_URL = "http://127.0.0.1:8090"
DEV_ACCESS_KEY = "Y2FsbHdyaWdodC1zaW11bGF0b3ItZGV2LWtleS12MSE="
DEV_RESOURCE_ID = "5f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5"
DEV_EVENTGRID_SECRET = "callwright-dev-eventgrid-secret"
DEV_TRIGGER_API_KEY = "callwright-dev-trigger-key"

ACS_JWT_ISSUER = "https://acscallautomation.communication.azure.com"
ACS_JWKS_URL = "https://acscallautomation.communication.azure.com/calling/keys"

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class StateBackend(StrEnum):
    MEMORY = "memory"
    REDIS = "redis"


class SampleFlowSettings(BaseSettings):
    """Phone numbers used by the sample flows in ``flows/`` (``CALLWRIGHT_FLOW_*``)."""

    model_config = SettingsConfigDict(env_prefix=f"{ENV_PREFIX}FLOW_", env_file=".env", extra="ignore")

    support_number: str = "+18005550100"
    conference_number: str = "+18005550101"
    front_desk_number: str = "+18005550102"
    live_support_number: str = "+18005550104"
    voice_bot_number: str = "+18005550105"
    agent_number: str = "+18005550199"
    supervisor_number: str = "+15555550160"
    specialist_number: str = "+15555550170"
    after_hours_number: str = "+15555550180"
    blocked_callers: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["+15555550666"])
    front_desk_after_hours: bool = False

    @field_validator("blocked_callers", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator(
        "front_desk_number",
        "conference_number",
        "support_number",
        "live_support_number",
        "voice_bot_number",
        "agent_number",
        "supervisor_number",
        "specialist_number",
        "after_hours_number",
    )
    @classmethod
    def _e164(cls, value: str) -> str:
        if not _E164.match(value):
            raise ValueError(f"{value!r} is not an E.164 phone number such as +18005550100")
        return value


class Settings(BaseSettings):
    """Everything the service needs, from ``CALLWRIGHT_*`` variables. See ``.env.example`` for each one."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT

    # --- ACS connection: a connection string, or endpoint plus key -------------------------------------------------
    acs_connection_string: SecretStr | None = None
    acs_endpoint: str | None = None
    acs_access_key: SecretStr | None = None
    acs_resource_id: str | None = None
    acs_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # The Azure AI services (multi-service) resource ACS uses for text-to-speech and speech recognition.
    cognitive_services_endpoint: str | None = None

    # --- Callbacks ------------------------------------------------------------------------------------------------
    callback_base_url: str | None = None
    public_host: str = "127.0.0.1"
    # ``PORT`` is what PaaS platforms (and the Procfile) set: the service listens there, so it advertises it too.
    port: int = Field(default=8000, ge=1, le=65535, validation_alias=AliasChoices(f"{ENV_PREFIX}PORT", "PORT", "port"))

    # --- Inbound authentication -------------------------------------------------------------------------------------
    eventgrid_secret: SecretStr | None = None
    eventgrid_secret_param: str = "secret"
    eventgrid_secret_header: str = "x-callwright-secret"
    eventgrid_subscriptions: Annotated[list[str], NoDecode] = Field(default_factory=list)
    jwt_issuer: str | None = None
    jwks_url: str | None = None
    jwt_leeway_seconds: int = Field(default=60, ge=0, le=600)
    allow_unauthenticated_callbacks: bool = False
    allow_unauthenticated_eventgrid: bool = False
    max_eventgrid_body_bytes: int = Field(default=1_572_864, gt=0)
    max_callback_body_bytes: int = Field(default=262_144, gt=0)

    # --- Outbound-call trigger ------------------------------------------------------------------------------------
    trigger_api_key: SecretStr | None = None

    # --- State, logging ---------------------------------------------------------------------------------------------
    state_backend: StateBackend = StateBackend.MEMORY
    state_ttl_seconds: int = Field(default=7200, gt=0)
    dedup_ttl_seconds: int = Field(default=900, gt=0)
    # --- Redis (CALLWRIGHT_STATE_BACKEND=redis): shared by every instance ----------------------------------------
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    redis_password: SecretStr | None = None
    redis_key_prefix: str = Field(default="callwright:", pattern=r"^[A-Za-z0-9_.:{}-]{1,64}$")
    redis_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    event_lease_seconds: float = Field(default=30.0, gt=0, le=600)
    call_lock_lease_seconds: float = Field(default=30.0, gt=0, le=600)
    call_lock_wait_seconds: float = Field(default=10.0, gt=0, le=60)
    shutdown_grace_seconds: int = Field(default=20, ge=0, le=600)
    log_format: Literal["json", "console"] | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    gc_freeze: bool = True
    gc_young_threshold: int = Field(default=10_000, ge=0, le=1_000_000)

    # --- Operating ----------------------------------------------------------------------------------------------
    # Bearer token of GET /metrics. Production serves /metrics only with one; development serves it openly.
    metrics_token: SecretStr | None = None
    # Traces: OpenTelemetry's own variable, so every OTEL_* setting applies; unset or "none" = off.
    otel_traces_exporter: Literal["otlp", "console", "none"] | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_TRACES_EXPORTER", "otel_traces_exporter")
    )

    # --- Flows ------------------------------------------------------------------------------------------------------
    flow_modules: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [
            "flows.support_line",
            "flows.front_desk",
            "flows.conference_bridge",
            "flows.conference",
            "flows.appointment_reminder",
            "flows.live_support",
            "flows.voice_bot",
        ]
    )
    common_modules: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["handlers.lifecycle"])
    flows: SampleFlowSettings = Field(default_factory=SampleFlowSettings)
    ivr: IvrSettings = Field(default_factory=IvrSettings)

    @field_validator("eventgrid_subscriptions", "flow_modules", "common_modules", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr) -> SecretStr:
        if not re.match(r"^(rediss?|unix)://", value.get_secret_value()):
            raise ValueError("must start with redis://, rediss:// (TLS, as Azure Cache for Redis needs) or unix://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("acs_endpoint", "callback_base_url", "jwks_url", "cognitive_services_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _apply_environment(self) -> Settings:
        if self.acs_connection_string is not None:
            endpoint, key = _parse_connection_string(self.acs_connection_string.get_secret_value())
            self.acs_endpoint = self.acs_endpoint or endpoint
            self.acs_access_key = self.acs_access_key or SecretStr(key)
        if self.environment is Environment.DEVELOPMENT:
            self.acs_endpoint = self.acs_endpoint or DEV_SIMULATOR_URL
            if not self.acs_endpoint.startswith("https://"):  # the emulator; a real resource without a key: Entra ID
                self.acs_access_key = self.acs_access_key or SecretStr(DEV_ACCESS_KEY)
            self.acs_resource_id = self.acs_resource_id or DEV_RESOURCE_ID
            self.callback_base_url = self.callback_base_url or f"http://{advertised_host(self.public_host)}:{self.port}"
            self.eventgrid_secret = self.eventgrid_secret or SecretStr(DEV_EVENTGRID_SECRET)
            self.trigger_api_key = self.trigger_api_key or SecretStr(DEV_TRIGGER_API_KEY)
            self.jwt_issuer = self.jwt_issuer or self.acs_endpoint
            self.jwks_url = self.jwks_url or f"{self.acs_endpoint}/calling/keys"
            self.log_format = self.log_format or "console"
        else:
            problems = self.production_problems()
            if problems:
                raise ValueError("; ".join(problems))
            self.jwt_issuer = self.jwt_issuer or ACS_JWT_ISSUER
            self.jwks_url = self.jwks_url or ACS_JWKS_URL
            self.log_format = self.log_format or "json"
        if self.acs_access_key is not None:
            _require_base64(self.acs_access_key.get_secret_value())
        return self

    def _production_refusals(self) -> list[str]:
        refused = []
        if self.callback_base_url is not None and not self.callback_base_url.startswith("https://"):
            refused.append(f"{ENV_PREFIX}CALLBACK_BASE_URL must be https:// (ACS posts callbacks over HTTPS only)")
        if self.acs_resource_id is not None and not _GUID.match(self.acs_resource_id):
            refused.append(
                f"{ENV_PREFIX}ACS_RESOURCE_ID must be the Immutable Resource ID, a GUID (portal > Properties)"
            )
        if "flow_modules" not in self.model_fields_set:
            refused.append(f"{ENV_PREFIX}FLOW_MODULES must name your flows (the sample flows run only when named)")
        return refused

    def production_problems(self) -> list[str]:
        """Everything production refuses, one short phrase each; startup joins them into one line.

        Add a check by appending a phrase that names the variable to set. Example::

            Settings(environment="production").production_problems()
            # ["production needs CALLWRIGHT_ACS_ENDPOINT (or CALLWRIGHT_ACS_CONNECTION_STRING), ..."]
        """
        missing = []
        if self.acs_endpoint is None:  # without an access key the SDK signs in with a managed identity
            missing.append(f"{ENV_PREFIX}ACS_ENDPOINT (or {ENV_PREFIX}ACS_CONNECTION_STRING)")
        for name in ("acs_resource_id", "callback_base_url"):
            if getattr(self, name) is None:
                missing.append(f"{ENV_PREFIX}{name.upper()}")
        if self.eventgrid_secret is None and not self.allow_unauthenticated_eventgrid:
            missing.append(f"{ENV_PREFIX}EVENTGRID_SECRET")
        problems = [f"production needs {', '.join(missing)}"] if missing else []
        if self.acs_access_key is not None and self.acs_access_key.get_secret_value() == DEV_ACCESS_KEY:
            problems.append(f"{ENV_PREFIX}ACS_ACCESS_KEY is the emulator's dev key; set the resource's key")
        return problems + self._production_refusals()

    # Typed accessors: after validation these are always set, so callers need no None checks.
    @property
    def endpoint(self) -> str:
        assert self.acs_endpoint is not None
        return self.acs_endpoint

    @property
    def access_key(self) -> str:
        assert self.acs_access_key is not None
        return self.acs_access_key.get_secret_value()

    @property
    def resource_id(self) -> str:
        assert self.acs_resource_id is not None
        return self.acs_resource_id

    @property
    def callback_url(self) -> str:
        """The ``/Events`` URL that ACS posts mid-call callbacks to."""
        assert self.callback_base_url is not None
        return f"{self.callback_base_url}/Events"

    @property
    def issuer(self) -> str:
        assert self.jwt_issuer is not None
        return self.jwt_issuer

    @property
    def jwks(self) -> str:
        assert self.jwks_url is not None
        return self.jwks_url


def __getattr__(name: str) -> object:
    # ``SettingsError`` lives with Callwright's other errors (app.errors); importing it at module level here would
    # be circular (app imports config), so it is resolved on first use.
    if name == "SettingsError":
        from app.errors import SettingsError

        return SettingsError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and ``.env``; raise :class:`SettingsError` naming bad variables.

    Example::

        settings = load_settings(port=9000)
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic-settings accepts field overrides
    except ValidationError as exc:
        # Nested settings (flows, ivr) raise their own errors: name variables with *their* prefix.
        prefixes = {cls.__name__: str(cls.model_config.get("env_prefix", ENV_PREFIX)) for cls in _SETTINGS_CLASSES}
        prefix = prefixes.get(exc.title, ENV_PREFIX)
        problems = []
        for error in exc.errors():
            location = [str(part) for part in error["loc"]]
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{prefix}{location[-1].upper()}: {message}" if location else message)
        from app.errors import SettingsError

        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None


def settings_or_exit(**overrides: object) -> Settings:
    """:func:`load_settings` for entry points (the app factory, the CLI): a bad configuration ends the process with
    ONE line on stderr naming what to fix, and exit code 2, never a traceback, whether run by ``callwright``,
    uvicorn or the Procfile.

    Example::

        settings = settings_or_exit()   # stderr: "callwright: invalid configuration: production needs ..."
    """
    from app.errors import SettingsError

    try:
        return load_settings(**overrides)
    except SettingsError as error:
        print(f"callwright: {error}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


_SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (Settings, SampleFlowSettings, IvrSettings)
# Variables of the emulator (``python -m simulator``), which reads its own configuration.
_FOREIGN_PREFIXES = (f"{ENV_PREFIX}SIMULATOR_",)
_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})


def advertised_host(listen_host: str) -> str:
    """The host to put in callback URLs for a server listening on ``listen_host``.

    A wildcard address (``0.0.0.0``, ``::``) accepts connections but cannot be dialled, so loopback is advertised.

    Example::

        advertised_host("0.0.0.0")    # "127.0.0.1"
    """
    return "127.0.0.1" if listen_host.strip() in _WILDCARD_HOSTS else listen_host


def known_variables() -> frozenset[str]:
    """Every ``CALLWRIGHT_*`` variable some settings class reads (upper case)."""
    names: set[str] = set()
    for cls in _SETTINGS_CLASSES:
        prefix = str(cls.model_config.get("env_prefix", ENV_PREFIX)).upper()
        for name, field in cls.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings):
                continue  # a nested group (flows, ivr): its own class names its variables
            if isinstance(field.validation_alias, AliasChoices):  # the aliases replace the prefixed name
                names.update(str(choice).upper() for choice in field.validation_alias.choices if choice != name)
            else:
                names.add(f"{prefix}{name.upper()}")
    return frozenset(names)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``CALLWRIGHT_*`` names in ``environ`` that no setting reads, each with a suggestion when one is close.

    A misspelt variable is otherwise silently ignored. Example::

        unknown_variables({"CALLWRIGHT_FLOW_MODULE": "flows.hello"})
        # ["CALLWRIGHT_FLOW_MODULE (did you mean CALLWRIGHT_FLOW_MODULES?)"]
    """
    known = known_variables()
    found = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or upper.startswith(_FOREIGN_PREFIXES):
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.8)
        found.append(f"{upper} (did you mean {close[0]}?)" if close else upper)
    return found


def configured_variables(env_file: str | Path = ".env") -> dict[str, str]:
    """The variables settings are read from: the ``.env`` file overlaid by the environment."""
    path = Path(env_file)
    values = {key: value or "" for key, value in dotenv_values(path).items()} if path.is_file() else {}
    return {**values, **os.environ}


def _parse_connection_string(value: str) -> tuple[str, str]:
    parts = dict(part.split("=", 1) for part in value.split(";") if "=" in part)
    lowered = {key.strip().lower(): val.strip() for key, val in parts.items()}
    if "endpoint" not in lowered or "accesskey" not in lowered:
        raise ValueError("a connection string reads endpoint=https://...;accesskey=...")
    return lowered["endpoint"].rstrip("/"), lowered["accesskey"]


def _require_base64(key: str) -> None:
    import base64
    import binascii

    try:
        base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"{ENV_PREFIX}ACS_ACCESS_KEY (or the accesskey of {ENV_PREFIX}ACS_CONNECTION_STRING) must be base64,"
            " as the portal shows it"
        ) from None
