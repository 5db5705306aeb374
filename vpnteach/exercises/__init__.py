"""Self-graded exercises: per-learner numbers, immediate targeted feedback, hint ladders.

In a notebook::

    from vpnteach import exercises
    exercises.set_learner("alice")        # or your student number
    ex = exercises.skeyid_e()             # the statement shows alice's own values
    ex                                    # statement (HTML)
    ex.given["SKEYID"]                    # the inputs as bytes, to compute with
    ex.check("9f 3a ...")                 # Feedback: correct, or what went wrong
    ex.hint()                             # next step of the hint ladder
    ex.widget()                           # the same as a form (ipywidgets)

Kinds (issue 8): *compute* a value (``dh_public_value``, ``skeyid_e``, ``ka``, ``phase1_iv``,
``phase2_iv``, ``hash_i``, ``keymat``; IKEv2's ``skeyseed``, ``sk_key``, ``signed_octets``,
``psk_auth``), *predict* an outcome (``isakmp_policy``,
``acl_encrypted``), *decode* bytes (``decode_message``), *fix* a config
(``fix_config``, checked by a real lab run), *decrypt* a packet (``esp_decrypt``); and the
troubleshooting mystery: ``mystery_lab()`` gives a broken lab whose fault you are not told,
``check_fix(lab, commands, cause=...)`` grades the repair (:mod:`vpnteach.exercises.mystery`).
The practice exercises (:data:`PRACTICE`, ``exercises.get("hash_r")``) add predictions before
the stepper shows a value, reading the debug log, HASH_R and HASH(1..3), KEYMAT direction,
NAT-D, and configuration and PKI faults fixed at the console.

The expected answer is never in the notebook nor stored on the exercise: ``check`` computes it
from the learner's parameters when called (see :mod:`vpnteach.exercises.base`) and records the
answer, not the verdict, in the notebook (:mod:`vpnteach.exercises.records`). Instructors grade
a folder of saved notebooks with ``vpnteach grade`` (:mod:`vpnteach.exercises.grade`), which
recomputes every verdict; ``vpnteach course`` (:mod:`vpnteach.exercises.course`) gives each
learner numbers only the instructor can compute (``docs/grading.md``).
"""

from __future__ import annotations

from typing import Any

from vpnteach.exercises.answers import AnswerFormatError
from vpnteach.exercises.auth import HashI, Keymat
from vpnteach.exercises.base import KINDS, Exercise, Feedback, Statement
from vpnteach.exercises.config_fix import FixConfig
from vpnteach.exercises.console_fix import ConsoleFix, PkiConsoleFix
from vpnteach.exercises.counters import PingCounters, SpiPlaces
from vpnteach.exercises.debuglog import DebugLine, DebugRefusal
from vpnteach.exercises.direction import KeymatDirection, NatD
from vpnteach.exercises.gradebook import current_learner, set_learner
from vpnteach.exercises.ikev2_auth import PskAuth, SignedOctets
from vpnteach.exercises.ikev2_keys import Skeyseed, SkKey
from vpnteach.exercises.keys import DhPublicValue, Ka, Phase1Iv, Phase2Iv, SkeyidE
from vpnteach.exercises.mystery import Troubleshoot, check_fix, mystery_diagnosis, mystery_lab
from vpnteach.exercises.packets import DecodeMessage, EspDecrypt
from vpnteach.exercises.pki_faults import CaFingerprint, CertValidity, CrlCheck, FqdnIdentity
from vpnteach.exercises.predict import AclEncrypted, IsakmpPolicyChoice
from vpnteach.exercises.qmhash import HashR, QmHash1, QmHash2, QmHash3
from vpnteach.exercises.stepping import AntiReplay, KeySizes, NextState, Retransmits

AnyExercise = Exercise[Any, Any]

_PRACTICE: tuple[type[AnyExercise], ...] = (
    NextState,
    KeySizes,
    Retransmits,
    PingCounters,
    SpiPlaces,
    AntiReplay,
    DebugLine,
    DebugRefusal,
    HashR,
    QmHash1,
    QmHash2,
    QmHash3,
    KeymatDirection,
    NatD,
    ConsoleFix,
    CaFingerprint,
    CertValidity,
    CrlCheck,
    FqdnIdentity,
    PkiConsoleFix,
)
PRACTICE: dict[str, type[AnyExercise]] = {cls.id: cls for cls in _PRACTICE}
"""The practice exercises (issue 17: predict, read the log, hashes, directions, console and
PKI faults), by id, in the order of the practice notebooks (``notebooks/practice/``)."""

