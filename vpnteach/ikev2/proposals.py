"""Proposals on the wire and the responder's choice (RFC 7296 §2.7, §3.3).

The initiator sends its configured proposals, numbered from 1, each an AND of transform
types (ENCR, PRF, INTEG, DH for the IKE SA; ENCR, INTEG, ESN for ESP). The responder picks
the first of its own configured proposals that some received proposal offers in full and
answers with exactly one proposal carrying one transform of each type, under the received
proposal's number (§3.3.6). An unchosen SA is NO_PROPOSAL_CHOSEN; a chosen IKE proposal
whose DH group differs from the KE payload's is answered with INVALID_KE_PAYLOAD naming the
group (§1.2) so that the initiator retries with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach.ikev2.config import EspProposal, IkeProposal
from vpnteach.ikev2.transforms import Encr, Integ, Prf, get_encr, get_integ, get_prf
from vpnteach.wire.ikev2.constants import EsnId, ProtocolId, TransformType
from vpnteach.wire.ikev2.sa import Proposal, SaPayload, Transform, key_length


@dataclass(frozen=True)
class IkeSuite:
    """The algorithms of an IKE SA, resolved to implementations."""

    proposal: IkeProposal
    encr: Encr
    prf: Prf
    integ: Integ | None

    @property
    def text(self) -> str:
        """``"AES-CBC-256/PRF_HMAC_SHA2_256/AUTH_HMAC_SHA2_256_128/14"``."""
        integ = self.integ.name if self.integ is not None else "none"
        return f"{self.encr.name}/{self.prf.name}/{integ}/{self.proposal.dh}"


@dataclass(frozen=True)
class EspSuite:
    """The algorithms of an ESP Child SA, resolved to implementations."""

    proposal: EspProposal
    encr: Encr
    integ: Integ | None


def ike_suite(p: IkeProposal) -> IkeSuite:
    """Resolve ``p`` (raises ``UnsupportedTransformError`` for unknown numbers)."""
    integ = get_integ(p.integ) if p.integ is not None else None
    return IkeSuite(p, get_encr(p.encr, p.key_bits), get_prf(p.prf), integ)


def esp_suite(p: EspProposal) -> EspSuite:
    """Resolve ``p``."""
    integ = get_integ(p.integ) if p.integ is not None else None
    return EspSuite(p, get_encr(p.encr, p.key_bits), integ)


def _encr_transform(encr: int, bits: int) -> Transform:
    return Transform(TransformType.ENCR, encr, (key_length(bits),))


def ike_proposal_payload(p: IkeProposal, number: int, spi: bytes = b"") -> Proposal:
    """One IKE proposal (``spi`` empty in IKE_SA_INIT, 8 bytes when rekeying, §3.3.1)."""
    transforms = [_encr_transform(p.encr, p.key_bits), Transform(TransformType.PRF, p.prf)]
    if p.integ is not None:
        transforms.append(Transform(TransformType.INTEG, p.integ))
    transforms.append(Transform(TransformType.DH, p.dh))
    return Proposal(number, ProtocolId.IKE, spi, tuple(transforms))


def esp_proposal_payload(p: EspProposal, number: int, spi: bytes, pfs: bool) -> Proposal:
    """One ESP proposal with our inbound SPI (4 bytes); DH only for a PFS CREATE_CHILD_SA."""
    transforms = [_encr_transform(p.encr, p.key_bits)]
    if p.integ is not None:
        transforms.append(Transform(TransformType.INTEG, p.integ))
    if pfs and p.dh is not None:
        transforms.append(Transform(TransformType.DH, p.dh))
    transforms.append(Transform(TransformType.ESN, EsnId.NO_ESN))
    return Proposal(number, ProtocolId.ESP, spi, tuple(transforms))


def ike_sa_payload(proposals: tuple[IkeProposal, ...]) -> SaPayload:
    """The initiator's IKE SA payload."""
    return SaPayload(tuple(ike_proposal_payload(p, i) for i, p in enumerate(proposals, 1)))


def _offers(received: Proposal, wanted: list[Transform], optional: set[int]) -> bool:
    """``received`` offers every transform of ``wanted`` and no type beyond them but the
    ``optional`` ones (a DH group in an IKE_AUTH Child SA proposal is ignored, §1.2)."""
    for t in wanted:
        if not any(
            r.transform_type == t.transform_type
            and r.transform_id == t.transform_id
            and r.key_length == t.key_length
            for r in received.transforms
        ):
            return False
    wanted_types = {t.transform_type for t in wanted}
    extra = {r.transform_type for r in received.transforms} - wanted_types
    return extra <= optional


def choose_ike(sa: SaPayload, mine: tuple[IkeProposal, ...]) -> tuple[Proposal, IkeProposal] | None:
    """The answer proposal and which of ``mine`` it is, or ``None`` (NO_PROPOSAL_CHOSEN)."""
    for p in mine:
        wanted = list(ike_proposal_payload(p, 0).transforms)
        for received in sa.proposals:
            if received.protocol_id == ProtocolId.IKE and _offers(received, wanted, set()):
                return Proposal(received.proposal_num, ProtocolId.IKE, b"", tuple(wanted)), p
    return None


def choose_esp(
    sa: SaPayload, mine: tuple[EspProposal, ...], spi: bytes, pfs: bool
) -> tuple[Proposal, EspProposal, bytes] | None:
    """The answer proposal (with our inbound ``spi``), which of ``mine`` it is and the peer's
    SPI, or ``None``."""
    for p in mine:
        wanted = list(esp_proposal_payload(p, 0, spi, pfs).transforms)
        for received in sa.proposals:
            if received.protocol_id != ProtocolId.ESP or len(received.spi) != 4:
                continue
            if _offers(received, wanted, set() if pfs else {int(TransformType.DH)}):
                answer = Proposal(received.proposal_num, ProtocolId.ESP, spi, tuple(wanted))
                return answer, p, received.spi
    return None


def ike_proposal_of(answer: Proposal) -> IkeProposal:
    """The IKE proposal a responder's single-transform answer stands for (§3.3.6)."""
    encr = answer.of_type(TransformType.ENCR)
    prf = answer.of_type(TransformType.PRF)
    integ = answer.of_type(TransformType.INTEG)
    dh = answer.of_type(TransformType.DH)
    if len(encr) != 1 or len(prf) != 1 or len(dh) != 1 or len(integ) > 1:
        raise ValueError("the answer must carry one ENCR, PRF and DH transform (RFC 7296 §3.3.6)")
    bits = encr[0].key_length or 0
    return IkeProposal(
        encr[0].transform_id,
        bits,
        prf[0].transform_id,
        integ[0].transform_id if integ and integ[0].transform_id else None,
        dh[0].transform_id,
    )


def esp_proposal_of(answer: Proposal) -> EspProposal:
    """The ESP proposal a responder's answer stands for."""
    encr = answer.of_type(TransformType.ENCR)
    integ = answer.of_type(TransformType.INTEG)
    dh = answer.of_type(TransformType.DH)
    if len(encr) != 1 or len(integ) > 1 or len(dh) > 1:
        raise ValueError("the ESP answer must carry one ENCR transform (RFC 7296 §3.3.6)")
    return EspProposal(
        encr[0].transform_id,
        encr[0].key_length or 0,
        integ[0].transform_id if integ and integ[0].transform_id else None,
        dh[0].transform_id if dh and dh[0].transform_id else None,
    )
