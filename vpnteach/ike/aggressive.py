"""Aggressive Mode (RFC 2409 §5.4 pre-shared key, §5.1 signatures; exchange type 4), both roles.

::

    Initiator                                   Responder
    AM1  HDR, SA, KE, Ni, IDii, VID...     -->
                                           <--  AM2  HDR, SA, KE, Nr, IDir, HASH_R
                                                     ([CERT,] SIG_R), VID, NAT-D, NAT-D
    AM3  HDR*, HASH_I ([CERT,] SIG_I), NAT-D, NAT-D -->

Three messages instead of Main Mode's six, at a price the trace makes visible:

* the identities travel **in clear** (AM1, AM2): there is no identity protection;
* with a pre-shared key, AM1 and AM2 carry every input of ``HASH_R`` except the key:
  ``SKEYID = prf(PSK, Ni_b | Nr_b)``, ``HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I |
  SAi_b | IDir_b)``. Whoever captures the two datagrams can test key guesses offline, without
  ever talking to a router: :func:`offline_psk_guess` (from
  :mod:`vpnteach.ike.aggressive_attack`);
* the KE in AM1 fixes the Diffie-Hellman group, so the initiator can only offer policies with
  that one group (IOS does the same); a responder without a policy of that group answers
  NO-PROPOSAL-CHOSEN.

RFC 2409 writes AM3 as ``HDR`` (clear); IOS and strongSwan 5.x send it encrypted (``HDR*``,
IV = ``hash(g^xi | g^xr)`` truncated, Appendix B), and so do we; a clear AM3 is refused
(INVALID-FLAGS), as strongSwan refuses it: a forged clear AM3 cannot end a negotiation.
With NAT-T (RFC 3947 §3.2, §4) the NAT-D payloads travel in AM2 and AM3, and the initiator
sends AM3 from port 4500 already when AM2 showed a NAT.

The handlers reuse Main Mode's (:class:`~vpnteach.ike.main_mode.MainModeHandlers`: transform
selection, keys, HASH_I/HASH_R, ID and proof checks); only the message layout differs. IOS state
names: ``IKE_I_AM1``, ``IKE_R_AM_AAA_AWAIT``, ``IKE_R_AM2`` (best public knowledge).
"""

from __future__ import annotations

from vpnteach.ike import nat_t, vendor
from vpnteach.ike.aggressive_attack import offline_psk_guess as offline_psk_guess
from vpnteach.ike.authenticators import (
    Authenticator,
    authenticator_for,
    identity_text,
    log_id_payload,
    read_peer_id,
    receive_cert_requests,
)
from vpnteach.ike.context import Context, IkeError, payload_body
from vpnteach.ike.main_mode import MainModeHandlers, offered_policies
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import IkeSuite, ike_transform_attributes
from vpnteach.ike.records_endpoint import PayloadProcessing, PresharedKeyFound
from vpnteach.ike.records_phase1 import (
    AggressiveModeBegun,
    AggressiveModeRefused,
    ProposalProblem,
    VendorIdConstructed,
)
from vpnteach.ike.sa import PeerIdentity, Role
from vpnteach.ike.states import PHASE1_COMPLETE, PSK_REPLY, Input
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import (
    ExchangeType,
    IkeTransformId,
    NotifyMessageType,
    ProtocolId,
)
from vpnteach.wire.message import IsakmpHeader
from vpnteach.wire.payloads import IdPayload, KePayload, NoncePayload
from vpnteach.wire.sa import Proposal, SaPayload, Transform

AM = ExchangeType.AGGRESSIVE
RFC = "RFC 2409 §5.4"


#: Aggressive Mode authenticates with a pre-shared key or signatures here (rsa-encr's AM,
#: RFC 2409 §5.2, is not implemented).
AM_METHODS = ("pre-share", "rsa-sig")


def am_policies(ctx: Context, peer: str) -> list[IsakmpPolicy]:
    """What an AM1 offers: the usable policies (by priority) with the group and method of the
    first one. AM1's KE fixes the group: no group negotiation in Aggressive Mode."""
    usable = [p for p in offered_policies(ctx, peer) if p.authentication in AM_METHODS]
    if not usable:
        return []
    first = usable[0]
    return [p for p in usable if (p.group, p.authentication) == (first.group, first.authentication)]


def _suite(policy: IsakmpPolicy) -> IkeSuite:
    return IkeSuite.from_attributes(ike_transform_attributes(policy))


