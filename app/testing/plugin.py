"""The Callwright pytest plugin: call-script fixtures. It is opt-in, so installing Callwright never changes another
project's test run: load it with ``pytest_plugins = ["app.testing.plugin"]`` in a conftest (or ``-p``).

Fixtures:

- ``phone`` (function scope, async): the ACS emulator and the service on loopback, a fresh emulator world per
  test, and :class:`app.testing.harness.Phone` to place calls and script them.
- ``callwright_flows``: override to choose the flows (routers or module names); default: the settings'
  ``flow_modules``.
- ``callwright_settings``: override to change settings (a dict; dotted keys reach nested settings, e.g.
  ``{"flows.front_desk_after_hours": True}``).
- ``callwright_time_scale``: the emulator's time scale (default 0.02, or ``--callwright-time-scale``).

Options: ``--callwright-diagrams=DIR`` saves each failing test's call diagrams under DIR (default: the test's
temporary directory); ``--callwright-time-scale=S``.

Example::

    async def test_menu(phone):
        call = await phone.dial("+18005550102")
        await call.expect_prompt(contains="press 1")
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from app.routing import Router
    from app.testing.harness import Phone
    from app.testing.stack import CallwrightStack

DEFAULT_TIME_SCALE = 0.02
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("callwright", "Callwright call scripts")
    group.addoption(
        "--callwright-diagrams",
        metavar="DIR",
        default=None,
        help="save Mermaid sequence diagrams of a failing test's calls under DIR (default: the test's tmp dir)",
    )
    group.addoption(
        "--callwright-time-scale",
        type=float,
        default=None,
        help=f"emulator time scale for call scripts (default {DEFAULT_TIME_SCALE}: 1 simulated s = 20 ms)",
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def callwright_stack() -> Iterator[CallwrightStack]:
    """The shared servers (one emulator per time scale, one service per configuration), stopped at the end."""
    from app.testing.stack import CallwrightStack

    stack = CallwrightStack()
    try:
        yield stack
    finally:
        stack.close()


@pytest.fixture
def callwright_time_scale(request: pytest.FixtureRequest) -> float:
    """Simulated seconds → real seconds. Override the fixture, or pass ``--callwright-time-scale``."""
    option: float | None = request.config.getoption("--callwright-time-scale")
    return option if option is not None else DEFAULT_TIME_SCALE


@pytest.fixture
def callwright_flows() -> Sequence[Router | str] | None:
    """The flows the service runs: routers or module names; None = the settings' ``flow_modules``."""
    return None


@pytest.fixture
def callwright_settings() -> dict[str, Any]:
    """Settings overrides for the service (connection settings are filled in by the plugin)."""
    return {}


@pytest.fixture
async def phone(
    request: pytest.FixtureRequest,
    callwright_stack: CallwrightStack,
    callwright_time_scale: float,
    callwright_flows: Sequence[Router | str] | None,
    callwright_settings: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Phone]:
    """Call scripts against the real service and the ACS emulator (real SDK, HTTP and JWTs, on loopback)."""
    import httpx

    from app.testing.harness import Phone
    from simulator.client import SimulatorClient

    environment = await callwright_stack.environment(
        time_scale=callwright_time_scale, flows=callwright_flows, overrides=callwright_settings
    )
    directory = _diagram_dir(request, tmp_path_factory)
    async with httpx.AsyncClient(timeout=10.0) as http:
        emulator = SimulatorClient(environment.emulator_url, http=http)
        await emulator.reset()
        phone = Phone(environment, emulator, http, diagram_dir=directory)
        try:
            yield phone
        finally:
            if _failed(request.node):
                paths = await phone.save_diagrams()
                _announce(request, paths)
            await emulator.reset()  # stop this test's calls so nothing of them reaches the next test


def _failed(item: pytest.Item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


def _diagram_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    option: str | None = request.config.getoption("--callwright-diagrams")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid).strip("-")[:120]
    created: list[Path] = []

    def directory() -> Path:
        if not created:
            if option:
                path = Path(option) / slug
                path.mkdir(parents=True, exist_ok=True)
            else:
                # Requested up front: pytest refuses getfixturevalue() during teardown, when diagrams are written.
                path = tmp_path_factory.mktemp(slug[-60:] or "call", numbered=True)
            created.append(path)
        return created[0]

    return directory


def _announce(request: pytest.FixtureRequest, paths: list[Path]) -> None:
    if not paths:
        return
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"callwright: sequence diagrams of {request.node.nodeid}:", *(f"  {path}" for path in paths)]
    if reporter is not None:
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line)
