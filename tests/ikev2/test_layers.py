"""vpnteach.ikev2 sits on the layer of vpnteach.ike: it imports only wire, crypto, pki, esp
and the helpers (tests/test_architecture.py does not list it yet, so this test does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_architecture import FORBIDDEN_IN_CORE, HELPERS, _imports

PACKAGE = Path(__file__).resolve().parents[2] / "vpnteach" / "ikev2"
ALLOWED = {"wire", "crypto", "pki", "esp", "ikev2"} | HELPERS


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_ikev2_imports_only_lower_layers_and_never_ike(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN_IN_CORE, f"{path.name} imports {name}"
        if top == "vpnteach" and "." in name:
            assert name.split(".")[1] in ALLOWED, f"{path.name} imports {name}"
