"""The Binder image saves widget state with notebooks (answers checked in widgets are kept).

``binder/postBuild`` copies ``binder/overrides.json`` into the environment's JupyterLab
settings; the setting must be the one the installed widget manager declares in its schema.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_post_build_installs_the_save_widget_state_override(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text(f"#!/bin/sh\necho {tmp_path / 'prefix'}\n")
    (fake / "python").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    subprocess.run([str(REPO / "binder" / "postBuild")], cwd=REPO, env=env, check=True)
    written = tmp_path / "prefix" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides = json.loads(written.read_text())
    assert overrides == {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}


def test_the_override_names_a_setting_of_the_installed_widget_manager() -> None:
    pytest.importorskip("jupyterlab_widgets")
    manager = Path(sys.prefix, "share/jupyter/labextensions/@jupyter-widgets/jupyterlab-manager")
    schema = manager / "schemas" / "@jupyter-widgets" / "jupyterlab-manager" / "plugin.json"
    assert json.loads(schema.read_text())["properties"]["saveState"]["type"] == "boolean"
