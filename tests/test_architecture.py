"""The layers point one way (DESIGN.md principle 4), checked on the source itself.

Each core package may import only the packages listed for it, and never Jupyter, graphviz,
sockets or asyncio. ``import vpnteach`` must stay light.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vpnteach"

# package -> vpnteach packages it may import (besides itself and the stdlib-only helpers)
ALLOWED: dict[str, set[str]] = {
    "wire": set(),
    "crypto": set(),
    "pki": {"crypto"},
    "ike": {"wire", "crypto", "pki"},
    "esp": {"wire", "crypto", "ike"},
    "ios": {"wire", "crypto", "pki", "ike", "esp"},
    "net/sim": {"wire", "crypto", "net"},
    "ui": {"wire", "crypto", "pki", "ike", "esp", "ios", "net", "lab", "stepper", "exercises"},
}
HELPERS = {"_html", "trace"}
FORBIDDEN_IN_CORE = {"IPython", "ipywidgets", "graphviz", "socket", "asyncio"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _core_files() -> list[tuple[str, Path]]:
    return [(pkg, f) for pkg in ALLOWED for f in sorted((PACKAGE / pkg).rglob("*.py"))]


@pytest.mark.parametrize(("pkg", "path"), _core_files(), ids=lambda v: str(v))
def test_core_module_imports_only_lower_layers(pkg: str, path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if pkg != "ui":
            assert top not in FORBIDDEN_IN_CORE, f"{path.name} imports {name}"
        if top == "vpnteach" and "." in name:
            sub = name.split(".")[1]
            if sub == "net" and pkg == "net/sim" and name.startswith("vpnteach.net.sim"):
                continue
            allowed = ALLOWED[pkg] | HELPERS | {pkg}
            assert sub in allowed, f"{pkg}/{path.name} imports {name}: arrows point downward only"


def test_import_vpnteach_loads_no_jupyter_or_graphviz() -> None:
    code = (
        "import sys, vpnteach, vpnteach.wire, vpnteach.crypto, vpnteach.ike, vpnteach.pki\n"
        "print(sorted({'IPython', 'ipywidgets', 'graphviz'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
