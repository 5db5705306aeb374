"""Aggressive Mode (RFC 2409 §5.4) with a pre-shared key against strongSwan over real UDP.

The shape of :mod:`tests.ike.test_interop_strongswan`: two network namespaces, vpnteach
(``tests/ike/udp_peer.py``) on ``10.1.1.x``, one charon with one ``aggressive = yes``
connection per case on ``10.2.2.x``; charon needs
``i_dont_care_about_security_and_use_aggressive_mode_psk = yes`` in strongswan.conf to do
Aggressive Mode with a PSK at all. Cases: {vpnteach initiates, strongSwan initiates} x {seed
3des/md5/group 1, modern aes256/sha256/group 14}, plus a wrong key in each direction.

The judge is strongSwan: ``swanctl --list-sas --raw`` shows the IKE SA ESTABLISHED and the
CHILD SA INSTALLED with vpnteach's SPIs, charon's logged ``Ka`` equals vpnteach's, and with a
wrong key charon logs the failed HASH check (or our AUTHENTICATION-FAILED). The captured AM1/AM2
of a successful case also feed :func:`offline_psk_guess`: the attack works on strongSwan's own
bytes. Needs root, netns and strongSwan: skipped locally without them, failing in CI.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.strongswan import charonlog
from tests.ike.interop_lab import (
    PSK,
    Case,
    CaseResult,
    connection,
    run_both_directions,
    slot,
)
from tests.ike.udp_peer import Slot
from tests.interop.lab import charon_lab, raw_sa_block
from tests.interop.peer import peer_event_kinds
from tests.interop.strongswan import AM_PSK_CONF, Charon, Connection
from vpnteach.ike.aggressive import offline_psk_guess
from vpnteach.net import netns
from vpnteach.wire.constants import NotifyMessageType

pytestmark = pytest.mark.interop

WRONG = "wrong-psk"


def _cases(vpnteach_initiates: bool, start: int) -> list[Case]:
    who = "vt" if vpnteach_initiates else "sw"
    out: list[Case] = []
    for profile in ("seed", "modern"):
        out.append(
            Case(
                start + len(out),
                profile,
                "pre-share",
                vpnteach_initiates=vpnteach_initiates,
                label=f"am-{who}-{profile}-psk",
            )
        )
    out.append(
        Case(
            start + len(out),
            "seed",
            "pre-share",
            vpnteach_initiates=vpnteach_initiates,
            failure=WRONG,
            label=f"am-{who}-wrong-psk",
        )
    )
    return out


VPNTEACH_INITIATES = _cases(True, 0)
STRONGSWAN_INITIATES = _cases(False, len(VPNTEACH_INITIATES))
ALL = VPNTEACH_INITIATES + STRONGSWAN_INITIATES
OK = [c for c in ALL if c.failure is None]


def am_slot(case: Case) -> Slot:
    """vpnteach's side: Aggressive Mode towards charon; a wrong key for the failure case."""
    base = dataclasses.replace(slot(case), aggressive=True, record_wire=4)
    if case.failure != WRONG:
        return base
    # As responder vpnteach cannot read charon's AUTHENTICATION-FAILED (encrypted under the
    # other key): it gives AM2 up after two quick retransmissions.
    return dataclasses.replace(base, psk="not-" + PSK, retransmit=0.5, retransmit_limit=2)


def am_connection(case: Case) -> Connection:
    return dataclasses.replace(connection(case), aggressive=True)


@pytest.fixture(scope="module")
def lab(
    root_netns: None, strongswan: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[netns.Topology, Charon, Path, float]]:
    with charon_lab(tmp_path_factory, "interop-am", ALL, _start_charon) as lab:
        yield lab


def _start_charon(topo: netns.Topology, work: Path, when: float) -> Charon:
    """charon with the Aggressive Mode connections (pre-shared keys: no credentials)."""
    charon = Charon(topo.right.ns, work / "charon", name="strongswan", extra_conf=AM_PSK_CONF)
    charon.write_config([am_connection(c) for c in ALL])
    charon.start()
    charon.load_all()
    return charon


@pytest.fixture(scope="module")
def results(lab: tuple[netns.Topology, Charon, Path, float]) -> dict[str, CaseResult]:
    """Both directions, one after the other, against the same charon."""
    topo, charon, work, when = lab
    cases = (VPNTEACH_INITIATES, STRONGSWAN_INITIATES)
    return run_both_directions(topo, work, when, charon, cases, am_slot)


