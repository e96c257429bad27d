"""Shared test configuration. The call-script fixtures (``phone``...) come from the Callwright pytest plugin, which
is opt-in: a project loads it with ``pytest_plugins = ["app.testing.plugin"]`` in its conftest, as here.
``pytester`` runs the plugin's own tests of failing call scripts."""

from __future__ import annotations

pytest_plugins = ["pytester", "app.testing.plugin"]