class AggressiveModeHandlers(MainModeHandlers):
    """The Aggressive Mode handlers of one ISAKMP SA (both roles), named in
    :data:`vpnteach.ike.transitions.AGGRESSIVE_MODE`."""

    def _header(self) -> IsakmpHeader:
        return IsakmpHeader(self.sa.cky_i, self.sa.cky_r, AM)

    # ------------------------------------------------------------------ initiator

    def send_am1(self) -> None:
        """AM1: SA (one group), KE, Ni and our ID, all in clear."""
        sa, ctx = self.sa, self.ctx
        ctx.log(AggressiveModeBegun())
        policies = am_policies(ctx, sa.peer[0])
        if not policies:
            raise IkeError("no ISAKMP policy usable with this peer in Aggressive Mode")
        ctx.trace.derived(
            "AM group",
            "the group of the first usable policy: AM1's KE fixes it, no group negotiation",
            policies[0].group,
            rfc=RFC,
            offered=[p.priority for p in policies],
        )
        transforms = tuple(
            Transform(i, IkeTransformId.KEY_IKE, ike_transform_attributes(p))
            for i, p in enumerate(policies, start=1)
        )
        sa_payload = SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", transforms),))
        sa.sai_b = payload_body(sa_payload)
        # AM1 commits to the first policy's group and method before the responder chose:
        # its authenticator builds our ID; the negotiated one is made from AM2's choice.
        committed = _suite(policies[0])
        own = self._own_exchange(committed.group)
        offer = authenticator_for(committed.authentication, ctx, sa.peer[0])
        my_id = self._my_id(offer)
        requests = offer.cert_requests(ctx)
        vids = (*vendor.NAT_T_ALL, vendor.DPD) if ctx.config.nat_traversal else (vendor.DPD,)
        payloads: list[Payload] = [sa_payload, KePayload(own.dh.public_value)]
        payloads += [NoncePayload(own.nonce), my_id]
        payloads += [*requests, *self._vid_payloads(vids)]
        self._send_plain(payloads, expect_reply=True, label="AM1")

    def _my_id(self, auth: Authenticator) -> IdPayload:
        """Our ID payload, sent in clear (the fact says so)."""
        sa, ctx = self.sa, self.ctx
        my_id = auth.aggressive_id(ctx, sa)
        my_id_b = sa.my_id_b = payload_body(my_id)
        log_id_payload(ctx, my_id, auth.proof_payload)
        name = "IDii" if sa.role is Role.INITIATOR else "IDir"
        ctx.trace.derived(
            f"{name} (sent in clear)",
            "the ID payload travels unencrypted in Aggressive Mode: no identity protection",
            identity_text(my_id),
            rfc=RFC,
            id_b=my_id_b,
        )
        return my_id

    def receive_am2(self) -> Input:
        """AM2: accept the choice, finish DH, check HASH_R (or SIG_R), then send AM3."""
        sa, ctx = self.sa, self.ctx
        ctx.log(PayloadProcessing(payload="SA", mid=0))
        vids = self._log_vendor_ids()
        payload = self._first(SaPayload)
        self._adopt(self._select(payload, am_policies(ctx, sa.peer[0])), vids)
        self._receive_ke()
        receive_cert_requests(ctx, self._inbound)
        nat_t.receive_nat_d(ctx, sa, self._nat_d())
        peer = self._note_peer_id()
        self._negotiated.authenticator.show_offline_guess_material(ctx, sa)
        self._verify(peer, "HASH_R")
        self.send_am3()
        self._complete()
        return PHASE1_COMPLETE

    def send_am3(self) -> None:
        """AM3 (encrypted, as IOS and strongSwan send it): HASH_I or CERT + SIG_I, NAT-D."""
        sa = self.sa
        self._float_if_nat()
        proof = self._negotiated.authenticator.proof(self.ctx, self._own_hash("HASH_I"))
        payloads: list[Payload] = [*proof, *nat_t.nat_d_payloads(self.ctx, sa)]
        self._send_sealed(payloads, expect_reply=False, label="AM3")

    def _own_hash(self, which: str) -> bytes:
        """Our HASH_I/HASH_R over the ID body we sent in AM1/AM2."""
        if self.sa.my_id_b is None:
            raise IkeError(f"{which} before our ID was sent", None)
        return self._hash_of(which)(self.sa.my_id_b)

    # ------------------------------------------------------------------ responder

    def receive_am1(self) -> Input:
        """AM1 at the responder: refuse if Aggressive Mode is disabled, pick a transform whose
        group is AM1's, compute the keys right away (everything is in AM1)."""
        sa, ctx = self.sa, self.ctx
        if ctx.config.aggressive_mode_disable:
            ctx.log(AggressiveModeRefused(peer=sa.peer[0]))
            raise IkeError(
                "Aggressive Mode is disabled (crypto isakmp aggressive-mode disable)",
                NotifyMessageType.INVALID_EXCHANGE_TYPE,
            )
        ctx.log(PayloadProcessing(payload="SA", mid=0))
        vids = self._log_vendor_ids()
        payload = self._first(SaPayload)
        sa.sai_b = payload_body(payload)
        if ctx.config.psk_for(sa.peer[0]) is not None:
            ctx.log(PresharedKeyFound(peer=sa.peer[0]))
        policies = [
            p
            for p in offered_policies(ctx, sa.peer[0], responder=True, explain=True)
            if p.authentication in AM_METHODS
        ]
        selection = self._select(payload, policies)
        if selection.suite is None:
            self._explain_group(payload, policies)
        self._adopt(selection, vids)
        self._receive_ke()
        receive_cert_requests(ctx, self._inbound)
        self._note_peer_id()
        return PSK_REPLY

    def _explain_group(self, payload: SaPayload, policies: list[IsakmpPolicy]) -> None:
        """Say it when the refusal is about the DH group that AM1's KE fixed."""
        offered = set()
        for t in payload.proposals[0].transforms:
            try:
                offered.add(IkeSuite.from_attributes(t.attributes).group)
            except KeyError:
                continue
        ours = sorted({p.group for p in policies})
        if offered and not offered & set(ours):
            text = (
                f"Aggressive Mode: AM1's KE fixes DH group {', '.join(map(str, sorted(offered)))};"
                f" our policies use group {', '.join(map(str, ours)) or 'none'}"
                " (no group negotiation in Aggressive Mode)"
            )
            self.ctx.log(ProposalProblem(text=text))

    def send_am2(self) -> None:
        """AM2: the chosen transform, KE, Nr, our ID and proof (HASH_R or CERT + SIG_R), NAT-D."""
        sa, ctx, n = self.sa, self.ctx, self._negotiated
        own = self._own_exchange(n.suite.group)
        sa_payload = self._sa_payload()
        my_id = self._my_id(n.authenticator)
        proof = n.authenticator.proof(ctx, self._own_hash("HASH_R"))
        vids: tuple[vendor.VendorId, ...] = (vendor.DPD,)
        if n.nat_t:
            vids = (vendor.NAT_T_RFC3947, vendor.DPD)
            ctx.log(VendorIdConstructed(name=vendor.NAT_T_RFC3947.ios_name))
        payloads: list[Payload] = [sa_payload, KePayload(own.dh.public_value)]
        payloads += [NoncePayload(own.nonce), my_id]
        payloads += [*proof, *n.authenticator.cert_requests(ctx), *self._vid_payloads(vids)]
        payloads += nat_t.nat_d_payloads(ctx, sa)
        n.authenticator.show_offline_guess_material(ctx, sa)
        self._send_plain(payloads, expect_reply=True, label="AM2")

    def receive_am3(self) -> Input:
        """AM3: the initiator's proof over the IDii it sent in AM1; phase 1 is complete."""
        sa, ctx = self.sa, self.ctx
        nat_t.receive_nat_d(ctx, sa, self._nat_d())
        if sa.peer_id is None:
            raise IkeError("AM3 before the initiator's ID (AM1) was read", None)
        self._verify(sa.peer_id, "HASH_I")
        self._complete()
        return PHASE1_COMPLETE

    # ------------------------------------------------------------------ shared

    def _note_peer_id(self) -> PeerIdentity:
        """The peer's ID, read in clear from AM1/AM2 and kept for the proof that follows."""
        sa, ctx = self.sa, self.ctx
        peer = sa.peer_id = read_peer_id(ctx, self._inbound)
        name = "IDir" if sa.role is Role.INITIATOR else "IDii"
        ctx.trace.derived(
            f"{name} (received in clear)",
            "the peer's identity, readable by anyone on the path (no identity protection)",
            peer.text,
            rfc=RFC,
            id_b=peer.id_b,
        )
        return peer

    def _verify(self, peer: PeerIdentity, hash_name: str) -> None:
        """Check the peer's proof; on failure forget the unauthenticated keys, so the
        AUTHENTICATION-FAILED notification goes out in clear, readable by a peer whose key
        differs (it could not decrypt ours)."""
        sa, ctx = self.sa, self.ctx
        auth = self._negotiated.authenticator
        try:
            auth.verify(ctx, sa, self._inbound, peer, self._hash_of(hash_name)(peer.id_b))
        except IkeError:
            sa.keying = None
            raise
        self._log_peer_inserted()
