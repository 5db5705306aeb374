"""The seed's two router configurations, shipped as package data so that ``vpnteach demo`` works
on a fresh install (the wheel carries no ``assets/``). ``vpnteach/data/configs/*.cfg`` are
byte-for-byte ``assets/configs/branch1.cfg`` and ``branch2.cfg``; ``tests/lab/test_seed_lab.py``
checks that they have not drifted.
"""

from __future__ import annotations

from importlib.resources import files


def _read(name: str) -> str:
    return (files("vpnteach") / "data" / "configs" / name).read_text(encoding="utf-8")


BRANCH1_CFG = _read("branch1.cfg")
BRANCH2_CFG = _read("branch2.cfg")

SEED_CONFIGS = {"Branch1": BRANCH1_CFG, "Branch2": BRANCH2_CFG}
