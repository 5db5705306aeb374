"""The README's Binder badge and links come from one setting and open files that exist.

``[tool.vpnteach] repository`` in pyproject.toml is the repository's public location;
``binder/links.py`` writes the README block from it (issue 18).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
URL = re.compile(r"https://mybinder\.org/v2/gh/([\w.-]+)/([\w.-]+)/([\w.-]+)\?urlpath=([^)\s]+)")


def links() -> ModuleType:
    spec = importlib.util.spec_from_file_location("binder_links", REPO / "binder" / "links.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_urls() -> list[tuple[str, str, str, str]]:
    text = (REPO / "README.md").read_text()
    start, end = text.index("<!-- binder-links:start -->"), text.index("<!-- binder-links:end -->")
    return URL.findall(text[start:end])


def test_the_readme_block_is_the_one_generated_from_the_setting() -> None:
    module = links()
    readme = (REPO / "README.md").read_text()
    assert module.rewrite(readme) == readme, "run python binder/links.py"
    owner, name, ref = module.setting()
    assert {(o, n, r) for o, n, r, _ in readme_urls()} == {(owner, name, ref)}


def test_every_link_opens_a_notebook_that_exists_in_lab_and_in_voila() -> None:
    found = {path for *_, path in readme_urls()}
    assert "voila/render/notebooks/demo.ipynb" in found
    assert "lab/tree/notebooks/00-start-here.ipynb" in found
    for urlpath in found:
        app, _, path = urlpath.partition("/")
        kind, _, file = path.partition("/")
        assert (app, kind) in {("lab", "tree"), ("voila", "render")}, urlpath
        assert (REPO / file).is_file(), f"{urlpath}: {file} does not exist"


def test_changing_the_one_setting_changes_every_link(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.vpnteach]\nrepository = "https://github.com/uni-x/ipsec-course.git"\nref = "v1"\n'
    )
    block = links().block(pyproject)
    urls = URL.findall(block)
    assert len(urls) == 3  # badge, course, demo
    assert {(o, n, r) for o, n, r, _ in urls} == {("uni-x", "ipsec-course", "v1")}


@pytest.mark.parametrize(
    "content",
    ["[tool.other]\nx = 1\n", '[tool.vpnteach]\nrepository = "https://gitlab.com/a/b"\n'],
)
def test_a_missing_or_foreign_setting_is_a_clear_error(tmp_path: Path, content: str) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(content)
    module = links()
    with pytest.raises(module.SettingError, match=r"\[tool\.vpnteach\] repository"):
        module.setting(pyproject)
