"""Fixtures for the IOS configuration tests: the seed's two router configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpnteach.ios import RouterConfig, parse_config
from vpnteach.lab import Lab

CONFIGS = Path(__file__).resolve().parents[2] / "assets" / "configs"


def seed_text(name: str) -> str:
    """The text of ``assets/configs/<name>.cfg``, unchanged."""
    return (CONFIGS / f"{name}.cfg").read_text()


@pytest.fixture(scope="module")
def lab() -> Lab:
    """The seed lab, one per test module (a console test may change its configuration)."""
    return Lab.seed()


@pytest.fixture(scope="session")
def branch1() -> RouterConfig:
    return parse_config(seed_text("branch1"), "branch1.cfg")


@pytest.fixture(scope="session")
def branch2() -> RouterConfig:
    return parse_config(seed_text("branch2"), "branch2.cfg")
