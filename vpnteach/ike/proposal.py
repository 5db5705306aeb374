"""Proposal matching with IOS semantics, every check recorded as data.

Phase 1 (RFC 2409 §5, RFC 2408 §4.2): the initiator offers all its ISAKMP policies, in
priority order, as the transforms of one proposal. The responder walks *its own* policies by
priority and, for each, every offered transform in order, taking the first acceptable one:
same encryption (and key length), hash, authentication method and DH group, and an offered
lifetime no longer than the policy's (IOS then uses the offered, shorter one). An offered
lifetime of 0 (strongSwan with ``rekey_time = 0, reauth_time = 0``) is no limit from the peer:
IOS logs "Acceptable atts:actual life: 0" and fills in its own policy's lifetime
("Fill atts in sa life_in_seconds:86400"), and so do we.

Phase 2 (RFC 2409 §5.5, RFC 2407 §4.4-4.5): the responder checks each offered ESP proposal's
transforms against the transform sets of the matching crypto map entry: same ESP cipher and
key length, same HMAC, same encapsulation mode (tunnel or, with NAT-T, UDP-encapsulated tunnel
RFC 3947 §5) and an acceptable PFS group. The shorter lifetimes win; an offered lifetime of 0
means the local one (as in phase 1).

Each comparison is a :class:`TransformCheck` whose ``lines`` are what ``debug crypto isakmp``
prints ("encryption 3DES-CBC", "life duration (VPI) of 0x0 0x1 0x51 0x80", ...), so the log,
the stepper and the exercises read the same facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from vpnteach._html import HtmlRepr
from vpnteach.ike.policy import CryptoMapEntry, IsakmpPolicy, ProxyIdentity, TransformSet
from vpnteach.wire.attributes import DataAttribute
from vpnteach.wire.constants import (
    EncapsulationMode,
    IkeAttribute,
    IpsecAttribute,
    IpsecTransformId,
    LifeType,
)

A = IkeAttribute
P = IpsecAttribute

_ENC_TEXT = {1: "DES-CBC", 5: "3DES-CBC", 7: "AES-CBC"}
_HASH_TEXT = {1: "MD5", 2: "SHA", 4: "SHA256", 5: "SHA384", 6: "SHA512"}
_AUTH_TEXT = {1: "pre-share", 3: "RSA sig", 4: "RSA encr"}
_ESP_AUTH_TEXT = {1: "HMAC-MD5", 2: "HMAC-SHA", 5: "HMAC-SHA256"}
_ENCAPS_TEXT = {1: "Tunnel", 2: "Transport", 3: "Tunnel-UDP", 4: "Transport-UDP"}
_LIFE_TEXT = {1: "seconds", 2: "kilobytes"}


def vpi_text(attr: DataAttribute) -> str:
    """IOS renders a value as ``(VPI) of 0x0 0x1 0x51 0x80`` (TLV) or ``(basic) of 6000`` (TV)."""
    if attr.tv:
        return f"(basic) of {attr.int_value}"
    data = attr.value if isinstance(attr.value, bytes) else attr.value.to_bytes(4, "big")
    return "(VPI) of " + " ".join([f"0x{b:X}" for b in data])


# --------------------------------------------------------------------------- phase 1


def ike_transform_attributes(policy: IsakmpPolicy) -> tuple[DataAttribute, ...]:
    """The phase 1 transform attributes for a policy, in the order IOS sends them."""
    attrs = [DataAttribute.basic(A.ENCRYPTION_ALGORITHM, policy.encryption_id)]
    if policy.key_length is not None:
        attrs.append(DataAttribute.basic(A.KEY_LENGTH, policy.key_length))
    attrs += [
        DataAttribute.basic(A.HASH_ALGORITHM, policy.hash_id),
        DataAttribute.basic(A.GROUP_DESCRIPTION, policy.group),
        DataAttribute.basic(A.AUTHENTICATION_METHOD, policy.auth_id),
        DataAttribute.basic(A.LIFE_TYPE, LifeType.SECONDS),
        # RFC 2408 §3.3: a value over 16 bits travels in the variable (TLV) form.
        DataAttribute.variable(A.LIFE_DURATION, policy.lifetime.to_bytes(4, "big")),
    ]
    return tuple(attrs)


@dataclass(frozen=True)
class IkeSuite(HtmlRepr):
    """The negotiated phase 1 protection suite, as IKE attribute values (RFC 2409 App. A)."""

    encryption: int
    key_length: int | None
    hash: int
    authentication: int
    group: int
    lifetime: int

    @classmethod
    def from_attributes(cls, attrs: Iterable[DataAttribute]) -> IkeSuite:
        """Read a transform's attributes; a missing class raises ``KeyError``."""
        values = {a.type: a.int_value for a in attrs}
        return cls(
            encryption=values[A.ENCRYPTION_ALGORITHM],
            key_length=values.get(A.KEY_LENGTH),
            hash=values[A.HASH_ALGORITHM],
            authentication=values[A.AUTHENTICATION_METHOD],
            group=values[A.GROUP_DESCRIPTION],
            lifetime=values.get(A.LIFE_DURATION, 86400),
        )


