"""Fixtures for the renderer tests: the real scenario values, renderer availability."""

from __future__ import annotations

import pytest

from tests.conftest import require
from tests.ui.scenario import Scenario, scenario
from vpnteach.ui.graphviz_backend import DotRenderer, find_pure_binary, find_renderer


@pytest.fixture(scope="session")
def lab() -> Scenario:
    return scenario()


@pytest.fixture(scope="session")
def system_dot() -> DotRenderer:
    """Graphviz's real ``dot`` (skipped locally when absent, a failure in CI)."""
    found = find_renderer()
    require(found.kind == "system", "needs Graphviz's dot on PATH (Debian package graphviz)")
    return found


@pytest.fixture(scope="session")
def pure_dot() -> DotRenderer:
    """The ``graphviz-pure`` wheel's binary (skipped locally when absent, a failure in CI)."""
    path = find_pure_binary()
    require(path is not None, "needs the graphviz-pure wheel (pip install graphviz-pure)")
    return DotRenderer("pure", str(path))
