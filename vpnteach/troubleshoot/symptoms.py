"""The symptom line of each router: what a learner sees before knowing the cause.

One line per IPsec router, from the run's facts (:mod:`vpnteach.troubleshoot.facts`): the
notifications it sent and received (RFC 2408 §3.14), ``%CRYPTO-4-IKMP_BAD_MESSAGE``,
retransmissions and give-ups, rsa-encr policies skipped for want of the peer's key
(RFC 2409 §5.2), DPD verdicts (RFC 3706), ESP replay and ICV failures (RFC 4303 §3.4.3,
§3.4.4) and soft lifetime expiries.
"""

from __future__ import annotations

from vpnteach.ike.records_endpoint import BadMessage, RetransmissionsExhausted, Retransmitted
from vpnteach.ike.records_phase1 import RsaEncrUnusable
from vpnteach.troubleshoot.facts import RouterFacts, notify_name

Views = dict[str, RouterFacts]


def symptoms(views: Views) -> tuple[tuple[str, str], ...]:
    """One line per IPsec router: what it sent, received, retried and dropped."""
    out = []
    for view in views.values():
        if not view.config.crypto_maps:
            continue
        out.append((view.name, symptom(view)))
    return tuple(out)


def symptom(v: RouterFacts) -> str:
    """What ``v`` sent, received, retried, skipped and dropped, in one line."""
    parts = _notifications(v)
    if v.count(BadMessage):
        parts.append(f"%CRYPTO-4-IKMP_BAD_MESSAGE x{v.count(BadMessage)}")
    skipped = v.first(RsaEncrUnusable)
    if skipped is not None:
        parts.append(
            f"policy {skipped.priority} (rsa-encr) skipped "
            f"x{v.count(RsaEncrUnusable)}: {skipped.reason}"
        )
    if v.count(Retransmitted):
        parts.append(f"retransmitted {v.count(Retransmitted)} times")
    if v.count(RetransmissionsExhausted):
        parts.append("retransmission limit reached: gave up")
    for dead in v.dead_peers():
        parts.append(f"DPD: peer {dead.peer} not responding, SAs deleted")
    for name, label in (("pkts_replay_failed_rcv", "replay"), ("pkts_verify_failed", "verify")):
        if v.esp_total(name):
            parts.append(f"#pkts {label} failed: {v.esp_total(name)}")
    if v.soft_expiries:
        parts.append(f"{v.soft_expiries} soft lifetime expiries (rekey)")
    if v.router.gateway is None:
        parts.append(
            "IPsec not running (no crypto map on an up interface): traffic leaves in clear"
        )
    if not parts:
        parts.append("IPsec SAs up" if v.phase2_done else "no IKE activity")
    return "; ".join(parts)


def _notifications(v: RouterFacts) -> list[str]:
    """``sent NO_PROPOSAL_CHOSEN x3 (first: why)``, ``received ... from ...``, once per type."""
    parts = []
    sent: dict[str, list[str]] = {}
    for e in v.sent():
        sent.setdefault(notify_name(e.notify_type), []).append(e.reason)
    for name, reasons in sent.items():
        parts.append(f"sent {name} x{len(reasons)} ({reasons[0]})")
    got: dict[tuple[str, str], int] = {}
    for r in v.received():
        key = (notify_name(r.notify_type), r.peer[0])
        got[key] = got.get(key, 0) + 1
    for (name, peer), n in got.items():
        parts.append(f"received {name} x{n} from {peer}")
    silent = [f.reason for f in v.failures() if f.notify_type is None]
    if silent and not v.count(RetransmissionsExhausted):
        parts.append(f"negotiation failed x{len(silent)} ({silent[0]})")
    return parts