@dataclass(frozen=True)
class TransformCheck(HtmlRepr):
    """One comparison of an offered transform with a local policy or transform set.

    ``lines`` are the attribute lines ``debug crypto isakmp`` prints; ``problem`` says why the
    transform was refused (``None`` if acceptable).
    """

    transform_number: int
    against: str
    lines: tuple[str, ...]
    problem: str | None
    proposal_number: int = 1

    @property
    def acceptable(self) -> bool:
        """No attribute disagreed."""
        return self.problem is None


@dataclass(frozen=True)
class Phase1Selection(HtmlRepr):
    """The outcome of phase 1 matching: every check made and, if any, the chosen suite."""

    checks: tuple[TransformCheck, ...]
    transform_number: int | None
    policy: IsakmpPolicy | None
    suite: IkeSuite | None
    attributes: tuple[DataAttribute, ...] = ()

    @property
    def accepted(self) -> bool:
        """A transform was acceptable (else the answer is NO-PROPOSAL-CHOSEN)."""
        return self.suite is not None


#: How ``debug crypto isakmp`` prints each phase 1 attribute (RFC 2409 Appendix A classes).
_IKE_LINES: dict[int, Callable[[int, DataAttribute], str]] = {
    A.ENCRYPTION_ALGORITHM: lambda v, _: f"encryption {_ENC_TEXT.get(v, v)}",
    A.KEY_LENGTH: lambda v, _: f"keylength of {v}",
    A.HASH_ALGORITHM: lambda v, _: f"hash {_HASH_TEXT.get(v, v)}",
    A.GROUP_DESCRIPTION: lambda v, _: f"default group {v}",
    A.AUTHENTICATION_METHOD: lambda v, _: f"auth {_AUTH_TEXT.get(v, v)}",
    A.LIFE_TYPE: lambda v, _: f"life type in {_LIFE_TEXT.get(v, v)}",
    A.LIFE_DURATION: lambda _, attr: f"life duration {vpi_text(attr)}",
}


def _attribute_line(
    lines: dict[int, Callable[[int, DataAttribute], str]], attr: DataAttribute
) -> str:
    """One attribute as IOS's debug prints it (``lines`` by attribute type), or its number."""
    render = lines.get(attr.type)
    value = attr.int_value
    return render(value, attr) if render else f"attribute {attr.type} = {value}"


#: Which policy field each phase 1 attribute must equal, and how IOS names a mismatch.
_IKE_WANTED: dict[int, tuple[Callable[[IsakmpPolicy], int | None], str]] = {
    A.ENCRYPTION_ALGORITHM: (lambda p: p.encryption_id, "Encryption algorithm offered"),
    A.KEY_LENGTH: (lambda p: p.key_length, "Key length offered"),
    A.HASH_ALGORITHM: (lambda p: p.hash_id, "Hash algorithm offered"),
    A.GROUP_DESCRIPTION: (lambda p: p.group, "Diffie-Hellman group offered"),
    A.AUTHENTICATION_METHOD: (lambda p: p.auth_id, "Authentication method offered"),
    A.LIFE_TYPE: (lambda _: LifeType.SECONDS, "Life type offered"),
}


