"""Which payloads each IKEv1 message may carry, checked before any handler runs.

One :class:`MessageRule` per message of Main Mode (RFC 2409 §5.1, with RFC 3947 NAT-D), Quick
Mode (RFC 2409 §5.5, RFC 3947 NAT-OA) and the Informational exchange (RFC 2409 §5.7): for
each payload type the minimum and maximum count, and whether the message must arrive encrypted
(RFC 2408 §3.1 E flag). Main Mode messages 5 and 6 need SIG for rsa-sig and HASH for
pre-share (RFC 2409 §5.1, §5.4): :func:`rule_for` adds that requirement. With rsa-encr
(RFC 2409 §5.2) messages 3 and 4 carry the encrypted ID as well, and 5 and 6 only HASH_I/HASH_R
(:data:`RSA_ENCR_RULES`).

A failed check is a :class:`PayloadRuleError` carrying the ISAKMP notify type to answer with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vpnteach.wire.constants import AuthenticationMethod, NotifyMessageType, PayloadType
from vpnteach.wire.errors import InputError

T = PayloadType
MANY = 255


class PayloadRuleError(InputError):
    """A message whose payloads break its rule; ``notify`` is the notify type to send."""

    def __init__(self, message: str, notify: NotifyMessageType) -> None:
        self.notify = notify
        super().__init__(message)


@dataclass(frozen=True)
class MessageRule:
    """Allowed payloads of one message: ``{payload type: (min, max)}`` and the E flag.

    Payload types not listed are refused (RFC 2408 §5.1 INVALID-PAYLOAD-TYPE), except
    vendor IDs, which every message may carry.
    """

    name: str
    payloads: Mapping[PayloadType, tuple[int, int]]
    encrypted: bool
    first: PayloadType | None = None
    notes: str = field(default="", compare=False)

    def check(self, payload_types: Iterable[int], encrypted: bool) -> None:
        """Raise :class:`PayloadRuleError` if the message breaks the rule."""
        types = list(payload_types)
        if encrypted != self.encrypted:
            want = "encrypted" if self.encrypted else "in clear"
            raise PayloadRuleError(
                f"{self.name} must be sent {want}", NotifyMessageType.INVALID_FLAGS
            )
        if self.first is not None and (not types or types[0] != self.first):
            raise PayloadRuleError(
                f"{self.name} must start with a {self.first.name} payload",
                NotifyMessageType.INVALID_PAYLOAD_TYPE,
            )
        counts: dict[int, int] = {}  # a Counter would cost three Python calls per message
        for ptype in types:
            counts[ptype] = counts.get(ptype, 0) + 1
        self._check_counts(counts)

    def _check_counts(self, counts: dict[int, int]) -> None:
        for ptype in counts:
            if ptype not in self.payloads and ptype != T.VID:
                raise PayloadRuleError(
                    f"{self.name} may not carry payload type {_name(ptype)}",
                    NotifyMessageType.INVALID_PAYLOAD_TYPE,
                )
        for ptype, (low, high) in self.payloads.items():
            n = counts.get(ptype, 0)
            if not low <= n <= high:
                raise PayloadRuleError(
                    f"{self.name} carries {n} {ptype.name} payload(s); needs {low}..{high}",
                    NotifyMessageType.PAYLOAD_MALFORMED,
                )


def _name(ptype: int) -> str:
    try:
        return T(ptype).name
    except ValueError:
        return str(ptype)


_NAT_D = {T.NAT_D: (0, MANY), T.NAT_D_DRAFT: (0, MANY)}
_AUTH_MSG = {
    T.ID: (1, 1),
    T.CERT: (0, MANY),
    T.CR: (0, MANY),
    T.SIG: (0, 1),
    T.HASH: (0, 1),
    T.N: (0, MANY),
}
_AM_KE = {
    T.SA: (1, 1),
    T.KE: (1, 1),
    T.NONCE: (1, 1),
    T.ID: (1, 1),
    T.CR: (0, MANY),
    T.N: (0, MANY),
}
_QM = {
    T.HASH: (1, 1),
    T.SA: (1, 1),
    T.NONCE: (1, 1),
    T.KE: (0, 1),
    T.ID: (0, 2),
    T.NAT_OA: (0, 2),
    T.NAT_OA_DRAFT: (0, 2),
    T.N: (0, MANY),
}

RULES: dict[str, MessageRule] = {
    r.name: r
    for r in (
        MessageRule("MM1", {T.SA: (1, 1)}, encrypted=False, first=T.SA),
        MessageRule("MM2", {T.SA: (1, 1)}, encrypted=False, first=T.SA),
        MessageRule(
            "MM3", {T.KE: (1, 1), T.NONCE: (1, 1), T.CR: (0, MANY), **_NAT_D}, encrypted=False
        ),
        MessageRule(
            "MM4", {T.KE: (1, 1), T.NONCE: (1, 1), T.CR: (0, MANY), **_NAT_D}, encrypted=False
        ),
        MessageRule("MM5", _AUTH_MSG, encrypted=True, first=T.ID),
        MessageRule("MM6", _AUTH_MSG, encrypted=True, first=T.ID),
        MessageRule("QM1", _QM, encrypted=True, first=T.HASH),
        MessageRule("QM2", _QM, encrypted=True, first=T.HASH),
        MessageRule("QM3", {T.HASH: (1, 1)}, encrypted=True, first=T.HASH),
        # Aggressive Mode (RFC 2409 §5.4, §5.1; RFC 3947 §3.2 puts NAT-D in AM2 and AM3).
        # RFC 2409 writes AM3 as HDR (clear); IOS and strongSwan 5.x send it encrypted, and
        # strongSwan refuses a clear one ("payload type HASH_V1 was not encrypted"): so do we.
        MessageRule(
            "AM1",
            {T.SA: (1, 1), T.KE: (1, 1), T.NONCE: (1, 1), T.ID: (1, 1), T.CR: (0, MANY)},
            encrypted=False,
            first=T.SA,
        ),
        MessageRule(
            "AM2",
            {**_AM_KE, T.CERT: (0, MANY), T.SIG: (0, 1), T.HASH: (0, 1), **_NAT_D},
            encrypted=False,
            first=T.SA,
        ),
        MessageRule(
            "AM3",
            {T.CERT: (0, MANY), T.SIG: (0, 1), T.HASH: (0, 1), T.N: (0, MANY), **_NAT_D},
            encrypted=True,
        ),
        MessageRule(
            "INFO",
            {T.HASH: (1, 1), T.N: (0, MANY), T.D: (0, MANY)},
            encrypted=True,
            first=T.HASH,
        ),
    )
}
"""The payload rule of every message, by name (``"MM1"`` .. ``"QM3"``, ``"AM1"`` ..
``"AM3"``, ``"INFO"``)."""

_PKE_KE = {T.KE: (1, 1), T.ID: (1, 1), T.NONCE: (1, 1), T.CR: (0, MANY), **_NAT_D}
_PKE_AUTH = {T.HASH: (1, 1), T.N: (0, MANY)}
RSA_ENCR_RULES: dict[str, MessageRule] = {
    r.name: r
    for r in (
        MessageRule("MM3", {**_PKE_KE, T.HASH: (0, 1)}, encrypted=False),
        MessageRule("MM4", _PKE_KE, encrypted=False),
        MessageRule("MM5", _PKE_AUTH, encrypted=True, first=T.HASH),
        MessageRule("MM6", _PKE_AUTH, encrypted=True, first=T.HASH),
    )
}
"""Main Mode messages 3-6 with public key encryption (RFC 2409 §5.2): MM3 ``KE, [HASH(1)],
<IDii_b>PubKey_r, <Ni_b>PubKey_r``, MM4 ``KE, <IDir_b>PubKey_i, <Nr_b>PubKey_i``, MM5/MM6
``HASH_I``/``HASH_R`` (and notifications such as INITIAL-CONTACT)."""

_AUTH_PAYLOAD = {
    AuthenticationMethod.RSA_SIGNATURES: T.SIG,
    AuthenticationMethod.PRE_SHARED_KEY: T.HASH,
}


_AUTH_MESSAGES = frozenset(("MM5", "MM6", "AM2", "AM3"))


def rule_for(name: str, auth: int | None = None) -> MessageRule:
    """The rule for a message; for MM5/MM6, AM2/AM3 with ``auth`` SIG or HASH is required;
    rsa-encr (``auth`` 4) has its own rules for MM3 to MM6."""
    if auth == AuthenticationMethod.RSA_ENCRYPTION and name in RSA_ENCR_RULES:
        return RSA_ENCR_RULES[name]
    rule = RULES[name]
    needed = _AUTH_PAYLOAD.get(AuthenticationMethod(auth)) if auth is not None else None
    if name not in _AUTH_MESSAGES or needed is None:
        return rule
    payloads = dict(rule.payloads)
    payloads[needed] = (1, 1)
    other = T.HASH if needed == T.SIG else T.SIG
    payloads[other] = (0, 0)
    return MessageRule(name, payloads, rule.encrypted, rule.first)
