"""``diagnose(lab)``: which step failed, on which router, why, and the line to change.

The diagnosis is computed from what the run left behind (:mod:`vpnteach.troubleshoot.facts`)
and from the two routers' configurations (:mod:`vpnteach.troubleshoot.configdiff`); it never
looks at how a fault was made, so a fault typed by hand gets the same answer as a named
scenario. The rules follow the order a negotiation fails in (RFC 2409):

1. nothing protects the traffic: a crypto map that no interface applies (cleartext on WAN);
2. Main Mode refused: NO-PROPOSAL-CHOSEN for MM1 (policies differ, or no CA to sign with), or
   an rsa-encr policy skipped for want of the peer's key (:mod:`~vpnteach.troubleshoot.pubkeys`);
3. Main Mode authentication: the certificate checklist (chain, validity against the router's
   clock, revocation, identity), rsa-encr payloads encrypted to a stale key, a message that
   decrypts to garbage (pre-shared keys differ, or bytes changed on the way);
4. no answer at all: retransmissions then give-up (wrong ``set peer``, or a dead peer), or,
   on an established tunnel, R-U-THERE messages left unanswered (Dead Peer Detection);
5. Quick Mode refused: NO-PROPOSAL-CHOSEN (transform set, PFS) or INVALID-ID-INFORMATION
   (crypto ACLs not mirrored);
6. what went wrong and was survived (:mod:`vpnteach.troubleshoot.survived`): retransmissions
   that won, ESP packets dropped by the anti-replay window or the ICV check, SAs rekeyed.

Each applicable rule gives a :class:`~vpnteach.troubleshoot.finding.Finding`; the first
fault is the diagnosis's :attr:`~vpnteach.troubleshoot.finding.Diagnosis.primary`. With a
stepper, :func:`diagnose` also finds the failing step and moves the stepper there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from vpnteach.ike.events import NegotiationFailed
from vpnteach.ike.policy import CryptoMapEntry
from vpnteach.ike.records_endpoint import (
    BadMessage,
    DpdSent,
    NegotiationError,
    PeerDead,
    RetransmissionsExhausted,
    Retransmitted,
)
from vpnteach.ike.records_phase1 import ProposalProblem
from vpnteach.net.sim.events import PacketDropped
from vpnteach.troubleshoot import certs, configdiff, pubkeys
from vpnteach.troubleshoot.facts import RouterFacts, gather, notify_name, owner, tunnel_up
from vpnteach.troubleshoot.finding import Diagnosis, Finding, locate
from vpnteach.troubleshoot.survived import esp_attacks, link_faults, recovered, rekeyed
from vpnteach.troubleshoot.symptoms import symptom, symptoms
from vpnteach.wire.constants import NotifyMessageType as N

if TYPE_CHECKING:
    from vpnteach.lab import Lab
    from vpnteach.stepper import Stepper

Views = dict[str, RouterFacts]
Rule = Callable[["Lab", Views], list[Finding]]


def diagnose(lab: Lab, stepper: Stepper | None = None) -> Diagnosis:
    """Read ``lab``'s run and say what failed (see the module docstring).

    Args:
        lab: a lab after some traffic (e.g. the seed's ping).
        stepper: a stepper over the same run; it is moved to the failing step, whose index
            becomes :attr:`Diagnosis.step_index`.
    """
    views = gather(lab)
    findings = [f for rule in RULES for f in rule(lab, views)]
    diagnosis = Diagnosis(tuple(findings), symptoms(views), tunnel_up(views))
    if stepper is not None and diagnosis.primary is not None:
        index = locate(stepper, diagnosis.primary)
        if index is not None:
            stepper.goto(index)
            diagnosis = dataclasses.replace(diagnosis, step_index=index)
    return diagnosis


# ------------------------------------------------------------------ 1. no crypto on the wire


def crypto_map_not_applied(lab: Lab, views: Views) -> list[Finding]:
    """A crypto map is configured but no interface applies it: packets leave in clear."""
    found = []
    for v in views.values():
        for name, entries in v.config.crypto_maps.items():
            if v.config.interfaces_using(name) or not entries:
                continue
            spec = entries[min(entries)]
            route = v.router.node.routes.lookup(spec.peers[0]) if spec.peers else None
            iface = route[0] if route else "Serial1/0"
            clear = _cleartext_drops(lab, v)
            evidence = [
                f"{n} cleartext LAN packets left {v.name} (dropped on the way: "
                "no route to the remote LAN outside the tunnel)"
                for n in [clear]
                if n
            ]
            found.append(Finding(
                "crypto_map_not_applied", "Crypto map not applied to the interface", 0, v.name,
                f"no 'crypto map {name}' on any interface",
                f"{v.name} has crypto map {name} but no interface uses it, so nothing is "
                "encrypted: no IKE starts and the LAN traffic leaves unprotected, in clear "
                "(see the WAN capture).",
                v.name, (f"interface {iface}", f" crypto map {name}"), (), tuple(evidence),
                marker=("", "DROPPED"),
            ))  # fmt: skip
    return found


def _cleartext_drops(lab: Lab, v: RouterFacts) -> int:
    lans = [str(i.ip_interface.network) for i in v.config.interfaces.values() if i.ip_interface]
    count = 0
    for e in lab.network.log:
        if isinstance(e, PacketDropped) and e.node != v.name and len(e.packet) >= 20:
            src = ".".join(str(b) for b in e.packet[12:16])
            count += any(src.rsplit(".", 1)[0] == n.rsplit(".", 1)[0] for n in lans)
    return count


# ------------------------------------------------------------------ 2. Main Mode refused


def _refusals(v: RouterFacts, notify: int, phase: int) -> list[NegotiationFailed]:
    """The exchanges ``v`` abandoned in ``phase`` after *sending* ``notify`` (the peer's
    matching failure, "peer sent ...", is the same refusal seen from the other side)."""
    if not any(s.notify_type == notify for s in v.sent()):
        return []
    return [f for f in v.failures() if f.notify_type == notify and f.phase == phase]


def _peer_of(views: Views, failed: NegotiationFailed) -> RouterFacts | None:
    return owner(views, failed.peer[0])


def phase1_refused(lab: Lab, views: Views) -> list[Finding]:
    """NO-PROPOSAL-CHOSEN sent in Main Mode: no policy matches, or rsa-sig cannot be used."""
    found = []
    for v in views.values():
        sent = [s for s in v.sent() if s.notify_type == N.NO_PROPOSAL_CHOSEN]
        refused = _refusals(v, N.NO_PROPOSAL_CHOSEN, 1)
        peer = _peer_of(views, refused[0]) if refused else None
        if not sent or not refused or peer is None:
            continue
        if certs.missing_ca(v) is not None or pubkeys.missing_key(v) is not None:
            continue  # rules missing_certificates / no_peer_key say why
        change = configdiff.policy_change(v.config, peer.config)
        problem = v.first(ProposalProblem)
        check = "NO_PROPOSAL_CHOSEN: phase 1 SA policy not acceptable!"
        if problem is not None:
            check += f" ({problem.text})"
        found.append(Finding(
            "isakmp_policy_mismatch", "ISAKMP policy mismatch", 1, v.name, check,
            f"{v.name} compared {peer.name}'s Main Mode proposal (MM1) with its own ISAKMP "
            "policies and none matched, so it answered NO-PROPOSAL-CHOSEN and Main Mode "
            "stopped at the first message. "
            + ("Differences: " + "; ".join(change.differences) + "." if change else ""),
            v.name, change.lines if change else (), (),
            (f"{peer.name}: {symptom(peer)}",), marker=(v.name, NegotiationError),
        ))  # fmt: skip
    return found


def missing_certificates(lab: Lab, views: Views) -> list[Finding]:
    """rsa-sig configured, negotiation failed, and the trustpoint lacks a certificate."""
    found = []
    for v in views.values():
        finding = certs.missing_ca(v)
        if finding is not None and v.failures():
            found.append(finding)
    return found


# ------------------------------------------------------------------ 3. authentication


def certificate_refused(lab: Lab, views: Views) -> list[Finding]:
    """INVALID-CERTIFICATE / INVALID-CERT-AUTHORITY: the checklist says which check failed."""
    found = []
    for v in views.values():
        for notify in (N.INVALID_CERTIFICATE, N.INVALID_CERT_AUTHORITY):
            refused = _refusals(v, notify, 1)
            peer = _peer_of(views, refused[0]) if refused else None
            if refused and peer is not None:
                found.append(certs.certificate_finding(lab, v, peer, notify_name(notify)))
                break
    return found


DAMAGE = (
    N.INVALID_ID_INFORMATION,
    N.PAYLOAD_MALFORMED,
    N.INVALID_HASH_INFORMATION,
    N.AUTHENTICATION_FAILED,
    N.INVALID_SIGNATURE,
)
"""Main Mode notifications about a message's contents: wrong keys, or damaged bytes."""


def _damage(v: RouterFacts, views: Views) -> tuple[str, RouterFacts] | None:
    """The check that found an MM5/MM6 unreadable or wrong at ``v``, and from whom."""
    first = v.first(BadMessage)
    if first is not None:
        peer = owner(views, first.peer)
        check = "%CRYPTO-4-IKMP_BAD_MESSAGE: the encrypted Main Mode message decrypts to garbage"
        return (check, peer) if peer is not None else None
    for notify in DAMAGE:
        refused = _refusals(v, notify, 1)
        peer = _peer_of(views, refused[0]) if refused else None
        if refused and peer is not None:
            return f"{notify_name(notify)} in Main Mode ({refused[0].reason})", peer
    return None


def garbage_after_decryption(lab: Lab, views: Views) -> list[Finding]:
    """An encrypted Main Mode message that does not decode or check: keys differ, or bytes
    changed on the way."""
    found = []
    for v in views.values():
        damage = _damage(v, views)
        if damage is None or v.address is None or damage[1].address is None:
            continue
        if pubkeys.wrong_key(v, views) is not None:
            continue  # rule wrong_peer_key says why
        check, peer = damage
        change = configdiff.psk_change(v.config, peer.config, v.address, str(peer.address))
        evidence = (f"{v.name}: {symptom(v)}", f"{peer.name}: {symptom(peer)}")
        if change is not None:
            found.append(Finding(
                "psk_mismatch", "Pre-shared key mismatch", 1, v.name, check,
                f"{v.name} and {peer.name} derive SKEYID from different pre-shared keys "
                "(RFC 2409 §5.4: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)), so their "
                f"encryption keys differ and {v.name} decrypts {peer.name}'s MM5 into "
                "garbage. No notification can be sent (there is no common key): "
                f"{peer.name} only sees silence and retransmits.",
                v.name, change.lines, (), evidence, marker=(v.name, BadMessage),
            ))  # fmt: skip
            continue
        faults = link_faults(lab, ("rewrite", "corrupt"))
        marker = BadMessage if v.count(BadMessage) else NegotiationError
        found.append(Finding(
            "tampered_message", "Main Mode message modified in transit", 1, v.name, check,
            f"Both routers derive the same keys (nothing in their configurations differs), "
            f"yet {peer.name}'s encrypted Main Mode message is unreadable or wrong at {v.name}: "
            "its bytes were changed on the way. The damage repeats with every retransmission, "
            "so someone (or something) on the path is at work.",
            None, (), (), (*evidence, *faults), marker=(v.name, marker),
        ))  # fmt: skip
    return found


# ------------------------------------------------------------------ 4. no answer


def no_answer(lab: Lab, views: Views) -> list[Finding]:
    """Retransmissions and a give-up with a peer that never processed anything."""
    found = []
    for v in views.values():
        gave_up = [f for f in v.failures() if f.notify_type is None and "no answer" in f.reason]
        if not gave_up and not (v.count(Retransmitted) and not v.phase1_done):
            continue
        address = gave_up[0].peer[0] if gave_up else _configured_peer(v)
        if address is None:
            continue
        peer = owner(views, address)
        if peer is not None and (peer.lines or peer.sent()):
            continue  # it heard us and complained or failed: another rule says why
        found.append(_wrong_peer(v, address, views) if peer is None else
                     _unreachable(lab, v, peer, address))  # fmt: skip
    return found


def dpd_dead_peer(lab: Lab, views: Views) -> list[Finding]:
    """A tunnel was up, then the peer stopped answering DPD's R-U-THERE (RFC 3706 §5.4)."""
    found = []
    for v in views.values():
        dead = v.dead_peers()
        if not dead or not v.peer_dead:
            continue
        address = dead[-1].peer
        peer = owner(views, address)
        lines: tuple[str, ...] = ()
        where = "the peer or the path to it"
        if peer is not None:
            iface = next((i for i in peer.config.interfaces.values() if i.address == address),
                         None)  # fmt: skip
            if iface is not None and iface.shutdown:
                lines = (f"interface {iface.name}", " no shutdown")
                where = f"{peer.name}'s {iface.name}, which is shut down"
        found.append(Finding(
            "peer_dead_dpd", "Dead peer: it stopped answering DPD", 0, v.name,
            f"{v.count(DpdSent)} R-U-THERE to {address} unanswered: 'peer {address} not "
            "responding!'",
            f"The tunnel with {address} was up; then {v.name} had ESP to send but had heard "
            "nothing from the peer for the keepalive interval, so it asked R-U-THERE (crypto "
            "isakmp keepalive, RFC 3706) and got no R-U-THERE-ACK. "
            f"After 5 unanswered it declared the peer dead and deleted the ISAKMP and IPsec SAs "
            f"with it, so new traffic starts a new Main Mode. Check {where}.",
            peer.name if lines and peer is not None else None, lines, (),
            link_faults(lab, ("loss",)), marker=(v.name, PeerDead),
        ))  # fmt: skip
    return found


def _configured_peer(v: RouterFacts) -> str | None:
    entry = configdiff.entry_for(v.config)
    return entry.peer if entry is not None else None


def _give_up_text(v: RouterFacts) -> str:
    text = f"{v.count(Retransmitted)} retransmissions"
    return text + (
        ", then 'retransmission limit reached'" if v.count(RetransmissionsExhausted) else ""
    )


def _wrong_peer(v: RouterFacts, address: str, views: Views) -> Finding:
    others = [o for o in views.values() if o is not v and o.address is not None]
    right = others[0].address if len(others) == 1 else None
    entry = configdiff.entry_for(v.config, address)
    change = configdiff.peer_change(entry, right) if entry is not None and right else None
    return Finding(
        "wrong_peer", "Wrong peer address", 1, v.name,
        f"no answer to MM1 from {address}: {_give_up_text(v)}",
        f"{v.name} sends its Main Mode proposals to {address}, but no IPsec router has that "
        f"address: nobody answers, {v.name} retransmits MM1 and finally gives up. The crypto "
        "map's 'set peer' must name the other router's crypto interface address"
        + (f" ({right})." if right else "."),
        v.name, change.lines if change else (), (), (), marker=(v.name, RetransmissionsExhausted),
    )  # fmt: skip


def _unreachable(lab: Lab, v: RouterFacts, peer: RouterFacts, address: str) -> Finding:
    losses = link_faults(lab, ("loss",))
    iface = next((i for i in peer.config.interfaces.values() if i.address == address), None)
    lines: tuple[str, ...] = ()
    why = "its packets are lost on the way"
    if iface is not None and iface.shutdown:
        lines, why = (f"interface {iface.name}", " no shutdown"), f"its {iface.name} is shut down"
    return Finding(
        "peer_unreachable", "Dead peer: no answer", 1, v.name,
        f"no answer from {address}: {_give_up_text(v)}",
        f"{address} is {peer.name}'s address, but {peer.name} never received anything: {why}. "
        f"{v.name} retransmits (5, 10, 20, 40, 80 s apart) and then declares the peer dead "
        "and deletes the SA, as IOS does when a peer stops answering (DPD keepalives reach "
        "the same verdict for an established tunnel, RFC 3706).",
        peer.name if lines else None, lines, (), losses, marker=(v.name, RetransmissionsExhausted),
    )  # fmt: skip


# ------------------------------------------------------------------ 5. Quick Mode refused


def phase2_refused(lab: Lab, views: Views) -> list[Finding]:
    """NO-PROPOSAL-CHOSEN (transform set, PFS) or INVALID-ID-INFORMATION in Quick Mode."""
    found = []
    for v in views.values():
        for notify in (N.NO_PROPOSAL_CHOSEN, N.INVALID_ID_INFORMATION):
            refused = _refusals(v, notify, 2)
            peer = _peer_of(views, refused[0]) if refused else None
            if refused and peer is not None and peer.address and v.address:
                mine = configdiff.entry_for(v.config, peer.address)
                theirs = configdiff.entry_for(peer.config, v.address)
                if mine is not None and theirs is not None:
                    found.append(_phase2_finding(v, peer, notify, mine, theirs))
                break
    return found


def _phase2_finding(
    v: RouterFacts, peer: RouterFacts, notify: int,
    mine: CryptoMapEntry, theirs: CryptoMapEntry,
) -> Finding:  # fmt: skip
    check = f"{notify_name(notify)} in Quick Mode"
    if notify == N.INVALID_ID_INFORMATION:
        change = configdiff.acl_change(mine, theirs)
        return Finding(
            "acl_not_mirrored", "Crypto ACL not mirrored", 2, v.name,
            check + ": proxy identities match no crypto ACL",
            f"{peer.name} proposed to protect the traffic its crypto ACL names (IDci/IDcr "
            f"in QM1); {v.name}'s crypto ACL is not its mirror image, so {v.name} refused "
            "the identities with INVALID-ID-INFORMATION. "
            + ("; ".join(change.differences) + "." if change else ""),
            v.name, change.lines if change else (), (), (), marker=(v.name, NegotiationError),
        )  # fmt: skip
    pfs = configdiff.pfs_change(mine, theirs)
    if pfs is not None:
        return Finding(
            "pfs_mismatch", "PFS on one side only", 2, v.name,
            check + ": the proposal carries no acceptable KE (PFS)",
            f"{v.name}'s crypto map demands Perfect Forward Secrecy, {peer.name}'s Quick Mode "
            "offer has none (no KE payload, no group attribute), so the offer is refused. "
            + "; ".join(pfs.differences) + ".",
            v.name, pfs.lines, (), (), marker=(v.name, NegotiationError),
        )  # fmt: skip
    change = configdiff.transform_change(mine, theirs)
    return Finding(
        "transform_set_mismatch", "Transform-set mismatch", 2, v.name,
        check + ": IPSec policy invalidated proposal",
        f"Main Mode succeeded, but none of {peer.name}'s ESP transforms is in {v.name}'s "
        "transform set, so Quick Mode stops at QM1. "
        + ("; ".join(change.differences) + "." if change else ""),
        v.name, change.lines if change else (), (), (), marker=(v.name, NegotiationError),
    )  # fmt: skip


def half_open(lab: Lab, views: Views) -> list[Finding]:
    """One router completed Quick Mode, its peer gave up waiting for QM3: SAs on one side."""
    found = []
    for v in views.values():
        waited = [f for f in v.failures() if f.phase == 2 and "QM2" in f.reason]
        peer = _peer_of(views, waited[0]) if waited else None
        if not waited or peer is None or not peer.phase2_done or v.phase2_done:
            continue
        found.append(Finding(
            "quick_mode_half_open", "Quick Mode half-open: QM3 never arrived", 2, v.name,
            f"{waited[0].reason}: {_give_up_text(v)}",
            f"{peer.name} sent QM3 and installed its IPsec SAs; QM3 never reached {v.name}, "
            f"whose retransmissions of QM2 went unanswered until it gave up. {peer.name} now "
            f"encrypts into SAs {v.name} does not have (its ESP is dropped as an unknown SPI). "
            "Clearing the SAs on both routers starts a fresh negotiation.",
            peer.name, (), ("clear crypto sa",), (f"{peer.name}: {symptom(peer)}",),
            marker=(v.name, RetransmissionsExhausted),
        ))  # fmt: skip
    return found


RULES: tuple[Rule, ...] = (
    crypto_map_not_applied,
    phase1_refused,
    pubkeys.no_peer_key,
    missing_certificates,
    certificate_refused,
    pubkeys.wrong_peer_key,
    garbage_after_decryption,
    dpd_dead_peer,
    no_answer,
    phase2_refused,
    half_open,
    recovered,
    esp_attacks,
    rekeyed,
)