def _ike_problem(attr: DataAttribute, policy: IsakmpPolicy) -> str | None:
    value = attr.int_value
    if attr.type == A.LIFE_DURATION:
        if value > policy.lifetime:
            return f"Lifetime offered ({value} s) is longer than policy ({policy.lifetime} s)"
        return None
    wanted = _IKE_WANTED.get(attr.type)
    if wanted is None:
        return f"Unsupported attribute {attr.type} offered"
    expected, what = wanted
    return None if value == expected(policy) else f"{what} does not match policy!"


def oversized(attrs: Iterable[DataAttribute]) -> DataAttribute | None:
    """An attribute whose value does not fit 64 bits: no class we support needs one, and such
    a number cannot even be printed in decimal (Python's int-to-str digit limit)."""
    return next((a for a in attrs if a.int_value.bit_length() > 64), None)


# RFC 2409 §5: a phase 1 transform names its encryption, hash, authentication and group.
_MANDATORY = frozenset(
    (A.ENCRYPTION_ALGORITHM, A.HASH_ALGORITHM, A.AUTHENTICATION_METHOD, A.GROUP_DESCRIPTION)
)


def check_ike_transform(
    number: int, attrs: Sequence[DataAttribute], policy: IsakmpPolicy
) -> TransformCheck:
    """Compare one offered phase 1 transform with one local policy, attribute by attribute."""
    big = oversized(attrs)
    if big is not None:
        line = f"attribute {big.type} with a {(big.int_value.bit_length() + 7) // 8}-byte value"
        too_long = "Attribute value longer than 64 bits offered"
        return TransformCheck(number, f"priority {policy.priority} policy", (line,), too_long)
    lines: list[str] = []
    problem: str | None = None
    for attr in attrs:
        lines.append(_attribute_line(_IKE_LINES, attr))
        problem = problem or _ike_problem(attr, policy)
    offered_types = {a.type for a in attrs}
    if problem is None and policy.key_length is not None and A.KEY_LENGTH not in offered_types:
        problem = "Key length offered does not match policy!"
    missing = sorted(A(t).name for t in _MANDATORY - offered_types)
    if problem is None and missing:
        problem = f"Mandatory attribute not offered: {', '.join(missing)} (RFC 2409 §5)"
    against = f"priority {policy.priority} policy"
    return TransformCheck(number, against, tuple(lines), problem)


def select_ike_transform(
    offered: Sequence[tuple[int, Sequence[DataAttribute]]],
    policies: Sequence[IsakmpPolicy],
) -> Phase1Selection:
    """IOS responder rule: own policies by priority, each against every offered transform.

    Args:
        offered: (transform number, attributes) of the single proposal in MM1.
        policies: the local policies (include ``DEFAULT_POLICY`` to mimic IOS's default suite).
    """
    checks: list[TransformCheck] = []
    for policy in sorted(policies, key=lambda p: p.priority):
        for number, attrs in offered:
            check = check_ike_transform(number, attrs, policy)
            checks.append(check)
            if check.acceptable:
                suite = IkeSuite.from_attributes(attrs)
                if suite.lifetime == 0:  # no limit offered: the policy's (IOS "Fill atts")
                    suite = replace(suite, lifetime=policy.lifetime)
                return Phase1Selection(tuple(checks), number, policy, suite, tuple(attrs))
    return Phase1Selection(tuple(checks), None, None, None)


# --------------------------------------------------------------------------- phase 2


