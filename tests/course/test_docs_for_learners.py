"""The instructor guide's commands work as written, and the glossary covers the course's
acronyms (COURSE-STYLE: a glossary entry for every acronym)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from vpnteach.exercises import EXERCISES

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "instructor-guide.md"
GLOSSARY = ROOT / "docs" / "glossary.md"
NOTEBOOKS = ROOT / "notebooks"
# capitalised words of the notebooks that are names, not acronyms
NOT_ACRONYMS = {"AEST", "AUTH", "PROTECT", "USENIX", "WIN2003", "PC1", "PC2", "NONCE", "TYPE"}


def commands() -> list[str]:
    text = GUIDE.read_text()
    joined = re.sub(r"\\\n\s*", "", text)
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("vpnteach ")]


def vpnteach(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vpnteach", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_the_guides_course_commands_run_as_written(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("id,name\ns001,Ada\ns002,Bob\n")
    course = tmp_path / "ipsec-2027"
    ran = []
    for command in commands():
        words = command.replace("~/teaching/ipsec-2027", str(course)).split()
        if words[1] == "course":
            args = [w.strip('"') for w in words[1:] if not w.startswith("#")]
            args = args[: args.index("#")] if "#" in args else args
            if "--name" in args:  # the name is quoted in the guide
                args = [*args[: args.index("--name") + 1], "IPsec 2027"]
            done = vpnteach(*args, cwd=tmp_path)
            assert done.returncode == 0, (command, done.stderr)
            ran.append(args[1])
    assert ran == ["init", "handout", "solutions"]
    assert (tmp_path / "handouts" / "s001" / "vpnteach-handout.json").is_file()
    assert "s002" in (tmp_path / "instructor" / "solutions.csv").read_text()


def test_every_grade_option_in_the_guide_exists(tmp_path: Path) -> None:
    grade = next(c for c in commands() if c.startswith("vpnteach grade"))
    help_text = vpnteach("grade", "--help", cwd=tmp_path).stdout
    for option in re.findall(r"--[a-z-]+", grade):
        assert option in help_text, option


def test_the_guide_names_every_exercise_and_notebook() -> None:
    text = GUIDE.read_text()
    for exercise in EXERCISES:
        assert f"`{exercise}`" in text, exercise
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        assert f"`{notebook.stem}`" in text, notebook.name


def test_the_glossary_explains_every_acronym_of_the_notebooks() -> None:
    defined = " ".join(
        line.split("|")[1] for line in GLOSSARY.read_text().splitlines() if line.startswith("| **")
    )
    used: set[str] = set()
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                text = re.sub(r"`[^`]*`", "", "".join(cell["source"]))
                used |= set(re.findall(r"\b[A-Z][A-Z0-9]{1,5}\b", text))
    missing = sorted(
        word for word in used - NOT_ACRONYMS
        if not re.search(rf"\b{word}\b", defined) and not re.fullmatch(r"(MM|QM|AM)\d|RFC\d*", word)
    )  # fmt: skip
    assert missing == []
