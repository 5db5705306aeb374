"""Plain-language explanations and RFC sections for each kind of step.

Texts are keyed by what the engines record: a message label (``MM3``), a record type, a fact name
(``SKEYID_e``, with the Quick Mode suffixes ``(QM)``, ``(M-ID ...)``, ``(SPI ...)`` removed),
a state name. ``{a}`` is the actor and ``{p}`` the peer. A sentence or two each: the notebook
shows the formula, the inputs and the bytes next to them.
"""

from __future__ import annotations

import re

from vpnteach.ike.records import LogLine, fields_of
from vpnteach.ike.records_endpoint import (
    BadMessage,
    MessageDropped,
    NegotiationError,
    RetransmissionsExhausted,
    Retransmitted,
)
from vpnteach.ike.records_phase1 import PkeFailed, ProposalProblem, RsaEncrUnusable

IKEV2_FACTS: dict[str, str] = {
    "g^i": "{a} picks a secret random i and sends g^i mod p in the KE payload of IKE_SA_INIT.",
    "g^r": "{a} picks a secret random r and answers with g^r mod p in its KE payload.",
    "g^ir": "{a} computes the shared secret g^ir, which never crosses the network.",
    "Ni": "{a} draws the initiator's nonce Ni (at least half the PRF's key size, RFC 7296 §2.10).",
    "Nr": "{a} draws the responder's nonce Nr.",
    "SKEYSEED": "{a} derives SKEYSEED = prf(Ni | Nr, g^ir): one seed for every IKEv2 key, "
    "where IKEv1 had SKEYID (RFC 7296 §2.14).",
    "SK_d": "{a} cuts SK_d from prf+: the key the Child SAs' KEYMAT comes from.",
    "SK_ai": "{a} cuts SK_ai: the integrity key of the initiator's SK payloads.",
    "SK_ar": "{a} cuts SK_ar: the integrity key of the responder's SK payloads.",
    "SK_ei": "{a} cuts SK_ei: the encryption key of the initiator's SK payloads (IKE_AUTH on).",
    "SK_er": "{a} cuts SK_er: the encryption key of the responder's SK payloads.",
    "SK_pi": "{a} cuts SK_pi: it MACs the initiator's ID into what AUTH signs.",
    "SK_pr": "{a} cuts SK_pr: it MACs the responder's ID into what AUTH signs.",
    "MACedIDForI": "{a} computes prf(SK_pi, IDi'): the identity, bound to this IKE SA.",
    "MACedIDForR": "{a} computes prf(SK_pr, IDr'): the identity, bound to this IKE SA.",
    "InitiatorSignedOctets": "{a} builds what the initiator's AUTH covers: its whole "
    "IKE_SA_INIT request, the responder's nonce and its MACed ID (RFC 7296 §2.15).",
    "ResponderSignedOctets": "{a} builds what the responder's AUTH covers: its IKE_SA_INIT "
    "response, the initiator's nonce and its MACed ID.",
}
"""What IKEv2's facts mean (their names differ from IKEv1's, except KEYMAT)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "MM1": (
        "RFC 2409 §5, RFC 2408 §4.6",
        "{a} proposes how to protect the negotiation: one SA payload whose transforms are its "
        "ISAKMP policies (encryption, hash, authentication, DH group, lifetime), plus vendor IDs.",
    ),
    "MM2": (
        "RFC 2409 §5, RFC 2408 §4.6",
        "{a} accepts one of the proposed policies: its SA payload carries the single transform "
        "it chose. The IKE policy is now agreed.",
    ),
    "MM3": (
        "RFC 2409 §5",
        "{a} sends its Diffie-Hellman public value g^xi and a nonce Ni (and, for rsa-sig, a "
        "certificate request naming the CA it trusts). Nothing is encrypted yet.",
    ),
    "MM4": (
        "RFC 2409 §5",
        "{a} answers with its own public value g^xr and nonce Nr. Both sides can now compute "
        "the shared secret g^xy and the SKEYID keys.",
    ),
    "MM5": (
        "RFC 2409 §5.1",
        "{a} proves who it is, encrypted under SKEYID_e: its identity (ID), its certificate "
        "(CERT) and its RSA signature of HASH_I (SIG).",
    ),
    "MM6": (
        "RFC 2409 §5.1",
        "{a} proves its identity the same way: ID, CERT and the signature of HASH_R, "
        "encrypted. After checking it, both peers have an authenticated ISAKMP SA.",
    ),
    "AM1": (
        "RFC 2409 §5.4",
        "{a} starts Aggressive Mode: policies (all with one DH group), its public value g^xi, "
        "a nonce and its identity, all in one message and all in clear.",
    ),
    "AM2": (
        "RFC 2409 §5.4",
        "{a} answers with the chosen policy, g^xr, its nonce, its identity and its proof "
        "HASH_R, still in clear: with a pre-shared key anyone who captured AM1 and AM2 can now "
        "test key guesses offline against HASH_R.",
    ),
    "AM3": (
        "RFC 2409 §5.4",
        "{a} proves its identity with HASH_I, encrypted under SKEYID_e. Three messages instead "
        "of six, but the identities were never protected.",
    ),
    "QM1": (
        "RFC 2409 §5.5",
        "{a} opens Quick Mode under the ISAKMP SA: HASH(1), the IPsec proposal (the transform "
        "set), a fresh nonce and the two proxy identities (the ACL's networks), all encrypted.",
    ),
    "QM2": (
        "RFC 2409 §5.5",
        "{a} accepts the IPsec proposal with HASH(2), its nonce and the identities; both "
        "sides can now derive KEYMAT for the two ESP SAs.",
    ),
    "QM3": (
        "RFC 2409 §5.5",
        "{a} acknowledges with HASH(3), proving it is alive and has the same keys. Quick Mode "
        "is complete and ESP traffic can flow.",
    ),
    "INFO": (
        "RFC 2408 §4.8",
        "{a} sends an informational message (a notification or a delete), protected by the "
        "ISAKMP SA once one exists.",
    ),
}

FACTS: dict[str, str] = {
    "phase 1 selection": "{a} compares the offered transforms with its own ISAKMP policies, "
    "in priority order, and picks the first that matches.",
    "phase 2 selection": "{a} compares the offered IPsec proposal with its transform set and "
    "accepts the matching transform.",
    "g^xi": "{a} picks a secret random x and computes its public value g^x mod p, which "
    "travels in the KE payload.",
    "g^xr": "{a} picks a secret random x and computes its public value g^x mod p, which "
    "travels in the KE payload.",
    "g^xy": "{a} combines the peer's public value with its own secret: (g^y)^x mod p. The "
    "peer gets the same number without it ever crossing the network.",
    "Ni_b": "{a} draws a random nonce: it makes every negotiation's keys fresh.",
    "Nr_b": "{a} draws a random nonce: it makes every negotiation's keys fresh.",
    "NAT-D": "{a} hashes the addresses and ports it sees, so the peer can tell whether a NAT "
    "changed them on the way (RFC 3947).",
    "SKEYID": "{a} derives SKEYID, the root of all phase-1 keys; with signatures it is "
    "prf(Ni_b | Nr_b, g^xy).",
    "SKEYID_d": "{a} derives SKEYID_d, the key from which the IPsec (ESP) keys will come.",
    "SKEYID_a": "{a} derives SKEYID_a, the key that authenticates ISAKMP messages (the "
    "HASH payloads).",
    "SKEYID_e": "{a} derives SKEYID_e, the key material that encrypts ISAKMP messages from MM5 on.",
    "Ka": "{a} cuts the encryption key Ka for the negotiated cipher out of SKEYID_e "
    "(expanding it when it is too short).",
    "IV": "{a} derives the first IV of CBC encryption from the DH public values (or, in "
    "Quick Mode, from the last phase-1 block and the message ID).",
    "HASH_I": "{a} computes HASH_I over the DH values, cookies, SA offer and the "
    "initiator's ID: what the initiator signs.",
    "HASH_R": "{a} computes HASH_R, the responder's counterpart of HASH_I: what the responder "
    "signs.",
    "SIG": "{a} signs the hash with its private RSA key (PKCS#1 v1.5 padding, no DigestInfo): "
    "only the owner of the certificate's key can make this value.",
    "signature check": "{a} checks the peer's signature with the public key from the "
    "peer's certificate: the recovered block must be 00 01 FF..FF 00 followed by the hash "
    "{a} computed itself.",
    "certificate check": "{a} checks the peer's certificate: signed by the trusted CA, "
    "within its validity period, identity matching, not revoked.",
    "HASH(1)": "{a} computes HASH(1) with SKEYID_a over the message ID and the rest of QM1, "
    "so the peer knows the Quick Mode offer is authentic.",
    "HASH(2)": "{a} computes HASH(2) over the message ID, Ni_b and the rest of QM2.",
    "HASH(3)": "{a} computes HASH(3) over both nonces: the liveness proof that ends Quick Mode.",
    "KEYMAT": "{a} derives ESP keys: in IKEv1 one SA's from SKEYID_d, the protocol, the SPI "
    "and both Quick Mode nonces; in IKEv2 both SAs' from prf+(SK_d, Ni | Nr) (RFC 7296 §2.17).",
    **IKEV2_FACTS,
}

INITIATOR_FACTS: dict[str, str] = {
    "phase 1 selection": "{a} checks the single transform the responder returned in MM2 "
    "against its own ISAKMP policies, the ones it offered in MM1. {a} chooses nothing here: "
    "the responder chose (RFC 2408 §4.2).",
    "phase 2 selection": "{a} checks the IPsec transform the responder returned in QM2: it "
    "must be the one {a} proposed from its transform set. The responder chose; {a} only "
    "verifies (RFC 2409 §5.5).",
}

TRANSITIONS: dict[str, str] = {
    "IKE_P1_COMPLETE": "{a} has finished phase 1: the ISAKMP SA is authenticated and ready "
    "to protect Quick Mode.",
    "IKE_QM_PHASE2_COMPLETE": "{a} has finished Quick Mode: the IPsec SAs are installed.",
    "IKE_DEST_SA": "{a} gives up on this ISAKMP SA and deletes it.",
}

RECORDS: dict[type[LogLine], str] = {
    Retransmitted: "{a} got no answer in time and sends its last message again (attempt "
    "{attempt} of {limit}); the wait doubles each time.",
    RetransmissionsExhausted: "{a} has sent its message as often as it may and gives up on "
    "this negotiation.",
    NegotiationError: "{a} stops this negotiation: {text}.",
    MessageDropped: "{a} discards the datagram without answering it: {reason}.",
    BadMessage: "{a} could not decrypt or parse a message from {peer} and ignores it.",
    ProposalProblem: "{a} compared the proposal with its policy and found a mismatch: {text}.",
    RsaEncrUnusable: "{a} cannot offer or accept rsa-encr policy {priority}: {reason}. "
    "rsa-encr encrypts the nonce and ID to the peer's public key, which must be known before "
    "MM3 (RFC 2409 §5.2).",
    PkeFailed: "{a} cannot decrypt the peer's {payload} body with its private key: {reason}. "
    "The peer encrypted to a key that is not {a}'s current one (RFC 2409 §5.2).",
}

ESP_RFC = "RFC 4303 §3.3 (outbound), §3.4 (inbound)"

_SUFFIX = re.compile(r"\s*\((QM|M-ID [0-9a-f]+|SPI [0-9a-f]+|peer|me|phase 1)\)$")


def fact_key(name: str) -> str:
    """``"KEYMAT (SPI 51b23b37)"`` -> ``"KEYMAT"``, ``"Ni_b (QM)"`` -> ``"Ni_b"``."""
    return _SUFFIX.sub("", name)


def message_text(label: str, actor: str) -> tuple[str, str]:
    """The RFC section and explanation of message ``label`` sent by ``actor``."""
    rfc, text = MESSAGES.get(label, ("RFC 2408 §3.1", "{a} sends an ISAKMP message."))
    return rfc, text.format(a=actor)


def fact_text(name: str, actor: str, *, initiator: bool = False) -> str:
    """The explanation of the fact called ``name`` computed by ``actor`` (``initiator``: the
    actor started the exchange, so a selection is a check of the responder's choice)."""
    key = fact_key(name)
    text = INITIATOR_FACTS.get(key) if initiator else None
    text = text or FACTS.get(key, "{a} computes " + name + ".")
    return text.format(a=actor)


def transition_text(actor: str, table: str, old: str, new: str, handler: str, event: str) -> str:
    """What a state move means: the table's words, then a note for milestones."""
    if old == new:
        base = f"{actor} stays in {new} while it runs {handler}() ({event})."
    else:
        base = f"{actor}'s {table} state machine moves from {old} to {new}: {handler}() ({event})."
    extra = TRANSITIONS.get(new) if old != new else None
    return base + (" " + extra.format(a=actor) if extra else "")


def record_text(record: LogLine, actor: str) -> str:
    """What a notable ``debug`` record means, in words filled from its fields."""
    template = RECORDS.get(type(record), "{a} logs this in its debug crypto isakmp output.")
    clean = {k: str(v).rstrip(".! ") for k, v in fields_of(record).items()}
    return template.format(a=actor, **clean)
