"""The layers point one way (DESIGN.md principle 4), enforced by import-linter's contract.

``[tool.importlinter]`` in pyproject.toml holds the layers of DESIGN.md; ``lint-imports`` runs
it in tools/test.sh. These tests show the contract has teeth: in a temporary copy of the
package they plant, one at a time, a forbidden import of each kind (``import vpnteach.x``,
``from vpnteach import x``, ``from vpnteach.x import Name``, a lazy import inside a function, a
relative import) into every layer, a cross import between two packages of one layer, and a
Jupyter, socket or asyncio import below ``ui`` or the real-network drivers, and expect
``lint-imports`` to fail on the copy; the unmodified copy, and an import under
``if TYPE_CHECKING:``, pass. ``import vpnteach`` must also stay light.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import loaded_by_import, require

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Each layer, bottom up, with its folder (or module) and the next layer up that it must not
# import; ``cli`` is the top and imports anything.
LAYERS: tuple[tuple[str, str], ...] = (
    ("_html.py", "trace"),
    ("trace.py", "wire"),
    ("wire", "crypto"),
    ("crypto", "pki"),
    ("pki", "ike"),
    ("esp", "ike"),
    ("ike", "ios"),
    ("ikev2", "ios"),
    ("ios", "gateway"),
    ("net/sim", "gateway"),
    ("net/*.py", "gateway"),
    ("gateway", "lab"),
    ("lab.py", "stepper"),
    ("labs", "stepper"),
    ("router", "stepper"),
    ("stepper", "troubleshoot"),
    ("troubleshoot", "exercises"),
    ("exercises", "ui"),
    ("ui", "cli"),
)
# An importable name in each upper layer, for ``from vpnteach.x import Name``.
NAMES = {
    "trace": "Trace",
    "wire": "Buffer",
    "crypto": "rng",
    "pki": "ca",
    "ike": "policy",
    "ios": "parse_config",
    "gateway": "Gateway",
    "lab": "Lab",
    "stepper": "Stepper",
    "troubleshoot": "diagnose",
    "exercises": "Exercise",
    "ui": "to_html",
    "cli": "main",
}
KINDS = ("plain", "from_package", "from_module", "lazy", "relative")


@dataclass(frozen=True)
class Plant:
    """``code`` appended to ``path`` (relative to the package) breaks the contract: lint-imports
    reports the import of ``imported`` by the planted module."""

    path: str
    code: str
    imported: str

    @property
    def importer(self) -> str:
        """The planted module's name: ``wire/buffer.py`` -> ``vpnteach.wire.buffer``."""
        parts = Path(self.path).with_suffix("").parts
        return ".".join(("vpnteach", *parts[: -1 if parts[-1] == "__init__" else None]))

    def reported_in(self, output: str) -> bool:
        """lint-imports' report names this import (``importer -> imported``, maybe a submodule)."""
        return f"{self.importer} -> {self.imported}" in output

    def __str__(self) -> str:
        first = self.code.strip().splitlines()
        return f"{self.path}: {' | '.join(line.strip() for line in first)}"


def _files(where: str) -> list[str]:
    """The package's files of one layer (``net/*.py``: the modules of ``net`` outside ``sim``)."""
    package = ROOT / "vpnteach"
    if where.endswith(".py"):
        found = sorted(package.glob(where))
    else:
        found = sorted((package / where).rglob("*.py"))
    return [str(f.relative_to(package)) for f in found]


def _statement(kind: str, path: str, upper: str) -> str:
    if kind == "plain":
        return f"import vpnteach.{upper}\n"
    if kind == "from_package":
        return f"from vpnteach import {upper}\n"
    if kind == "from_module":
        return f"from vpnteach.{upper} import {NAMES[upper]}\n"
    if kind == "lazy":
        return f"def _planted() -> None:\n    import vpnteach.{upper}\n"
    dots = "." * len(Path(path).parts)  # vpnteach/wire/x.py -> "..": the package vpnteach
    return f"from {dots} import {upper}\n"


def _upward() -> list[Plant]:
    """Every kind into every layer, each kind into a different file of the layer."""
    plants = []
    for where, upper in LAYERS:
        files = _files(where)
        for i, kind in enumerate(KINDS):
            path = files[i * 7 % len(files)]
            plants.append(Plant(path, _statement(kind, path, upper), f"vpnteach.{upper}"))
    return plants


