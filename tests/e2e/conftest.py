"""The end-to-end tests run the ``seed`` test flow under the ``phone`` fixture of the callwright plugin."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.routing import Router
from tests.e2e import seed_flow


@pytest.fixture
def callwright_flows() -> Sequence[Router | str]:
    return [seed_flow.router]
