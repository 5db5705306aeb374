"""What went wrong and was survived: retransmissions that won, ESP packets dropped by the
anti-replay window or the ICV check (RFC 4303 §3.4.3-3.4.4), SAs rekeyed at their soft
lifetime. Findings of severity ``recovered``, ``attack`` and ``info``: no fix needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpnteach.ike.records_endpoint import Retransmitted
from vpnteach.net.sim.events import FaultApplied
from vpnteach.troubleshoot.facts import RouterFacts, tunnel_up
from vpnteach.troubleshoot.finding import Finding

if TYPE_CHECKING:
    from vpnteach.lab import Lab

Views = dict[str, RouterFacts]


def link_faults(lab: Lab, kinds: tuple[str, ...]) -> tuple[str, ...]:
    """``link WAN1 loss: 6 packets``: the link faults of ``kinds`` the run suffered."""
    counts: dict[str, int] = {}
    for e in lab.network.log:
        if isinstance(e, FaultApplied) and e.kind in kinds:
            key = f"{e.link} {e.kind}"
            counts[key] = counts.get(key, 0) + 1
    return tuple(f"link {k}: {n} packets" for k, n in counts.items())


def recovered(lab: Lab, views: Views) -> list[Finding]:
    """Retransmissions that won: the tunnel came up despite lost packets."""
    if not tunnel_up(views):
        return []
    retries = {v.name: v.count(Retransmitted) for v in views.values() if v.count(Retransmitted)}
    if not retries:
        return []
    who = max(retries, key=lambda name: retries[name])
    counts = ", ".join(f"{n}: {c}" for n, c in retries.items())
    return [Finding(
        "packet_loss", "Lost packets, recovered by retransmission", 1, who,
        f"retransmissions ({counts}), then both phases completed",
        "Some IKE messages were lost on the way; the sender of each unanswered message sent "
        "it again (and a responder that saw a request twice answered it again), so both "
        "phases completed, just later.",
        None, (), (), link_faults(lab, ("loss",)), severity="recovered",
        marker=(who, Retransmitted),
    )]  # fmt: skip


def esp_attacks(lab: Lab, views: Views) -> list[Finding]:
    """ESP packets dropped by the anti-replay window or the ICV check."""
    found = []
    for v in views.values():
        replays, icv = v.esp_total("pkts_replay_failed_rcv"), v.esp_total("pkts_verify_failed")
        if replays:
            found.append(Finding(
                "esp_replay", "ESP replay attack (blocked)", 0, v.name,
                f"#pkts replay failed (rcv): {replays}",
                f"{v.name} received {replays} ESP packets whose sequence numbers it had already "
                "seen (or that fell behind its 64-packet window): copies replayed by someone "
                "on the path. Anti-replay dropped them (RFC 4303 §3.4.3); no configuration "
                "change is needed.",
                None, (), (), (), severity="attack", marker=(v.name, "ESP"),
            ))  # fmt: skip
        if icv:
            found.append(Finding(
                "esp_tampered", "Tampered ESP packets (blocked)", 0, v.name,
                f"#pkts verify failed: {icv}",
                f"{v.name} received {icv} ESP packets whose ICV did not verify: their bytes "
                "changed on the way. They were dropped before decryption (RFC 4303 §3.4.4).",
                None, (), (), (), severity="attack", marker=(v.name, "ESP"),
            ))  # fmt: skip
    return found


def rekeyed(lab: Lab, views: Views) -> list[Finding]:
    """Soft lifetime expiries followed by new Quick Modes: the normal rekey."""
    found = []
    for v in views.values():
        if v.soft_expiries and v.phase2_done > 1:
            found.append(Finding(
                "rekey", "SA lifetime expiry and rekey", 2, v.name,
                f"{v.soft_expiries} soft lifetime expiries, {v.phase2_done} Quick Modes",
                "The IPsec SAs reached their soft lifetime and a new Quick Mode negotiated "
                "their successors before the hard lifetime removed them: traffic kept "
                "flowing. This is not a fault.",
                None, (), (), (), severity="info", marker=(v.name, "rekey"),
            ))  # fmt: skip
    return found
