"""strongSwan fails the way the troubleshooting scenarios say, and vpnteach's one-sided
diagnosis (:func:`vpnteach.troubleshoot.diagnose_endpoint`) names the same cause.

Five faults the real peer can show, each in both directions (vpnteach initiating, strongSwan
initiating): an IKE proposal mismatch, traffic selectors that are not mirrored (crypto ACL), a
certificate from a CA the other side does not trust, and different pre-shared keys in Main Mode
and in Aggressive Mode. The judge
is charon's own log (strongSwan 5.9.8 wording) and the notification vpnteach sent or got.

Topology, credentials and charon come from :mod:`tests.ike.interop_lab`; vpnteach runs on the
package's UDP driver as in ``tests/ike/udp_peer.py``, but through this module's ``main`` (run as
``python -m tests.interop.test_failures_strongswan PLAN OUT`` inside the left namespace), which
adds the diagnosis to each slot's result. Needs root, netns and strongSwan: skipped locally
without them, failing in CI.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ike.interop_lab import Case, CaseResult, connection, slot, split_results
from tests.ike.udp_peer import Slot, run_runners
from tests.interop.lab import charon_lab, start_charon
from tests.interop.peer import peer_main, run_peer
from tests.interop.strongswan import AM_PSK_CONF, Charon, CharonError
from vpnteach.net import netns

pytestmark = pytest.mark.interop

FAULTS = ("proposal", "acl", "untrusted", "psk", "am-psk")
CASES = [
    Case(
        i * 2 + j,
        auth="pre-share" if fault.endswith("psk") else "rsa-sig",
        vpnteach_initiates=j == 0,
        failure={"proposal": "mismatch", "untrusted": "untrusted"}.get(fault),
        label=f"{'vt' if j == 0 else 'sw'}-{fault}",
    )
    for i, fault in enumerate(FAULTS)
    for j in (0, 1)
]
BY_NAME = {c.name: c for c in CASES}
WRONG_PSK = "cisco124"


def vpnteach_slot(case: Case) -> Slot:
    """vpnteach's side: the interop harness's slot, then this case's fault."""
    base = slot(case)
    fault = case.name.split("-", 1)[1]
    if fault == "acl":
        # vpnteach's crypto ACL names another remote LAN than strongSwan's local one.
        return dataclasses.replace(base, peer_lan="192.168.250.0/24", retransmit=1.0)
    if fault == "psk":
        return dataclasses.replace(base, psk=WRONG_PSK, retransmit=0.5, retransmit_limit=2)
    if fault == "am-psk":  # Aggressive Mode (RFC 2409 §5.4): HASH_R/HASH_I cannot verify
        wrong = dataclasses.replace(base, psk=WRONG_PSK, retransmit=0.5, retransmit_limit=2)
        return dataclasses.replace(wrong, aggressive=case.vpnteach_initiates)
    return dataclasses.replace(base, retransmit=1.0, retransmit_limit=2)


# ------------------------------------------------------------------ the vpnteach process


async def run_plan(plan: dict[str, object]) -> dict[str, object]:
    """``tests.ike.udp_peer``'s run, plus each slot's one-sided diagnosis."""
    from vpnteach.troubleshoot import diagnose_endpoint

    out: dict[str, object] = {}
    for r in await run_runners(plan):
        d = diagnose_endpoint(r.endpoint, r.events)
        out[r.slot.name] = {**r.result(), "cause": d.cause, "diagnosis": d.text()}
    return out


def main(argv: list[str]) -> int:
    return peer_main(
        "tests.interop.test_failures_strongswan", lambda plan: asyncio.run(run_plan(plan)), argv
    )


# ------------------------------------------------------------------ the test side


@pytest.fixture(scope="module")
def results(
    root_netns: None, strongswan: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, CaseResult]]:
    connections = [_connection(c) for c in CASES]
    with charon_lab(
        tmp_path_factory,
        "failures",
        CASES,
        lambda topo, work, when: start_charon(
            topo, work, when, connections, extra_conf=AM_PSK_CONF
        ),
    ) as (topo, charon, work, when):
        ours, outputs = _run(topo, work, when, charon)
        time.sleep(0.3)
        log = charon.log.read_text(errors="replace")
        yield split_results(CASES, ours, log, outputs)


def _connection(case: Case):  # type: ignore[no-untyped-def]
    conn = connection(case)
    if case.name.endswith("-psk"):
        conn = dataclasses.replace(conn, psk="cisco123")
    return dataclasses.replace(conn, aggressive=case.name.endswith("-am-psk"))