@pytest.mark.parametrize("case", OK, ids=lambda c: c.name)
def test_aggressive_mode_and_quick_mode_complete_with_strongswan(
    results: dict[str, CaseResult], case: Case
) -> None:
    r = results[case.name]
    kinds = peer_event_kinds(r.vpnteach)
    assert kinds == ["Phase1Complete", "Phase2Complete"], (kinds, r.log[-3000:])
    p2 = r.events("Phase2Complete")[0]
    block = raw_sa_block(str(r.vpnteach["list_sas"]), case)
    assert "state=ESTABLISHED" in block and "state=INSTALLED" in block, block
    inbound, outbound = p2["inbound"], p2["outbound"]
    assert isinstance(inbound, dict) and isinstance(outbound, dict)
    assert f"spi-in={outbound['spi']}" in block and f"spi-out={inbound['spi']}" in block, block
    debug = str(r.vpnteach["debug"])
    moves = (
        ("IKE_I_AM1", "IKE_QM_I_QM1")
        if case.vpnteach_initiates
        else ("IKE_R_AM_AAA_AWAIT", "IKE_R_AM2", "IKE_QM_R_QM2")
    )
    assert all(m in debug for m in moves), debug[-2000:]
    assert "AGGRESSIVE request" in r.log or "AGGRESSIVE response" in r.log, r.log[-2000:]


@pytest.mark.parametrize("case", OK, ids=lambda c: c.name)
def test_strongswan_derived_the_same_ka(results: dict[str, CaseResult], case: Case) -> None:
    r = results[case.name]
    facts = r.vpnteach["facts"]
    assert isinstance(facts, dict)
    assert charonlog.first_dump(r.dumps, "encryption key Ka").data.hex() == facts["Ka"]


def _case(vpnteach_initiates: bool) -> Case:
    group = VPNTEACH_INITIATES if vpnteach_initiates else STRONGSWAN_INITIATES
    return next(c for c in group if c.failure == WRONG)


def test_a_wrong_psk_at_the_vpnteach_initiator_fails_on_both_sides(
    results: dict[str, CaseResult],
) -> None:
    r = results[_case(True).name]
    auth = NotifyMessageType.AUTHENTICATION_FAILED
    assert r.notify_types("NotificationSent") == [auth]
    failed = r.events("NegotiationFailed")
    assert failed and "HASH does not match" in str(failed[0]["reason"])
    # charon got our notification (in clear: the keys were never proven) and never established
    assert "parsed a INFORMATIONAL_V1 message header" in r.log, r.log[-3000:]
    assert "IKE_SA am-vt-wrong-psk" not in r.log or "ESTABLISHED" not in r.log
    assert f"{r.case.name} {{" not in str(r.vpnteach["list_sas"]) or "state=ESTABLISHED" not in (
        raw_sa_block(str(r.vpnteach["list_sas"]), r.case)
    )


def test_a_wrong_psk_at_the_strongswan_initiator_fails_on_both_sides(
    results: dict[str, CaseResult],
) -> None:
    r = results[_case(False).name]
    assert "calculated HASH does not match HASH payload" in r.log, r.log[-3000:]
    assert "N(AUTH_FAILED)" in r.log
    # charon encrypts its AUTHENTICATION-FAILED under keys from its own PSK: vpnteach cannot
    # read it (IOS: IKMP_BAD_MESSAGE), counts it, and gives its AM2 up.
    assert r.vpnteach["stats"]["dropped_ProtectionError"] >= 1  # type: ignore[index]
    assert "failed its sanity check" in str(r.vpnteach["debug"])
    failed = r.events("NegotiationFailed")
    assert failed and failed[0]["reason"] == "no answer to AM2", failed
    assert not r.events("Phase1Complete")
    assert "initiate failed" in r.initiate_output, r.initiate_output


def test_the_offline_attack_finds_the_key_in_a_strongswan_exchange(
    lab: tuple[netns.Topology, Charon, Path, float], results: dict[str, CaseResult]
) -> None:
    """AM1 as vpnteach sent it and AM2 as charon sent it, taken off the wire by vpnteach's
    UDP driver: the eavesdropper's view, no key material from either side."""
    for case in (VPNTEACH_INITIATES[0], STRONGSWAN_INITIATES[1]):
        wire = results[case.name].vpnteach["wire"]
        assert isinstance(wire, list)
        first_in = next(bytes.fromhex(h) for d, h in wire if d == "in")
        first_out = next(bytes.fromhex(h) for d, h in wire if d == "out")
        am1, am2 = (first_out, first_in) if case.vpnteach_initiates else (first_in, first_out)
        assert offline_psk_guess(am1, am2, ["cisco", "secret", PSK, "vpn"]) == PSK
        assert offline_psk_guess(am1, am2, ["cisco", "secret"]) is None