def esp_transform_attributes(
    ts: TransformSet, entry: CryptoMapEntry, udp_encapsulated: bool = False
) -> tuple[DataAttribute, ...]:
    """The Quick Mode ESP transform attributes, in the order IOS sends them (RFC 2407 §4.5)."""
    attrs = [
        DataAttribute.basic(P.ENCAPSULATION_MODE, encapsulation_mode(ts, udp_encapsulated)),
        DataAttribute.basic(P.SA_LIFE_TYPE, LifeType.SECONDS),
        DataAttribute.integer(P.SA_LIFE_DURATION, entry.sa_lifetime_seconds),
        DataAttribute.basic(P.SA_LIFE_TYPE, LifeType.KILOBYTES),
        DataAttribute.variable(P.SA_LIFE_DURATION, entry.sa_lifetime_kilobytes.to_bytes(4, "big")),
    ]
    if ts.auth_algorithm is not None:  # none with AES-GCM (RFC 4106 §8.1)
        attrs.append(DataAttribute.basic(P.AUTHENTICATION_ALGORITHM, ts.auth_algorithm))
    if ts.key_length is not None:
        attrs.append(DataAttribute.basic(P.KEY_LENGTH, ts.key_length))
    if entry.pfs_group is not None:
        attrs.append(DataAttribute.basic(P.GROUP_DESCRIPTION, entry.pfs_group))
    return tuple(attrs)


def encapsulation_mode(ts: TransformSet, udp_encapsulated: bool) -> EncapsulationMode:
    """Tunnel/transport, or their UDP-encapsulated forms when NAT was detected (RFC 3947 §5)."""
    if not udp_encapsulated:
        return ts.encapsulation
    if ts.encapsulation == EncapsulationMode.TUNNEL:
        return EncapsulationMode.UDP_ENCAPSULATED_TUNNEL
    return EncapsulationMode.UDP_ENCAPSULATED_TRANSPORT


@dataclass(frozen=True)
class EspOffer(HtmlRepr):
    """One ESP transform inside a Quick Mode proposal, as received."""

    proposal_number: int
    spi: bytes
    transform_number: int
    transform_id: int
    attributes: tuple[DataAttribute, ...]


@dataclass(frozen=True)
class EspSuite(HtmlRepr):
    """The negotiated ESP parameters (RFC 2407 §4.4.4, §4.5)."""

    transform_id: int
    key_length: int | None
    auth_algorithm: int
    encapsulation: int
    lifetime_seconds: int
    lifetime_kilobytes: int
    pfs_group: int | None

    @classmethod
    def from_attributes(cls, transform_id: int, attrs: Iterable[DataAttribute]) -> EspSuite:
        """Read an ESP transform's attributes (life type/duration come in pairs)."""
        values: dict[int, int] = {}
        lifetimes: dict[int, int] = {}
        life_type: int = LifeType.SECONDS
        for a in attrs:
            if a.type == P.SA_LIFE_TYPE:
                life_type = a.int_value  # an unknown life type is ignored, not a crash
            elif a.type == P.SA_LIFE_DURATION:
                lifetimes[life_type] = a.int_value
            else:
                values[a.type] = a.int_value
        return cls(
            transform_id=transform_id,
            key_length=values.get(P.KEY_LENGTH),
            auth_algorithm=values.get(P.AUTHENTICATION_ALGORITHM, 0),
            encapsulation=values.get(P.ENCAPSULATION_MODE, EncapsulationMode.TUNNEL),
            lifetime_seconds=lifetimes.get(LifeType.SECONDS, 28800),
            lifetime_kilobytes=lifetimes.get(LifeType.KILOBYTES, 0),
            pfs_group=values.get(P.GROUP_DESCRIPTION),
        )


@dataclass(frozen=True)
class Phase2Selection(HtmlRepr):
    """The outcome of Quick Mode matching."""

    checks: tuple[TransformCheck, ...]
    offer: EspOffer | None
    transform_set: TransformSet | None
    suite: EspSuite | None

    @property
    def accepted(self) -> bool:
        """An ESP transform was acceptable."""
        return self.suite is not None


def _esp_lines(offer: EspOffer) -> list[str]:
    name = _transform_name(offer.transform_id)
    lines = [f"transform {offer.transform_number}, {name}", "attributes in transform:"]
    return lines + [_attribute_line(_ESP_LINES, a) for a in offer.attributes]


