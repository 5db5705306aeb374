"""Diagnosis from one side only: an IKE endpoint whose peer is not ours to inspect.

Against a real peer (strongSwan, a Cisco router) there is no second configuration to compare
and no peer log to read: only what *our* endpoint sent, received, logged and checked. The
causes are the same ids as :func:`~vpnteach.troubleshoot.diagnose` uses, decided from the
notifications and records alone (RFC 2408 §3.14.1 notify types, by phase):

* NO-PROPOSAL-CHOSEN in Main Mode: ``isakmp_policy_mismatch``; in Quick Mode:
  ``transform_set_mismatch`` (PFS cannot be told apart from here: the text says so);
* INVALID-ID-INFORMATION in Quick Mode: ``acl_not_mirrored``;
* our certificate check failed on the chain, or the peer answered INVALID-CERT-AUTHORITY /
  AUTHENTICATION-FAILED to our certificate: ``untrusted_ca``;
* with pre-shared keys, an MM5 that decrypts to garbage here, or our MM5 never answered, or
  (Aggressive Mode) AUTHENTICATION-FAILED / INVALID-HASH-INFORMATION with no certificate
  involved: ``psk_mismatch``.

No fix lines are given for the peer (its configuration is unknown); the finding says what to
compare.
"""

from __future__ import annotations

from collections.abc import Sequence

from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import (
    Event,
    NegotiationFailed,
    NotificationReceived,
    NotificationSent,
    Phase1Complete,
    Phase2Complete,
)
from vpnteach.ike.records import LogLine
from vpnteach.ike.records_endpoint import BadMessage, Retransmitted
from vpnteach.pki.validation import CHAIN, CertificateCheck
from vpnteach.troubleshoot.facts import notify_name
from vpnteach.troubleshoot.finding import Diagnosis, Finding
from vpnteach.wire.constants import NotifyMessageType as N

ME = "vpnteach"
PEER = "peer"
CERT_REFUSALS = (N.INVALID_CERT_AUTHORITY, N.AUTHENTICATION_FAILED, N.INVALID_CERTIFICATE)
#: A HASH_I/HASH_R that does not verify: with a pre-shared key, a key mismatch (Aggressive Mode).
HASH_REFUSALS = (N.AUTHENTICATION_FAILED, N.INVALID_HASH_INFORMATION)


def diagnose_endpoint(endpoint: IkeEndpoint, events: Sequence[Event]) -> Diagnosis:
    """Read one endpoint's run (its records, facts and the ``events`` it reported)."""
    lines = [r for r in endpoint.recorder.records if isinstance(r, LogLine)]
    checks = [f.value for f in endpoint.trace if isinstance(f.value, CertificateCheck)]
    pre_share = any(p.authentication == "pre-share" for p in endpoint.config.policies)
    finding = _finding(list(events), lines, checks, pre_share)
    up = any(isinstance(e, Phase2Complete) for e in events)
    symptom = _symptom(list(events), lines)
    return Diagnosis((finding,) if finding else (), ((ME, symptom),), up)


def _symptom(events: list[Event], lines: list[LogLine]) -> str:
    parts = [
        f"sent {notify_name(e.notify_type)}" for e in events if isinstance(e, NotificationSent)
    ]
    parts += [
        f"received {notify_name(e.notify_type)}"
        for e in events
        if isinstance(e, NotificationReceived) and e.notify_type < 16384
    ]
    kinds: tuple[tuple[type[LogLine], str], ...] = (
        (BadMessage, "IKMP_BAD_MESSAGE"),
        (Retransmitted, "retransmitted"),
    )
    for kind, text in kinds:
        n = sum(1 for line in lines if isinstance(line, kind))
        if n:
            parts.append(f"{text} x{n}")
    return "; ".join(dict.fromkeys(parts)) or "nothing unusual"


def _phase_of(events: list[Event], event: Event) -> int:
    before = events[: events.index(event)]
    return 2 if any(isinstance(e, Phase1Complete) for e in before) else 1


def _finding(
    events: list[Event], lines: list[LogLine], checks: list[CertificateCheck], pre_share: bool
) -> Finding | None:
    for event in events:
        if isinstance(event, (NotificationSent, NotificationReceived)):
            found = _from_notify(events, event, checks, pre_share)
            if found is not None:
                return found
    if pre_share and any(isinstance(line, BadMessage) for line in lines):
        return _psk(ME, "our MM5/MM6 decryption gives garbage (IKMP_BAD_MESSAGE)")
    gave_up = [e for e in events if isinstance(e, NegotiationFailed) and "MM5" in e.reason]
    if pre_share and gave_up:
        return _psk(PEER, f"{gave_up[0].reason}: the peer stays silent after our MM5")
    return None


def _from_notify(
    events: list[Event], event: NotificationSent | NotificationReceived,
    checks: list[CertificateCheck], pre_share: bool,
) -> Finding | None:  # fmt: skip
    sent = isinstance(event, NotificationSent)
    who = ME if sent else PEER
    name = notify_name(event.notify_type)
    check = f"{'sent' if sent else 'received'} {name}"
    phase = _phase_of(events, event)
    if event.notify_type == N.NO_PROPOSAL_CHOSEN and phase == 1:
        return Finding(
            "isakmp_policy_mismatch", "ISAKMP policy mismatch", 1, who, check,
            f"The {'peer' if sent else 'responder'}'s Main Mode proposal matched none of the "
            "other side's policies: compare encryption, hash, authentication and DH group.",
        )  # fmt: skip
    if event.notify_type == N.NO_PROPOSAL_CHOSEN:
        return Finding(
            "transform_set_mismatch", "Quick Mode proposal refused", 2, who, check,
            "Main Mode succeeded, Quick Mode's ESP proposal was refused: compare the transform "
            "sets (encryption, integrity) and PFS on both sides.",
        )  # fmt: skip
    if event.notify_type == N.INVALID_ID_INFORMATION and phase == 2:
        return Finding(
            "acl_not_mirrored", "Traffic selectors (crypto ACLs) not mirrored", 2, who, check,
            "The proxy identities proposed in Quick Mode are not what the other side protects: "
            "each side's crypto ACL must be the mirror image of the other's.",
        )  # fmt: skip
    if event.notify_type in HASH_REFUSALS and phase == 1 and pre_share and not checks:
        return _psk(
            who, check, "HASH_I/HASH_R did not verify: in Aggressive Mode (RFC 2409 §5.4) the "
            "proof travels in AM2/AM3, computed with SKEYID = prf(key, Ni_b | Nr_b), so "
            "different keys show here. Compare the keys configured for each other's address.",
        )  # fmt: skip
    chain_failed = any(
        not i.passed and i.name == CHAIN for c in checks if not c.ok for i in c.items
    )
    if event.notify_type in CERT_REFUSALS and phase == 1 and (chain_failed or not sent):
        return Finding(
            "untrusted_ca", "Certificate from an untrusted CA", 1, who, check,
            ("The peer's certificate does not chain to our trusted CA."
             if sent else "The peer could not verify our certificate: it does not trust "
             "the CA that issued it."),
        )  # fmt: skip
    return None


_MM_PSK = (
    "With pre-shared keys, SKEYID = prf(key, Ni_b | Nr_b) (RFC 2409 §5.4): different "
    "keys give different encryption keys, so MM5 decrypts to garbage and nobody can tell "
    "the other why. Compare the keys configured for each other's address."
)


def _psk(who: str, why: str, explanation: str = _MM_PSK) -> Finding:
    return Finding("psk_mismatch", "Pre-shared key mismatch", 1, who, why, explanation)
