"""Markers for the course tests."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds a fresh environment from PyPI (minutes; runs in CI)"
    )