#: How ``debug crypto isakmp`` prints each ESP transform attribute (RFC 2407 §4.5 classes).
_ESP_LINES: dict[int, Callable[[int, DataAttribute], str]] = {
    P.ENCAPSULATION_MODE: lambda v, _: f"encaps is {v} ({_ENCAPS_TEXT.get(v, v)})",
    P.SA_LIFE_TYPE: lambda v, _: f"SA life type in {_LIFE_TEXT.get(v, v)}",
    P.SA_LIFE_DURATION: lambda _, attr: f"SA life duration {vpi_text(attr)}",
    P.AUTHENTICATION_ALGORITHM: lambda v, _: f"authenticator is {_ESP_AUTH_TEXT.get(v, v)}",
    P.KEY_LENGTH: lambda v, _: f"key length is {v}",
    P.GROUP_DESCRIPTION: lambda v, _: f"group is {v}",
}


def _transform_name(transform_id: int) -> str:
    try:
        return IpsecTransformId(transform_id).name
    except ValueError:
        return str(transform_id)


def _esp_problem(
    suite: EspSuite, ts: TransformSet, entry: CryptoMapEntry, nat_t: bool
) -> str | None:
    if suite.transform_id != ts.transform_id or suite.key_length != ts.key_length:
        return f"transform does not match transform set {ts.name} ({ts.ios_text()})"
    if suite.auth_algorithm != (ts.auth_algorithm or 0):  # 0: none offered (AES-GCM)
        return f"authenticator does not match transform set {ts.name} ({ts.ios_text()})"
    if suite.encapsulation != encapsulation_mode(ts, nat_t):
        return f"encapsulation mode does not match transform set {ts.name} ({ts.mode})"
    if entry.pfs_group is not None and suite.pfs_group != entry.pfs_group:
        return f"PFS group {suite.pfs_group} offered, crypto map requires group {entry.pfs_group}"
    return None


def select_esp_transform(
    offers: Sequence[EspOffer], entry: CryptoMapEntry, nat_t: bool = False
) -> Phase2Selection:
    """Check each offered ESP transform against the entry's transform sets, in order.

    The chosen suite carries the shorter of offered and local lifetimes, and the offered PFS
    group (IOS ``set pfs``: without a local group any offered group is accepted).
    """
    checks: list[TransformCheck] = []
    for offer in offers:
        if oversized(offer.attributes) is not None:
            continue
        suite = EspSuite.from_attributes(offer.transform_id, offer.attributes)
        lines = tuple(_esp_lines(offer))
        for ts in entry.transform_sets:
            problem = _esp_problem(suite, ts, entry, nat_t)
            checks.append(
                TransformCheck(
                    offer.transform_number,
                    f"transform set {ts.name}",
                    lines,
                    problem,
                    proposal_number=offer.proposal_number,
                )
            )
            if problem is None:
                chosen = _shorter_lifetimes(suite, entry)
                return Phase2Selection(tuple(checks), offer, ts, chosen)
    return Phase2Selection(tuple(checks), None, None, None)


def _shorter_lifetimes(suite: EspSuite, entry: CryptoMapEntry) -> EspSuite:
    """The shorter of offered and local lifetimes; an offered 0 is no limit: the local one."""
    seconds = suite.lifetime_seconds or entry.sa_lifetime_seconds
    kb = suite.lifetime_kilobytes or entry.sa_lifetime_kilobytes
    return EspSuite(
        transform_id=suite.transform_id,
        key_length=suite.key_length,
        auth_algorithm=suite.auth_algorithm,
        encapsulation=suite.encapsulation,
        lifetime_seconds=min(seconds, entry.sa_lifetime_seconds),
        lifetime_kilobytes=min(kb, entry.sa_lifetime_kilobytes),
        pfs_group=suite.pfs_group,
    )


def proxies_acceptable(entry: CryptoMapEntry, idci: ProxyIdentity, idcr: ProxyIdentity) -> bool:
    """The responder's check: the initiator's proxies mirror (lie inside) a permit entry.

    IDci (the initiator's side) must lie inside the entry's *destination*, IDcr inside its
    *source* (RFC 2409 §5.5; IOS "Crypto mapdb : proxy_match"). Otherwise the answer is
    INVALID-ID-INFORMATION.
    """
    for acl in entry.match_address.permits():
        local, remote = acl.proxy_identities()
        if remote.contains(idci) and local.contains(idcr):
            return True
    return False
