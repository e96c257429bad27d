"""deploy/ and docs/deploy.md stay in step with the settings the service reads: every ``CALLWRIGHT_*`` name they use
is a real setting, every Bicep parameter is used, the parameters file is well formed and names only declared
parameters, and each variable the Bicep file sets appears in the guide's ``az`` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic_settings import BaseSettings

from config.ivr import IvrSettings
from config.settings import ENV_PREFIX, SampleFlowSettings, Settings
from simulator.cli import ENV_PREFIX as SIMULATOR_PREFIX
from simulator.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
BICEP = (ROOT / "deploy" / "main.bicep").read_text()
GUIDE = (ROOT / "docs" / "deploy.md").read_text()
_NAME = re.compile(r"\bCALLWRIGHT_[A-Z0-9_]*[A-Z0-9]\b")


def _variables(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = set()
    for field, info in cls.model_fields.items():
        if isinstance(info.default_factory, type) and issubclass(info.default_factory, BaseSettings):
            continue  # nested settings read their own prefix
        names.add(f"{prefix}{field}".upper())
    return names


def _known() -> set[str]:
    simulator = {
        f"{SIMULATOR_PREFIX}{action.dest.upper()}" for action in build_parser()._actions if action.dest != "help"
    }
    return set().union(_variables(Settings), _variables(SampleFlowSettings), _variables(IvrSettings), simulator)


def _bicep_parameters() -> list[str]:
    return re.findall(r"^param (\w+) ", BICEP, re.MULTILINE)


def test_every_variable_named_in_deploy_files_is_a_setting() -> None:
    known = _known()
    assert f"{ENV_PREFIX}ACS_ENDPOINT" in known and f"{ENV_PREFIX}IVR_TIMEZONE" in known  # the table is real
    for source, text in (("deploy/main.bicep", BICEP), ("docs/deploy.md", GUIDE)):
        unknown = sorted(set(_NAME.findall(text)) - known)
        assert not unknown, f"{source} names settings the service does not read: {unknown}"


def test_every_bicep_parameter_is_used() -> None:
    parameters = _bicep_parameters()
    assert {"name", "image", "phoneNumber", "eventGridSecret"} <= set(parameters)
    for parameter in parameters:
        uses = re.findall(rf"(?<![\w.']){parameter}\b", BICEP)
        assert len(uses) >= 2, f"parameter {parameter} is declared but never used"


def test_the_parameters_file_is_well_formed_and_names_declared_parameters() -> None:
    document = json.loads((ROOT / "deploy" / "main.parameters.json").read_text())
    assert document["contentVersion"] == "1.0.0.0"
    declared = set(_bicep_parameters())
    assert set(document["parameters"]) <= declared
    assert all(set(value) == {"value"} for value in document["parameters"].values())
    secure = set(re.findall(r"@secure\(\)\nparam (\w+)", BICEP))
    assert secure and not secure & set(document["parameters"]), "secrets belong on the command line or in Key Vault"


def test_secrets_the_app_references_are_defined() -> None:
    defined = set(re.findall(r"\{ name: '([a-z-]+)', value:", BICEP))
    referenced = set(re.findall(r"secretRef: '([a-z-]+)'", BICEP))
    assert referenced and referenced <= defined


def test_the_guide_sets_what_the_bicep_file_sets() -> None:
    in_bicep = set(re.findall(r"name: '(CALLWRIGHT_[A-Z_]+)'", BICEP))
    assert f"{ENV_PREFIX}STATE_BACKEND" in in_bicep and f"{ENV_PREFIX}REDIS_URL" in in_bicep
    missing = sorted(name for name in in_bicep if name not in GUIDE)
    assert not missing, f"docs/deploy.md does not mention {missing}"
