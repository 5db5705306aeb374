"""tests.conftest.require: skip locally, fail in CI."""

from __future__ import annotations

import pytest

from tests.conftest import require


def test_missing_prerequisite_skips_without_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs tshark"):
        require(False, "needs tshark")


def test_missing_prerequisite_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="prerequisite missing in CI: needs tshark"):
        require(False, "needs tshark")


def test_present_prerequisite_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require(True, "needs tshark")