_TUTORIALS: tuple[type[AnyExercise], ...] = (
    DhPublicValue,
    SkeyidE,
    Ka,
    Phase1Iv,
    Phase2Iv,
    HashI,
    Keymat,
    IsakmpPolicyChoice,
    AclEncrypted,
    DecodeMessage,
    FixConfig,
    EspDecrypt,
    Skeyseed,
    SkKey,
    SignedOctets,
    PskAuth,
    Troubleshoot,
)
EXERCISES: dict[str, type[AnyExercise]] = {cls.id: cls for cls in (*_TUTORIALS, *_PRACTICE)}
LAB_RUN = ("fix_config", "console_fix", "pki_console_fix", "troubleshoot")
"""The exercises whose check builds and runs a lab (about a second each), not a formula."""
"""Every exercise class by id, in teaching order (the tutorials' first, then the practice
notebooks')."""


def get(exercise_id: str, learner: str | None = None) -> AnyExercise:
    """The exercise ``exercise_id`` for ``learner`` (default: the current learner)."""
    if exercise_id not in EXERCISES:
        raise ValueError(f"no exercise {exercise_id!r}; known: {', '.join(EXERCISES)}")
    return EXERCISES[exercise_id](learner)


def dh_public_value(learner: str | None = None) -> DhPublicValue:
    """Compute your Diffie-Hellman public value g^x mod p (RFC 2409 §5)."""
    return DhPublicValue(learner)


def skeyid_e(learner: str | None = None) -> SkeyidE:
    """Derive SKEYID_e through SKEYID_d and SKEYID_a (RFC 2409 §5)."""
    return SkeyidE(learner)


def ka(learner: str | None = None) -> Ka:
    """Expand SKEYID_e into the cipher key Ka (RFC 2409 Appendix B)."""
    return Ka(learner)


def phase1_iv(learner: str | None = None) -> Phase1Iv:
    """The IV of Main Mode message 5 (RFC 2409 Appendix B)."""
    return Phase1Iv(learner)


def phase2_iv(learner: str | None = None) -> Phase2Iv:
    """The IV of Quick Mode message 1 (RFC 2409 Appendix B)."""
    return Phase2Iv(learner)


def hash_i(learner: str | None = None) -> HashI:
    """HASH_I, what the initiator signs in Main Mode message 5 (RFC 2409 §5)."""
    return HashI(learner)


def keymat(learner: str | None = None) -> Keymat:
    """KEYMAT of one ESP SA with PFS (RFC 2409 §5.5)."""
    return Keymat(learner)


def isakmp_policy(learner: str | None = None) -> IsakmpPolicyChoice:
    """Predict which ISAKMP policy the responder chooses."""
    return IsakmpPolicyChoice(learner)


def acl_encrypted(learner: str | None = None) -> AclEncrypted:
    """Predict which packets a crypto ACL sends into the tunnel."""
    return AclEncrypted(learner)


def decode_message(learner: str | None = None) -> DecodeMessage:
    """Read fields of an ISAKMP message from its bytes (RFC 2408 §3.1-3.2)."""
    return DecodeMessage(learner)


def fix_config(learner: str | None = None) -> FixConfig:
    """Repair Branch2's configuration so that the tunnel comes up."""
    return FixConfig(learner)


def esp_decrypt(learner: str | None = None) -> EspDecrypt:
    """Decrypt an ESP tunnel-mode packet (RFC 4303)."""
    return EspDecrypt(learner)


def skeyseed(learner: str | None = None) -> Skeyseed:
    """IKEv2: SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14)."""
    return Skeyseed(learner)


def sk_key(learner: str | None = None) -> SkKey:
    """IKEv2: one SK_* key cut from prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (RFC 7296 §2.14)."""
    return SkKey(learner)


def signed_octets(learner: str | None = None) -> SignedOctets:
    """IKEv2: the octets an AUTH payload covers (RFC 7296 §2.15)."""
    return SignedOctets(learner)


def psk_auth(learner: str | None = None) -> PskAuth:
    """IKEv2: the AUTH value with a pre-shared key (RFC 7296 §2.15)."""
    return PskAuth(learner)


# ---------------------------------------------------------------- the practice exercises


def next_state(learner: str | None = None) -> NextState:
    """Predict what a Main Mode message does to the receiving router's state machine."""
    return NextState(learner)


