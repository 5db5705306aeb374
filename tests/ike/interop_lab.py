"""One topology, one charon and one vpnteach process for a whole matrix of interop cases.

Every :class:`Case` gets its own pair of WAN addresses and LANs (the address plan of
``tests/interop/lab.py``, shared with the IKEv2 lab), so strongSwan picks the right
connection by address alone and the negotiations never share an SA. vpnteach runs as
``python -m tests.ike.udp_peer`` (the package's asyncio UDP driver) inside the left
namespace; strongSwan's charon in the right one.
:func:`run_cases` runs the cases of one direction and returns, per case, vpnteach's result and
the lines/hex dumps of charon's log that belong to that case's IKE SA.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.fixtures.strongswan import charonlog
from tests.ike.udp_peer import Slot
from tests.interop import lab
from tests.interop.lab import LabAddresses, case_log
from tests.interop.peer import peer_events, run_peer
from tests.interop.strongswan import Charon, CharonError, Connection
from vpnteach.net import netns

PSK = "cisco123"
#: profile -> (strongSwan IKE proposal, ESP proposal, PFS group = the IKE group)
PROPOSALS = {
    "seed": ("3des-md5-modp768", "3des-md5", 1, "modp768"),
    "modern": ("aes256-sha256-modp2048", "aes256-sha256", 14, "modp2048"),
}
# The seed of another CA with the WIN2003 name and DN but another key: vpnteach's untrusted
# Branch1 comes from it (strongSwan's "Rogue" router from lab.ROGUE's).
STRANGER = "stranger"


@dataclass(frozen=True)
class Case(LabAddresses):
    """One negotiation: who initiates, the profile, authentication, PFS, or a failure."""

    index: int
    profile: str = "seed"
    auth: str = "rsa-sig"
    pfs: bool = False
    vpnteach_initiates: bool = True
    # "mismatch" (IKE proposals), "qm-mismatch" (ESP proposals), "untrusted" (certificate)
    failure: str | None = None
    label: str = ""  # a name to use instead of the generated one

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        who = "vt" if self.vpnteach_initiates else "sw"
        auth = "rsa" if self.auth == "rsa-sig" else "psk"
        tail = f"-{self.failure}" if self.failure else ("-pfs" if self.pfs else "")
        return f"{who}-{self.profile}-{auth}{tail}"


def matrix(vpnteach_initiates: bool, start: int) -> list[Case]:
    """{rsa-sig, pre-share} x {seed, modern} x {no PFS, PFS}, then the failures."""
    cases: list[Case] = []
    for auth in ("rsa-sig", "pre-share"):
        for profile in ("seed", "modern"):
            for pfs in (False, True):
                cases.append(Case(start + len(cases), profile, auth, pfs, vpnteach_initiates))
    for failure in ("mismatch", "qm-mismatch", "untrusted"):
        cases.append(
            Case(start + len(cases), vpnteach_initiates=vpnteach_initiates, failure=failure)
        )
    return cases


def slot(case: Case) -> Slot:
    """vpnteach's side of ``case``. A mismatch: vpnteach is configured with the modern suite
    (IKE, or ESP for "qm-mismatch") only while strongSwan accepts the seed's."""
    pfs = PROPOSALS[case.profile][2] if case.pfs else None
    return Slot(
        name=case.name,
        local=case.vpnteach_addr,
        peer=case.strongswan_addr,
        local_lan=case.vpnteach_lan,
        peer_lan=case.strongswan_lan,
        profile="modern" if case.failure == "mismatch" else case.profile,
        transforms="modern" if case.failure == "qm-mismatch" else None,
        auth=case.auth,
        pfs=pfs,
        psk=PSK if case.auth == "pre-share" else None,
        ca=STRANGER if case.failure == "untrusted" and case.vpnteach_initiates else "interop",
        initiate=case.vpnteach_initiates,
    )


