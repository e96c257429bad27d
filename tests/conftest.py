"""Shared test configuration. The call-script fixtures (``phone``...) come from the ``callwright`` pytest plugin,
registered by the package's ``pytest11`` entry point; load it here only when the package is not installed.
``pytester`` runs the plugin's own tests of failing call scripts."""

from __future__ import annotations

from importlib.metadata import entry_points

_INSTALLED = any(entry.value == "app.testing.plugin" for entry in entry_points(group="pytest11"))
pytest_plugins = ["pytester"] + ([] if _INSTALLED else ["app.testing.plugin"])
