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
    "router": {"wire", "crypto", "pki", "ike", "esp", "ios", "gateway", "net", "labs", "lab"},
    "gateway": {"wire", "crypto", "pki", "ike", "esp", "ios"},
    "labs": {"wire", "crypto", "pki", "ike", "esp", "ios", "gateway", "net", "lab"},
    "stepper": {"wire", "crypto", "pki", "ike", "esp", "ios", "gateway", "net", "lab", "labs"},
    "troubleshoot": {
        "wire",
        "crypto",
        "pki",
        "ike",
        "esp",
        "ios",
        "gateway",
        "net",
        "lab",
        "labs",
        "stepper",
        "exercises",
    },
    "exercises": {"wire", "crypto", "pki", "ike", "esp", "ios", "gateway", "net", "lab", "labs"},
    "lab.py": {"wire", "crypto", "pki", "ike", "esp", "ios", "gateway", "net", "labs"},
    "ui": {
        "wire",
        "crypto",
        "pki",
        "ike",
        "esp",
        "ios",
        "net",
        "lab",
        "labs",
        "stepper",
        "exercises",
    },
}
HELPERS = {"_html", "trace"}
FORBIDDEN_IN_CORE = {"IPython", "ipywidgets", "graphviz", "socket", "asyncio"}


# Upper layers may open a door upward inside a function (``lab.stepper()``, ``stepper.widget()``,
# ``exercise.widget()``): the upper module is then imported only when a learner asks for it.
LAZY_DOORS = {
    "lab": ("vpnteach.ui", "vpnteach.stepper", "vpnteach.troubleshoot"),
    "labs": ("vpnteach.ui",),
    "stepper": ("vpnteach.ui",),
    "exercises": ("vpnteach.ui",),
}


def _names(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return {node.module}
    return set()


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    return {name for node in nodes for name in _names(node)}


def _lazy_door_ok(pkg: str, path: Path, name: str) -> bool:
    return name.startswith(LAZY_DOORS.get(pkg, ("-",))) and name not in _imports(
        path, top_level_only=True
    )


def _core_files() -> list[tuple[str, Path]]:
    files = []
    for pkg in ALLOWED:
        where = PACKAGE / pkg
        paths = [where] if where.suffix == ".py" else sorted(where.rglob("*.py"))
        files += [(pkg.removesuffix(".py"), f) for f in paths]
    return files


@pytest.mark.parametrize(("pkg", "path"), _core_files(), ids=lambda v: str(v))
def test_core_module_imports_only_lower_layers(pkg: str, path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if pkg == "router":  # the real-network driver: sockets and asyncio are its job
            assert top not in FORBIDDEN_IN_CORE - {"socket", "asyncio"}, f"{path.name}: {name}"
        elif pkg != "ui":
            assert top not in FORBIDDEN_IN_CORE, f"{path.name} imports {name}"
        if top == "vpnteach" and "." in name:
            sub = name.split(".")[1]
            if sub == "net" and pkg == "net/sim" and name.startswith("vpnteach.net.sim"):
                continue
            allowed = ALLOWED[pkg if pkg in ALLOWED else f"{pkg}.py"] | HELPERS | {pkg}
            if _lazy_door_ok(pkg, path, name):
                continue
            assert sub in allowed, f"{pkg}/{path.name} imports {name}: arrows point downward only"


def test_import_vpnteach_loads_no_jupyter_or_graphviz() -> None:
    code = (
        "import sys, vpnteach, vpnteach.wire, vpnteach.crypto, vpnteach.ike, vpnteach.pki\n"
        "print(sorted({'IPython', 'ipywidgets', 'graphviz'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