def _run(
    topo: netns.Topology, work: Path, when: float, charon: Charon
) -> tuple[dict[str, dict[str, object]], dict[str, str]]:
    plan = {"pki_time": when, "timeout": 8.0, "step_timeout": 6.0, "linger": 0.0,
            "slots": [dataclasses.asdict(vpnteach_slot(c)) for c in CASES]}  # fmt: skip
    outputs: dict[str, str] = {}

    def charon_initiates() -> None:
        for case in CASES:
            if not case.vpnteach_initiates:
                try:
                    outputs[case.name] = charon.initiate("lan-lan", ike=case.name, timeout=4)
                except CharonError as exc:
                    outputs[case.name] = str(exc)

    paths = (work / "plan.json", work / "out.json")
    return run_peer(topo, __name__, plan, paths, charon_initiates, timeout=90), outputs


def _notifies(r: CaseResult, kind: str) -> set[str]:
    from vpnteach.troubleshoot.facts import notify_name

    return {notify_name(n) for n in r.notify_types(kind)}


# (case, what charon logs, notification vpnteach sent or received, cause vpnteach names)
EXPECTED = [
    ("vt-proposal", "no proposal found", ("NotificationReceived", "NO_PROPOSAL_CHOSEN"),
     "isakmp_policy_mismatch"),
    ("sw-proposal", "received NO_PROPOSAL_CHOSEN error notify",
     ("NotificationSent", "NO_PROPOSAL_CHOSEN"), "isakmp_policy_mismatch"),
    ("vt-acl", "no matching CHILD_SA config found",
     ("NotificationReceived", "INVALID_ID_INFORMATION"), "acl_not_mirrored"),
    ("sw-acl", "received INVALID_ID_INFORMATION error notify",
     ("NotificationSent", "INVALID_ID_INFORMATION"), "acl_not_mirrored"),
    ("vt-untrusted", "no trusted RSA public key found for 'Branch1.amit.com'",
     ("NotificationReceived", "AUTHENTICATION_FAILED"), "untrusted_ca"),
    ("sw-untrusted", "received INVALID_CERT_AUTHORITY error notify",
     ("NotificationSent", "INVALID_CERT_AUTHORITY"), "untrusted_ca"),
    ("vt-psk", "", None, "psk_mismatch"),
    ("sw-psk", "", None, "psk_mismatch"),
    # Aggressive Mode: we check charon's HASH_R and refuse it in clear (charon 5.9.8 queues
    # that notification while its AM task waits for AM3); charon checks ours and answers
    # AUTHENTICATION-FAILED encrypted under its own (wrong) key.
    ("vt-am-psk", "queueing INFORMATIONAL_V1 request as tasks still active",
     ("NotificationSent", "AUTHENTICATION_FAILED"), "psk_mismatch"),
    ("sw-am-psk", "calculated HASH does not match HASH payload", None, "psk_mismatch"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "log_line", "notify", "cause"), EXPECTED,
                         ids=[e[0] for e in EXPECTED])  # fmt: skip
def test_strongswan_fails_as_the_scenario_and_diagnose_names_the_cause(
    results: dict[str, CaseResult], name: str, log_line: str,
    notify: tuple[str, str] | None, cause: str,
) -> None:  # fmt: skip
    r = results[name]
    assert not r.events("Phase2Complete"), r.log[-2000:]
    if log_line:
        assert log_line in r.log, r.log[-3000:]
    if notify is not None:
        assert notify[1] in _notifies(r, notify[0]), r.vpnteach["events"]
    assert r.vpnteach["cause"] == cause, r.vpnteach["diagnosis"]


def test_a_wrong_pre_shared_key_leaves_strongswan_unable_to_decrypt_our_mm5(
    results: dict[str, CaseResult],
) -> None:
    r = results["vt-psk"]
    # charon 5.9.8 cannot parse a Main Mode message decrypted with the wrong key
    assert "message parsing failed" in r.log or "decryption failed" in r.log, r.log[-3000:]
    assert "retransmit" in str(r.vpnteach["debug"])


def test_a_wrong_pre_shared_key_from_strongswan_decrypts_to_garbage_here(
    results: dict[str, CaseResult],
) -> None:
    r = results["sw-psk"]
    assert "IKMP_BAD_MESSAGE" in str(r.vpnteach["debug"])
    assert "retransmit" in r.log, r.log[-3000:]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
