"""RESPONDER-LIFETIME (RFC 2407 §4.5.4, §4.6.3.1): the responder's shorter lifetime, told.

When an initiator offers a longer SA lifetime than the responder's policy allows, RFC 2407
§4.5.4 lets the responder fail, silently take a shorter one, or "complete the negotiation and
send an advisory notification to the initiator indicating the responder's true lifetime". IOS
takes the third way and so do we: the answer keeps the offered transform unchanged (RFC 2408
§4.2: the chosen proposal is returned as offered) and carries a Notification payload

    Protocol-ID  PROTO_IPSEC_ESP (Quick Mode) or PROTO_ISAKMP (phase 1)
    SPI          the responder's inbound ESP SPI, or CKY-I | CKY-R
    Type         RESPONDER-LIFETIME (24576)
    Data         SA attributes: Life Type / Life Duration pairs (seconds, kilobytes)

in the exchange that carries the responder's SA payload: QM2 for an IPsec SA; for an ISAKMP SA
IOS sends it in an informational exchange right after MM6, once it can be encrypted; vpnteach
waits for the initiator's first phase-2 message, which shows that MM6 was read (the
informational's IV follows MM6, and a multi-threaded peer could read it first). An
initiator that receives one uses the shorter lifetimes from then on (the notify never
lengthens a lifetime). strongSwan 5.9 has no code for this notify (it logs
``received (24576) notify``) and keeps its own configured lifetime, so against it the
responder's shorter life shows as a rekey by the responder and a Delete at expiry
(:mod:`vpnteach.gateway.lifetimes`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from vpnteach.ike.context import Context, IkeError
from vpnteach.ike.proposal import EspSuite
from vpnteach.ike.records_endpoint import (
    ResponderLifetimeIgnored,
    ResponderLifetimeReceived,
    ResponderLifetimeSent,
)
from vpnteach.ike.sa import IsakmpSa, QuickModeNode, Role
from vpnteach.wire.attributes import DataAttribute, encode_attribute, pull_attribute
from vpnteach.wire.buffer import Buffer
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import (
    IkeAttribute,
    IpsecAttribute,
    LifeType,
    NotifyMessageType,
    ProtocolId,
)
from vpnteach.wire.payloads import NotificationPayload

RESPONDER_LIFETIME = NotifyMessageType.RESPONDER_LIFETIME
ESP = ProtocolId.PROTO_IPSEC_ESP
ISAKMP = ProtocolId.PROTO_ISAKMP


@dataclass(frozen=True)
class Lifetimes:
    """A lifetime in seconds and in kilobytes; ``None``: not stated (RFC 2407 §4.5)."""

    seconds: int | None = None
    kilobytes: int | None = None

    def shorter_than(self, seconds: int, kilobytes: int) -> Lifetimes:
        """The limits here that are shorter than (``seconds``, ``kilobytes``), others unset.
        A 0 means no limit: ours is never shorter, theirs is longer than any of ours."""
        return Lifetimes(_shorter(self.seconds, seconds), _shorter(self.kilobytes, kilobytes))

    def __bool__(self) -> bool:
        return self.seconds is not None or self.kilobytes is not None


def _shorter(mine: int | None, theirs: int) -> int | None:
    return mine if mine and (not theirs or mine < theirs) else None


def lifetime_attributes(life: Lifetimes, *, ike: bool) -> tuple[DataAttribute, ...]:
    """Life Type / Life Duration pairs (RFC 2407 §4.5 classes 1 and 2; RFC 2409 Appendix A
    classes 11 and 12 for phase 1), seconds first."""
    type_class, duration_class = _classes(ike)
    attrs: list[DataAttribute] = []
    for kind, value in ((LifeType.SECONDS, life.seconds), (LifeType.KILOBYTES, life.kilobytes)):
        if value is not None:
            attrs.append(DataAttribute.basic(type_class, kind))
            attrs.append(DataAttribute.integer(duration_class, value))
    return tuple(attrs)


def _classes(ike: bool) -> tuple[int, int]:
    """The Life Type and Life Duration attribute classes of phase 1 or of the IPsec DOI."""
    if ike:
        return IkeAttribute.LIFE_TYPE, IkeAttribute.LIFE_DURATION
    return IpsecAttribute.SA_LIFE_TYPE, IpsecAttribute.SA_LIFE_DURATION


def responder_lifetime_notify(
    protocol_id: int, spi: bytes, life: Lifetimes, *, ike: bool
) -> NotificationPayload:
    """The RESPONDER-LIFETIME notification (RFC 2407 §4.6.3.1) stating ``life``."""
    data = b"".join(encode_attribute(a) for a in lifetime_attributes(life, ike=ike))
    return NotificationPayload(
        RESPONDER_LIFETIME, protocol_id=protocol_id, spi=spi, notification_data=data
    )


def read_responder_lifetime(notify: NotificationPayload, *, ike: bool) -> Lifetimes:
    """The lifetimes a RESPONDER-LIFETIME states; a malformed one raises an ``InputError``
    (a ``ValueError``) naming what is wrong."""
    life_type_class, duration_class = _classes(ike)
    buf = Buffer(notify.notification_data)
    found: dict[int, int] = {}
    life_type: int | None = None
    while not buf.eof():
        attr = pull_attribute(buf, ike)
        if attr.type == life_type_class:
            life_type = attr.int_value
        elif attr.type == duration_class:
            if life_type is None:
                raise IkeError("RESPONDER-LIFETIME: a Life Duration before any Life Type")
            if attr.int_value.bit_length() > 32:
                raise IkeError("RESPONDER-LIFETIME: a Life Duration longer than 32 bits")
            found[life_type] = attr.int_value
    return Lifetimes(found.get(LifeType.SECONDS), found.get(LifeType.KILOBYTES))


def lifetime_text(life: Lifetimes) -> str:
    """``120 seconds, 4608000 kilobytes`` (the limits stated)."""
    parts = [] if life.seconds is None else [f"{life.seconds} seconds"]
    parts += [] if life.kilobytes is None else [f"{life.kilobytes} kilobytes"]
    return ", ".join(parts) or "no limit"


# --------------------------------------------------------------------------- Quick Mode


def qm2_responder_lifetime(ctx: Context, node: QuickModeNode) -> list[Payload]:
    """The RESPONDER-LIFETIME QM2 carries when our lifetimes are shorter than the offered
    transform's (an absent seconds lifetime is RFC 2407 §4.5's default of 28800 s); none
    otherwise, as in the seed, where both sides configure the same lifetimes."""
    selection, suite = node.selection, node.suite
    assert selection is not None and selection.offer is not None and suite is not None
    offer = selection.offer
    offered = EspSuite.from_attributes(offer.transform_id, offer.attributes)
    life = Lifetimes(suite.lifetime_seconds, suite.lifetime_kilobytes).shorter_than(
        offered.lifetime_seconds, offered.lifetime_kilobytes
    )
    if not life:
        return []
    ctx.log(ResponderLifetimeSent(protocol=ESP, lifetime=lifetime_text(life)))
    return [responder_lifetime_notify(ESP, node.spi_r, life, ike=False)]


def honour_qm2_lifetime(ctx: Context, suite: EspSuite, payloads: list[Payload]) -> EspSuite:
    """``suite`` with the shorter lifetimes a RESPONDER-LIFETIME in QM2 states (RFC 2407
    §4.6.3.1); a malformed one, or one that would lengthen a lifetime, is logged and ignored."""
    for notify in payloads:
        if not isinstance(notify, NotificationPayload):
            continue
        if notify.notify_message_type != RESPONDER_LIFETIME or notify.protocol_id != ESP:
            continue
        try:
            stated = read_responder_lifetime(notify, ike=False)
        except ValueError as exc:
            ctx.log(ResponderLifetimeIgnored(reason=str(exc)))
            continue
        life = stated.shorter_than(suite.lifetime_seconds, suite.lifetime_kilobytes)
        if not life:
            ctx.log(ResponderLifetimeIgnored(reason=f"{lifetime_text(stated)} is not shorter"))
            continue
        suite = replace(
            suite,
            lifetime_seconds=life.seconds or suite.lifetime_seconds,
            lifetime_kilobytes=life.kilobytes or suite.lifetime_kilobytes,
        )
        ctx.log(ResponderLifetimeReceived(protocol=ESP, lifetime=lifetime_text(life)))
    return suite


# --------------------------------------------------------------------------- phase 1


def phase1_responder_lifetime(ctx: Context, sa: IsakmpSa) -> NotificationPayload | None:
    """The RESPONDER-LIFETIME (protocol ISAKMP, SPI CKY-I | CKY-R) a responder sends once
    the initiator has read MM6 (:func:`~vpnteach.ike.informational.pay_lifetime`) when the
    ISAKMP SA lifetime it took is shorter than the offered one; as IOS 12.4 refuses
    a longer offer (:mod:`vpnteach.ike.proposal`), that is an offer of 0, "no limit" (strongSwan
    with ``rekey_time = 0``: IOS logs "Fill atts in sa life_in_seconds" and tells the peer)."""
    negotiated = sa.negotiated
    if negotiated is None or sa.role is not Role.RESPONDER:
        return None
    offered = {a.type: a.int_value for a in negotiated.attributes}
    if IkeAttribute.LIFE_DURATION not in offered:
        return None
    life = Lifetimes(negotiated.suite.lifetime).shorter_than(offered[IkeAttribute.LIFE_DURATION], 0)
    if not life:
        return None
    ctx.log(ResponderLifetimeSent(protocol=ISAKMP, lifetime=lifetime_text(life)))
    return responder_lifetime_notify(ISAKMP, sa.cookies.spi, life, ike=True)


def honour_phase1_lifetime(ctx: Context, sa: IsakmpSa, notify: NotificationPayload) -> None:
    """An initiator's ISAKMP SA ends when the responder's RESPONDER-LIFETIME says, if that
    is sooner (RFC 2407 §4.6.3.1); anything else is logged and ignored."""
    suite = sa.suite
    if sa.role is not Role.INITIATOR or sa.expires is None or suite is None:
        ctx.log(ResponderLifetimeIgnored(reason="not for an ISAKMP SA we initiated"))
        return
    try:
        stated = read_responder_lifetime(notify, ike=True)
    except ValueError as exc:
        ctx.log(ResponderLifetimeIgnored(reason=str(exc)))
        return
    life = stated.shorter_than(suite.lifetime, 0)
    if life.seconds is None:
        ctx.log(ResponderLifetimeIgnored(reason=f"{lifetime_text(stated)} is not shorter"))
        return
    sa.expires = sa.expires - suite.lifetime + life.seconds
    assert sa.negotiated is not None  # a suite exists only inside Negotiated
    sa.negotiated = replace(sa.negotiated, suite=replace(suite, lifetime=life.seconds))
    ctx.log(ResponderLifetimeReceived(protocol=ISAKMP, lifetime=lifetime_text(life)))
