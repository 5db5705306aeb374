"""Run every file of one or more corpus directories (or single files) through a target, once.

    python fuzz/replay.py endpoint fuzz/corpus/endpoint fuzz/regressions/endpoint

Used by ``run_long.py`` under coverage.py to measure the line coverage a corpus reaches, and
handy to re-check saved crashes after a fix. Exits 1 on the first input that fails.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def inputs(paths: list[str]) -> list[Path]:
    """The files named, and the files inside the directories named, sorted."""
    found: list[Path] = []
    for arg in paths:
        path = Path(arg)
        found += sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return found


def main(argv: list[str]) -> int:
    """Replay; print how many inputs ran."""
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    module = importlib.import_module(f"fuzz.fuzz_{argv[0]}")
    files = inputs(argv[1:])
    for path in files:
        try:
            module.test_one_input(path.read_bytes())
        except Exception:
            traceback.print_exc()
            print(f"FAILED: {path}", file=sys.stderr)
            return 1
    print(f"replayed {len(files)} inputs through {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
