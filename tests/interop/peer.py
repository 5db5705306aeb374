"""The protocol between an interop test and its vpnteach peer process, for IKEv1 and IKEv2.

The test writes a JSON plan and starts ``python -m tests.ike.udp_peer PLAN OUT`` (or
``tests.ikev2.udp_peer``) in the left namespace; the peer binds its sockets, prints ``ready``,
runs the plan and writes its result per slot to ``OUT`` as JSON (events as dicts with a
``type``, bytes as hex). :func:`run_peer` is the test's side, :func:`peer_main` and
:func:`jsonable` the peer's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path

from vpnteach.net import netns

ROOT = Path(__file__).resolve().parents[2]
Result = dict[str, dict[str, object]]


def jsonable(value: object) -> object:
    """Events and facts as JSON: dataclasses as dicts with a ``type``, bytes as hex."""
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, **{k: jsonable(v) for k, v in asdict(value).items()}}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def peer_main(module: str, run_plan: Callable[[dict[str, object]], object], argv: list[str]) -> int:
    """The peer's ``main``: ``PLAN.json OUT.json`` -> ``run_plan(plan)`` written to OUT."""
    if len(argv) != 2:
        print(f"usage: python -m {module} PLAN.json OUT.json", file=sys.stderr)
        return 2
    result = run_plan(json.loads(Path(argv[0]).read_text()))
    Path(argv[1]).write_text(json.dumps(result))
    return 0


def run_peer(
    topo: netns.Topology,
    module: str,
    plan: dict[str, object],
    paths: tuple[Path, Path],
    during: Callable[[], None] = lambda: None,
    timeout: float = 60.0,
) -> Result:
    """Run the peer ``module`` with ``plan`` in ``topo``'s left namespace; once it is ready,
    call ``during`` (charon initiating, pings ...); wait for it (``timeout`` seconds at most)
    and return its result.

    ``paths`` are where the plan and the result go. The peer is killed if anything fails.
    """
    plan_path, out_path = paths
    plan_path.write_text(json.dumps(plan))
    argv = ["env", f"PYTHONPATH={ROOT}", sys.executable, "-m", module]
    proc = netns.popen(topo.left.ns, [*argv, str(plan_path), str(out_path)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready", f"{module} did not start"
        during()
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"{module} exited {proc.returncode}"
    result: Result = json.loads(out_path.read_text())
    return result


def peer_event_kinds(vpnteach: dict[str, object]) -> list[str]:
    """The type of each event in one slot's result, in order."""
    events = vpnteach["events"]
    assert isinstance(events, list)
    return [e["type"] for e in events]


def peer_events(vpnteach: dict[str, object], kind: str) -> list[dict[str, object]]:
    """The events of type ``kind`` in one slot's result."""
    events = vpnteach["events"]
    assert isinstance(events, list)
    return [e for e in events if e["type"] == kind]