def key_sizes(learner: str | None = None) -> KeySizes:
    """Predict four sizes before the key ledger shows them."""
    return KeySizes(learner)


def retransmits(learner: str | None = None) -> Retransmits:
    """Predict when an unanswered MM1 is sent again, and when IKE gives up."""
    return Retransmits(learner)


def ping_counters(learner: str | None = None) -> PingCounters:
    """Predict ``#pkts encaps`` / ``#pkts decaps`` and the first ping's successes."""
    return PingCounters(learner)


def spi_places(learner: str | None = None) -> SpiPlaces:
    """Which SPI is inbound, which outbound, and which one an echo reply carries."""
    return SpiPlaces(learner)


def anti_replay(learner: str | None = None) -> AntiReplay:
    """Predict which ESP packets the receiver's replay window lets through (RFC 4303 §3.4.3)."""
    return AntiReplay(learner)


def debug_line(learner: str | None = None) -> DebugLine:
    """Find the ``debug crypto isakmp`` line that shows something."""
    return DebugLine(learner)


def debug_refusal(learner: str | None = None) -> DebugRefusal:
    """Read a failing log: which of Branch1's messages was refused, and by whom."""
    return DebugRefusal(learner)


def hash_r(learner: str | None = None) -> HashR:
    """HASH_R, what the responder signs in Main Mode message 6 (RFC 2409 §5)."""
    return HashR(learner)


def qm_hash1(learner: str | None = None) -> QmHash1:
    """HASH(1) of Quick Mode message 1 (RFC 2409 §5.5)."""
    return QmHash1(learner)


def qm_hash2(learner: str | None = None) -> QmHash2:
    """HASH(2) of Quick Mode message 2 (RFC 2409 §5.5)."""
    return QmHash2(learner)


def qm_hash3(learner: str | None = None) -> QmHash3:
    """HASH(3) of Quick Mode message 3 (RFC 2409 §5.5)."""
    return QmHash3(learner)


def keymat_direction(learner: str | None = None) -> KeymatDirection:
    """The authentication key of one direction of ESP, read from ``show crypto ipsec sa``."""
    return KeymatDirection(learner)


def nat_d(learner: str | None = None) -> NatD:
    """The NAT-D payload that hashes the peer's address and port (RFC 3947 §3.2)."""
    return NatD(learner)


def console_fix(learner: str | None = None) -> ConsoleFix:
    """Repair a configuration fault by typing at one router's console."""
    return ConsoleFix(learner)


def ca_fingerprint(learner: str | None = None) -> CaFingerprint:
    """The MD5 fingerprint IOS shows at ``crypto pki authenticate``."""
    return CaFingerprint(learner)


def cert_validity(learner: str | None = None) -> CertValidity:
    """Which router refuses which certificate, on which clock (clock skew, expiry)."""
    return CertValidity(learner)


def crl_check(learner: str | None = None) -> CrlCheck:
    """Which peers' certificates a router with ``revocation-check crl`` accepts."""
    return CrlCheck(learner)


def fqdn_identity(learner: str | None = None) -> FqdnIdentity:
    """The ID Branch1 sends in MM5 after a domain name change, and the peer's verdict."""
    return FqdnIdentity(learner)


def pki_console_fix(learner: str | None = None) -> PkiConsoleFix:
    """Repair a PKI fault by typing at one router's console."""
    return PkiConsoleFix(learner)


__all__ = [
    "EXERCISES",
    "KINDS",
    "LAB_RUN",
    "PRACTICE",
    "AnswerFormatError",
    "Exercise",
    "Feedback",
    "Statement",
    "acl_encrypted",
    "anti_replay",
    "ca_fingerprint",
    "cert_validity",
    "check_fix",
    "console_fix",
    "crl_check",
    "current_learner",
    "debug_line",
    "debug_refusal",
    "decode_message",
    "dh_public_value",
    "esp_decrypt",
    "fix_config",
    "fqdn_identity",
    "get",
    "hash_i",
    "hash_r",
    "isakmp_policy",
    "ka",
    "key_sizes",
    "keymat",
    "keymat_direction",
    "mystery_diagnosis",
    "mystery_lab",
    "nat_d",
    "next_state",
    "phase1_iv",
    "phase2_iv",
    "ping_counters",
    "pki_console_fix",
    "psk_auth",
    "qm_hash1",
    "qm_hash2",
    "qm_hash3",
    "retransmits",
    "set_learner",
    "signed_octets",
    "sk_key",
    "skeyid_e",
    "skeyseed",
    "spi_places",
]