SIDEWAYS = [
    Plant("pki/ca.py", "from vpnteach.esp import sa\n", "vpnteach.esp.sa"),
    Plant("esp/sad.py", "import vpnteach.pki.keys\n", "vpnteach.pki.keys"),
    Plant("ike/keymat.py", "from vpnteach.ikev2 import transforms\n", "vpnteach.ikev2.transforms"),
    Plant("ikev2/keymat.py", "import vpnteach.ike.keymat\n", "vpnteach.ike.keymat"),
    Plant("ios/show.py", "from vpnteach.net.sim import Network\n", "vpnteach.net.sim"),
    Plant(
        "net/sim/network.py",
        "def _planted() -> None:\n    from vpnteach import ios\n",
        "vpnteach.ios",
    ),
    Plant("lab.py", "from vpnteach.router import process\n", "vpnteach.router.process"),
    Plant("labs/enroll.py", "from ..router import control\n", "vpnteach.router.control"),
    Plant("router/control.py", "from vpnteach.lab import Lab\n", "vpnteach.lab"),
    Plant(
        "router/pki.py",
        "def _planted() -> None:\n    import vpnteach.labs.seed\n",
        "vpnteach.labs.seed",
    ),
    Plant(
        "troubleshoot/facts.py",
        "from vpnteach.exercises import gradebook\n",
        "vpnteach.exercises.gradebook",
    ),
]
EXTERNAL = [
    Plant("ike/keymat.py", "def _planted() -> None:\n    import socket\n", "socket"),
    Plant("wire/buffer.py", "import graphviz\n", "graphviz"),
    Plant("gateway/gateway.py", "import asyncio\n", "asyncio"),
    Plant("net/sim/scheduler.py", "import socket\n", "socket"),
    Plant(
        "stepper/step.py",
        "def _planted() -> None:\n    from IPython.display import display\n",
        "IPython",
    ),
    Plant("exercises/base.py", "def _planted() -> None:\n    import ipywidgets\n", "ipywidgets"),
    Plant("router/process.py", "import ipywidgets\n", "ipywidgets"),
]


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package and its pyproject.toml (the contract) to plant imports into."""
    require(LINT_IMPORTS.exists(), "needs import-linter (pip install -e '.[test]')")
    where = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "vpnteach", where / "vpnteach", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the copy at ``root`` (its package, its pyproject.toml)."""
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _plant(request: pytest.FixtureRequest) -> Plant:
    plant: Plant = request.node.callspec.params["planted"]
    return plant


@pytest.fixture
def planted(copy: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """The copy with ``request.param`` appended to one file, restored afterwards."""
    plant: Plant = request.param
    target = copy / "vpnteach" / plant.path
    original = target.read_text()
    target.write_text(original.rstrip("\n") + "\n\n\n" + plant.code)
    try:
        yield copy
    finally:
        target.write_text(original)


def test_the_package_as_it_is_keeps_every_contract(copy: Path) -> None:
    done = lint_imports(copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 5 kept, 0 broken." in done.stdout


@pytest.mark.parametrize("planted", _upward(), ids=str, indirect=True)
def test_an_import_of_a_higher_layer_breaks_the_layers_contract(
    planted: Path, request: pytest.FixtureRequest
) -> None:
    done = lint_imports(planted)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Layers point one way (DESIGN.md); packages of one layer are independent BROKEN" in (
        done.stdout
    )
    assert _plant(request).reported_in(done.stdout), done.stdout


@pytest.mark.parametrize("planted", SIDEWAYS, ids=str, indirect=True)
def test_an_import_between_two_packages_of_one_layer_breaks_a_contract(
    planted: Path, request: pytest.FixtureRequest
) -> None:
    done = lint_imports(planted)
    assert done.returncode == 1, done.stdout + done.stderr
    assert " BROKEN" in done.stdout
    assert _plant(request).reported_in(done.stdout), done.stdout


@pytest.mark.parametrize("planted", EXTERNAL, ids=str, indirect=True)
def test_jupyter_sockets_or_asyncio_in_the_core_break_a_contract(
    planted: Path, request: pytest.FixtureRequest
) -> None:
    done = lint_imports(planted)
    assert done.returncode == 1, done.stdout + done.stderr
    broken = [line for line in done.stdout.splitlines() if line.endswith(" BROKEN")]
    assert any(c in line for line in broken for c in ("Only ui imports", "Sans-IO")), broken
    assert _plant(request).reported_in(done.stdout), done.stdout


TYPE_ONLY = Plant(
    "wire/buffer.py",
    "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from vpnteach.lab import Lab\n",
    "vpnteach.lab",
)


@pytest.mark.parametrize("planted", [TYPE_ONLY], ids=str, indirect=True)
def test_an_import_for_type_checking_only_is_exempt(planted: Path) -> None:
    done = lint_imports(planted)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_layer_and_kind_is_planted() -> None:
    plants = _upward()
    assert {p.path.split("/")[0].removesuffix(".py") for p in plants} == {
        "_html", "trace", "wire", "crypto", "pki", "esp", "ike", "ikev2", "ios", "net", "gateway",
        "lab", "labs", "router", "stepper", "troubleshoot", "exercises", "ui",
    }  # fmt: skip
    assert any(p.path.startswith("net/sim/") for p in plants)
    assert any(p.path.startswith("net/") and p.path.count("/") == 1 for p in plants)
    assert len(plants) == len(LAYERS) * len(KINDS)


def test_import_vpnteach_loads_no_jupyter_or_graphviz() -> None:
    core = "vpnteach, vpnteach.wire, vpnteach.crypto, vpnteach.ike, vpnteach.pki"
    assert loaded_by_import(core, {"IPython", "ipywidgets", "graphviz"}) == []


def test_the_lab_stepper_and_exercises_load_no_notebook_views() -> None:
    upper = "vpnteach.lab, vpnteach.stepper, vpnteach.troubleshoot, vpnteach.exercises"
    assert loaded_by_import(upper, {"IPython", "ipywidgets", "graphviz", "vpnteach.ui"}) == []


MAX_MODULE_LINES = 500
"""STYLE.md: small modules; the architecture issue's bound for every module of the package."""


def test_no_module_of_the_package_is_over_500_lines() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines())
        for p in (ROOT / "vpnteach").rglob("*.py")
    }
    assert len(sizes) > 100  # the walk found the package
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}