def connection(case: Case) -> Connection:
    """strongSwan's side of ``case`` (it always accepts the seed's suite on a mismatch)."""
    ike, esp, _, group = PROPOSALS[case.profile]
    psk = case.auth == "pre-share"
    rogue = case.failure == "untrusted" and not case.vpnteach_initiates
    return Connection(
        name=case.name,
        local_addr=case.strongswan_addr,
        remote_addr=case.vpnteach_addr,
        local_id=case.strongswan_addr if psk else "Rogue.amit.com" if rogue else "Branch2.amit.com",
        remote_id=case.vpnteach_addr if psk else "Branch1.amit.com",
        auth="psk" if psk else "pubkey",
        psk=PSK if psk else None,
        local_ts=case.strongswan_lan,
        remote_ts=case.vpnteach_lan,
        cert="rogue.cert.pem" if rogue else "branch2.cert.pem",
        cacert="ca.cert.pem",
        proposals=ike,
        esp_proposals=f"{esp}-{group}" if case.pfs else esp,
        # rekey_time and reauth_time stay 0 (Connection's default): as initiator charon then
        # offers an ISAKMP SA Life-Duration of 0, which vpnteach must read as "no limit".
        # All rsa-sig cases share the IDs Branch1/Branch2.amit.com: keep the SAs of earlier
        # cases when a later one sends INITIAL-CONTACT (strongSwan's default replaces them).
        extra={"unique": "never"},
    )


def start_charon(topo: netns.Topology, work: Path, when: float, cases: list[Case]) -> Charon:
    """charon in the right namespace with one connection per case, credentials loaded."""
    return lab.start_charon(topo, work, when, (connection(c) for c in cases))


@dataclass
class CaseResult:
    """What both sides saw of one case."""

    case: Case
    vpnteach: dict[str, object]
    log: str
    dumps: list[charonlog.HexDump]
    initiate_output: str = ""

    def events(self, kind: str) -> list[dict[str, object]]:
        return peer_events(self.vpnteach, kind)

    def notify_types(self, kind: str) -> list[int]:
        """The notify types of vpnteach's ``NotificationSent``/``NotificationReceived``."""
        return [int(e["notify_type"]) for e in self.events(kind)]  # type: ignore[call-overload]


def run_vpnteach(
    topo: netns.Topology,
    work: Path,
    when: float,
    cases: list[Case],
    charon: Charon | None,
    make_slot: Callable[[Case], Slot] = slot,
) -> tuple[dict[str, dict[str, object]], dict[str, str]]:
    """Run the vpnteach process for ``cases`` (each configured by ``make_slot``); if it
    responds, have ``charon`` initiate each case in turn. Returns vpnteach's result per case
    and swanctl's output per case."""
    plan = {
        "pki_time": when,
        "timeout": 15.0,
        "step_timeout": 4.0,
        "slots": [asdict(make_slot(c)) for c in cases],
    }
    outputs: dict[str, str] = {}

    def initiate() -> None:
        if charon is not None:
            for case in cases:
                outputs[case.name] = _charon_initiate(charon, case)

    paths = work / f"plan-{cases[0].index}.json", work / f"out-{cases[0].index}.json"
    return run_peer(topo, "tests.ike.udp_peer", plan, paths, initiate), outputs


def _charon_initiate(charon: Charon, case: Case) -> str:
    try:
        return charon.initiate("lan-lan", ike=case.name, timeout=3 if case.failure else 10)
    except CharonError as exc:
        if case.failure is None:
            raise
        return str(exc)


def split_results(
    cases: list[Case], result: dict[str, dict[str, object]], log: str, outputs: dict[str, str]
) -> dict[str, CaseResult]:
    """Pair each case's vpnteach result with its part of charon's log."""
    out = {}
    for case in cases:
        text = case_log(log, case)
        out[case.name] = CaseResult(
            case, result[case.name], text, charonlog.parse(text), outputs.get(case.name, "")
        )
    return out


def run_both_directions(
    topo: netns.Topology,
    work: Path,
    when: float,
    charon: Charon,
    cases: tuple[list[Case], list[Case]],
    make_slot: Callable[[Case], Slot] = slot,
) -> dict[str, CaseResult]:
    """vpnteach initiating ``cases[0]``, then charon initiating ``cases[1]``, against the
    same charon; each result carries ``swanctl --list-sas --raw`` as ``list_sas``."""
    ours, _ = run_vpnteach(topo, work, when, cases[0], None, make_slot)
    theirs, outputs = run_vpnteach(topo, work, when, cases[1], charon, make_slot)
    time.sleep(0.2)
    sas = charon.list_sas(raw=True)
    log = charon.log.read_text(errors="replace")
    found = split_results([*cases[0], *cases[1]], {**ours, **theirs}, log, outputs)
    for r in found.values():
        r.vpnteach["list_sas"] = sas
    return found
