"""Real-network scenarios that mostly wait out a real lifetime, run all at once.

IOS's shortest lifetimes are 60 s (ISAKMP) and 120 s (IPsec SA, IKEv2 SA): a test that must
see a rekey or an expiry against charon waits that long, pinging twice a second. One after
another these waits added up to more than six minutes of CI; run together they take as long
as the longest. A module registers each such scenario at import (collection imports every
module before any test runs)::

    @waiting("isakmp-lifetime-i")
    def _run(work: Path, pki: Path, tag: str) -> PingRun: ...

and its test asks for the outcome: ``waits.result("isakmp-lifetime-i")``. The first request
starts every registered scenario, each in its own thread, work directory and namespace tag,
and waits for all of them, so nothing else of the suite runs beside them; later requests
find their outcome ready. A scenario's exception is raised in its own test, not in the one
that happened to start them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

Scenario = Callable[[Path, Path, str], Any]
"""``scenario(work, pki, tag)``: its own work directory, the session's PKI, a namespace tag."""

_SCENARIOS: dict[str, Scenario] = {}


def waiting(name: str) -> Callable[[Scenario], Scenario]:
    """Register ``name``'s scenario (see the module docstring)."""

    def register(scenario: Scenario) -> Scenario:
        if name in _SCENARIOS:
            raise ValueError(f"two waiting scenarios are called {name!r}")
        _SCENARIOS[name] = scenario
        return scenario

    return register


class Waits:
    """Every registered scenario's outcome; they all start on the first request."""

    def __init__(self, root: Path, pki: Path) -> None:
        self.root, self.pki = root, pki
        self._futures: dict[str, Future[Any]] = {}

    def result(self, name: str) -> Any:
        """What ``name``'s scenario returned (its exception raised here)."""
        if name not in _SCENARIOS:
            raise KeyError(f"no waiting scenario {name!r}; registered: {', '.join(_SCENARIOS)}")
        if not self._futures:
            self._run_all()
        return self._futures[name].result()

    def _run_all(self) -> None:
        with ThreadPoolExecutor(max_workers=len(_SCENARIOS)) as pool:
            for n, (name, scenario) in enumerate(sorted(_SCENARIOS.items())):
                work = self.root / name
                work.mkdir()
                # short and distinct: "vt<pid>" + tag + "1"/"w" must fit 15 characters
                self._futures[name] = pool.submit(scenario, work, self.pki, f"w{n}")
            wait(self._futures.values())
