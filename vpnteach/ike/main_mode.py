"""Main Mode (RFC 2409 §5.1, Identity Protection exchange RFC 2408 §4.5), both roles.

::

    Initiator                          Responder
    MM1  HDR, SA, VID...          -->
                                  <--  MM2  HDR, SA, VID
    MM3  HDR, KE, Ni, CR, VID, NAT-D, NAT-D -->
                                  <--  MM4  HDR, KE, Nr, CR, VID, NAT-D, NAT-D
    MM5  HDR*, IDii, CERT, SIG_I, N(INITIAL-CONTACT) -->
                                  <--  MM6  HDR*, IDir, CERT, SIG_R

(``*``: encrypted; with pre-share, HASH_I/HASH_R replace CERT and SIG; with rsa-encr, RFC 2409
§5.2, the ID and nonce bodies travel RSA-encrypted in MM3/MM4 and MM5/MM6 carry only HASH_I/HASH_R.)
What differs by method is asked of the SA's authenticator (:mod:`vpnteach.ike.authenticators`),
chosen with the transform in MM1/MM2. The handlers below are
named in :data:`vpnteach.ike.transitions.MAIN_MODE`; each records what IOS logs and returns the
next internal input. Every derived value goes through :mod:`vpnteach.ike.keymat` with the
endpoint's trace.
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.crypto.cipher import get_ike_cipher
from vpnteach.crypto.dh import DhComputation, DhPublicValueError
from vpnteach.crypto.modp import get_group
from vpnteach.crypto.prf import get_hash
from vpnteach.ike import keymat, nat_t, vendor
from vpnteach.ike import records_phase1 as p1_log
from vpnteach.ike.authenticators import (
    HashOf,
    authenticator_for,
    first_payload,
    receive_cert_requests,
    usable,
)
from vpnteach.ike.context import Context, IkeError, payload_body
from vpnteach.ike.events import Phase1Complete
from vpnteach.ike.ivs import IvManager
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import Phase1Selection, ike_transform_attributes, select_ike_transform
from vpnteach.ike.protection import seal
from vpnteach.ike.quick_mode import check_nonce
from vpnteach.ike.records_endpoint import NotifyReceived, PayloadProcessing, PresharedKeyFound
from vpnteach.ike.sa import (
    IsakmpSa,
    KeyExchange,
    Keying,
    Negotiated,
    P,
    Path,
    QmRequest,
    Role,
)
from vpnteach.ike.states import PHASE1_COMPLETE, PROCESS_COMPLETE, PROCESS_MAIN_MODE, Input
from vpnteach.trace import FactKind
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import (
    ExchangeType,
    IkeTransformId,
    NotifyMessageType,
    ProtocolId,
)
from vpnteach.wire.message import IsakmpHeader, Message, encode_message
from vpnteach.wire.payloads import (
    KePayload,
    NatDPayload,
    NotificationPayload,
    VendorIdPayload,
)
from vpnteach.wire.sa import Proposal, SaPayload, Transform

MM = ExchangeType.IDENTITY_PROTECTION
StartQuickMode = Callable[[IsakmpSa, QmRequest], None]


def offered_policies(
    ctx: Context, peer: str, responder: bool = False, *, explain: bool = False
) -> list[IsakmpPolicy]:
    """The policies usable with ``peer``: pre-share needs a key, rsa-sig a certificate,
    rsa-encr (RFC 2409 §5.2) the peer's public key and a key pair of our own (``explain``:
    log why an rsa-encr policy is left out)."""
    config = ctx.config
    policies = config.responder_policies() if responder else config.initiator_policies()
    return [p for p in policies if usable(ctx, peer, p, explain=explain)]


class MainModeHandlers:
    """The Main Mode handlers of one ISAKMP SA (both roles)."""

    def __init__(self, ctx: Context, sa: IsakmpSa, start_quick_mode: StartQuickMode) -> None:
        self.ctx = ctx
        self.sa = sa
        self._start_qm = start_quick_mode

    # ------------------------------------------------------------------ helpers

    def _header(self) -> IsakmpHeader:
        cky_i, cky_r = self.sa.cookies
        return IsakmpHeader(cky_i, cky_r, MM)

    @property
    def _negotiated(self) -> Negotiated:
        """The transform MM1/MM2 settled; the tables run no later handler without it."""
        negotiated = self.sa.negotiated
        if negotiated is None:
            raise IkeError(f"{self.sa.state.name}: no transform negotiated yet", None)
        return negotiated

    @property
    def _keying(self) -> Keying:
        """The phase 1 keys; the tables run no handler that needs them before MM3/MM4."""
        keying = self.sa.keying
        if keying is None:
            raise IkeError(f"{self.sa.state.name}: no phase 1 keys yet", None)
        return keying

    def _send_plain(self, payloads: list[Payload], *, expect_reply: bool, label: str) -> None:
        data = encode_message(Message(self._header(), tuple(payloads)))
        self.ctx.send(self.sa, data, expect_reply=expect_reply, label=label)

    def _send_sealed(self, payloads: list[Payload], *, expect_reply: bool, label: str) -> None:
        k = self._keying
        data = seal(self._header(), payloads, k.cipher, k.keys.ka, k.ivs, label=label)
        self.ctx.send(self.sa, data, expect_reply=expect_reply, label=label)

    @property
    def _inbound(self) -> list[Payload]:
        return self.sa.messages.inbound

    def _first(self, kind: type[P]) -> P:
        """The first payload of ``kind`` (the payload rules, rules.py, require one)."""
        return first_payload(self._inbound, kind)

    def _log_vendor_ids(self) -> list[str]:
        """Log the peer's vendor IDs as IOS does; the names of the known ones."""
        vids = [p.vendor_id for p in self._inbound if isinstance(p, VendorIdPayload)]
        seen: list[str] = []
        vendor.log_vendor_ids(self.ctx, vids, seen)
        return seen

    def _vid_payloads(self, vids: tuple[vendor.VendorId, ...]) -> list[Payload]:
        return [VendorIdPayload(v.data) for v in vids]

    # ------------------------------------------------------------------ SA (MM1/MM2)

    def send_mm1(self) -> None:
        """MM1: one ISAKMP proposal whose transforms are our policies, by priority."""
        sa = self.sa
        self.ctx.log(p1_log.MainModeBegun())
        transforms = tuple(
            Transform(i, IkeTransformId.KEY_IKE, ike_transform_attributes(p))
            for i, p in enumerate(offered_policies(self.ctx, sa.peer[0], explain=True), start=1)
        )
        if not transforms:
            raise IkeError("no ISAKMP policy usable with this peer (no key, no certificate)")
        sa_payload = SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", transforms),))
        sa.sai_b = payload_body(sa_payload)
        vids = vendor.NAT_T_ALL if self.ctx.config.nat_traversal else ()
        self._send_plain([sa_payload, *self._vid_payloads(vids)], expect_reply=True, label="MM1")

    def _select(self, payload: SaPayload, policies: list[IsakmpPolicy]) -> Phase1Selection:
        ctx = self.ctx
        if (
            len(payload.proposals) != 1
            or payload.proposals[0].protocol_id != ProtocolId.PROTO_ISAKMP
        ):
            raise IkeError(
                "phase 1 SA must carry one ISAKMP proposal", NotifyMessageType.BAD_PROPOSAL_SYNTAX
            )
        offered = [(t.transform_number, t.attributes) for t in payload.proposals[0].transforms]
        selection = select_ike_transform(offered, policies)
        for check in selection.checks:
            ctx.log(p1_log.TransformChecked(number=check.transform_number, against=check.against))
            for line in check.lines:
                ctx.log(p1_log.TransformAttribute(line=line))
            if check.problem:
                ctx.log(p1_log.ProposalProblem(text=check.problem))
            verdict = (
                p1_log.AttributesAcceptable if check.acceptable else p1_log.AttributesNotAcceptable
            )
            ctx.log(verdict(next=0 if check.transform_number == len(offered) else 3))
        ctx.trace.derived(
            "phase 1 selection",
            "IOS policy matching",
            selection,
            FactKind.SELECTION,
            rfc="RFC 2409 §5",
        )
        return selection

    def _adopt(self, selection: Phase1Selection, peer_vendor_ids: list[str]) -> None:
        sa, ctx = self.sa, self.ctx
        suite, number = selection.suite, selection.transform_number
        if suite is None or number is None:
            local, remote = ctx.config.local_address, sa.peer[0]
            raise IkeError(
                f"phase 1 SA policy not acceptable! (local {local} remote {remote})",
                NotifyMessageType.NO_PROPOSAL_CHOSEN,
            )
        sa.negotiated = Negotiated(
            transform_number=number,
            attributes=selection.attributes,
            suite=suite,
            hash=get_hash(suite.hash),
            cipher=get_ike_cipher(suite.encryption, suite.key_length),
            authenticator=authenticator_for(suite.authentication, ctx, sa.peer[0]),
            nat_t=ctx.config.nat_traversal and "NAT-T RFC 3947" in peer_vendor_ids,
        )
        self.ctx.log(p1_log.LifetimeAccepted(life=suite.lifetime))

    def receive_mm2(self) -> Input:
        """MM2: the responder's choice must be one of the transforms we offered."""
        self.ctx.log(PayloadProcessing(payload="SA", mid=0))
        vids = self._log_vendor_ids()
        self.ctx.log(p1_log.XauthProfilesScanned())
        payload = self._first(SaPayload)
        self._adopt(self._select(payload, offered_policies(self.ctx, self.sa.peer[0])), vids)
        return PROCESS_MAIN_MODE

    def process_mm2(self) -> Input:
        """IOS walks the vendor IDs once more before it moves on."""
        self._log_vendor_ids()
        return PROCESS_COMPLETE

    def receive_mm1(self) -> Input:
        """MM1 at the responder: pick a transform by IOS rules (or NO-PROPOSAL-CHOSEN)."""
        sa = self.sa
        self.ctx.log(PayloadProcessing(payload="SA", mid=0))
        vids = self._log_vendor_ids()
        payload = self._first(SaPayload)
        sa.sai_b = payload_body(payload)
        if self.ctx.config.psk_for(sa.peer[0]) is not None:
            self.ctx.log(PresharedKeyFound(peer=sa.peer[0]))
        self.ctx.log(p1_log.XauthProfilesScanned())
        policies = offered_policies(self.ctx, sa.peer[0], responder=True, explain=True)
        self._adopt(self._select(payload, policies), vids)
        return PROCESS_MAIN_MODE

    def process_mm1(self) -> Input:
        """Second walk over the vendor IDs, as IOS logs it."""
        self._log_vendor_ids()
        return PROCESS_COMPLETE

    def _sa_payload(self) -> SaPayload:
        """The accepted transform, unchanged, in a one-transform proposal (MM2, AM2)."""
        n = self._negotiated
        chosen = Transform(n.transform_number, IkeTransformId.KEY_IKE, n.attributes)
        return SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", (chosen,)),))

    def send_mm2(self) -> None:
        """MM2: the accepted transform, unchanged, in a one-transform proposal."""
        vids: tuple[vendor.VendorId, ...] = ()
        if self._negotiated.nat_t:
            vids = (vendor.NAT_T_RFC3947,)
            self.ctx.log(p1_log.VendorIdConstructed(name=vendor.NAT_T_RFC3947.ios_name))
        payloads = [self._sa_payload(), *self._vid_payloads(vids)]
        self._send_plain(payloads, expect_reply=False, label="MM2")

    # ------------------------------------------------------------------ KE (MM3/MM4)

    def _own_exchange(self, group: int) -> KeyExchange:
        """Draw our DH private value and nonce once (the responder needs them in MM3 already)."""
        sa, ctx = self.sa, self.ctx
        if sa.exchange is not None:
            return sa.exchange
        initiator = sa.role is Role.INITIATOR
        name = "g^xi" if initiator else "g^xr"
        dh = DhComputation.start(get_group(group), ctx.rng, name=name, trace=ctx.trace)
        nonce_name = "Ni_b" if initiator else "Nr_b"
        size = ctx.config.nonce_length
        nonce = ctx.trace.derived(
            nonce_name, "random bytes", ctx.rng.random_bytes(size), rfc="RFC 2409 §5"
        )
        sa.exchange = KeyExchange(dh, nonce)
        return sa.exchange

    def _ke_payloads(self, vids: tuple[vendor.VendorId, ...]) -> list[Payload]:
        sa, ctx, n = self.sa, self.ctx, self._negotiated
        own = self._own_exchange(n.suite.group)
        payloads: list[Payload] = [KePayload(own.dh.public_value)]
        payloads += n.authenticator.nonce_payloads(ctx, sa, own.nonce)
        payloads += n.authenticator.cert_requests(ctx)
        payloads += self._vid_payloads(vids)
        return payloads + nat_t.nat_d_payloads(ctx, sa)

    def send_mm3(self) -> None:
        """MM3: our DH public value, nonce, CERT_REQ for our CA, NAT-D."""
        vids = (vendor.DPD, vendor.IOS_BOX, vendor.XAUTH)
        self._send_plain(self._ke_payloads(vids), expect_reply=True, label="MM3")

    def send_mm4(self) -> None:
        """MM4: the responder's DH public value, nonce, CERT_REQ, NAT-D."""
        vids = (vendor.UNITY, vendor.DPD, vendor.IOS_BOX)
        self._send_plain(self._ke_payloads(vids), expect_reply=False, label="MM4")

    def _receive_ke(self) -> None:
        """Process KE and nonce, then derive SKEYID and the rest (RFC 2409 §5)."""
        sa, ctx, n = self.sa, self.ctx, self._negotiated
        ctx.log(PayloadProcessing(payload="KE", mid=0))
        ke = self._first(KePayload)
        peer_nonce = n.authenticator.receive_nonce(ctx, sa, self._inbound)
        check_nonce(peer_nonce)
        own = self._own_exchange(n.suite.group)
        try:
            dh = own.dh.complete(ke.key_exchange_data, trace=ctx.trace)
        except DhPublicValueError as exc:
            raise IkeError(
                f"peer's DH value refused: {exc}", NotifyMessageType.INVALID_KEY_INFORMATION
            ) from None
        sa.keying = self._derive_keys(n, dh, *sa.role.i_r(own.nonce, peer_nonce))
        ctx.recorder.conn_id = sa.conn_id
        n.authenticator.keys_derived(ctx)

    def _derive_keys(self, n: Negotiated, dh: DhComputation, ni_b: bytes, nr_b: bytes) -> Keying:
        """SKEYID by the method, then SKEYID_d/_a/_e, Ka and the IV chains (RFC 2409 §5)."""
        sa, trace = self.sa, self.ctx.trace
        g_xy, peer_public = dh.shared_secret, dh.peer_public_value
        assert g_xy is not None and peer_public is not None  # complete() set both
        skeyid = n.authenticator.skeyid(self.ctx, sa, n.hash, ni_b, nr_b, g_xy)
        keys = keymat.derive_phase1_keys(
            n.hash, skeyid, g_xy, sa.cky_i, sa.cky_r, n.cipher.key_size, trace
        )
        g_xi, g_xr = sa.role.i_r(dh.public_value, peer_public)
        ivs = IvManager(n.hash, n.cipher.block_size, g_xi, g_xr, trace)
        conn_id = self.ctx.new_conn_id()
        return Keying(conn_id, n.hash, n.cipher, dh, g_xi, g_xr, ni_b, nr_b, keys, ivs)

    def receive_mm4(self) -> Input:
        """MM4: complete DH and derive keys; note CERT_REQ, vendor IDs, NAT-D."""
        self._receive_ke()
        receive_cert_requests(self.ctx, self._inbound)
        self._log_vendor_ids()
        nat_t.receive_nat_d(self.ctx, self.sa, self._nat_d())
        return PROCESS_MAIN_MODE

    def _nat_d(self) -> list[Payload]:
        return [p for p in self._inbound if isinstance(p, NatDPayload)]

    def receive_mm3(self) -> Input:
        """MM3 at the responder: the same processing as MM4 at the initiator."""
        return self.receive_mm4()

    def process_mm4(self) -> Input:
        """Nothing more to do before MM5 is built."""
        return PROCESS_COMPLETE

    def process_mm3(self) -> Input:
        """Nothing more to do before MM4 is built."""
        return PROCESS_COMPLETE

    # ------------------------------------------------------------------ auth (MM5/MM6)

    def _float_if_nat(self) -> None:
        """RFC 3947 §4: with a NAT on the path, IKE moves to port 4500 from MM5 on."""
        sa = self.sa
        if self._negotiated.nat_t and sa.nat_detected and sa.local_port == 500:
            sa.path = Path((sa.peer[0], nat_t.NAT_T_PORT), nat_t.NAT_T_PORT)

    def _hash_of(self, which: str) -> HashOf:
        """HASH_I or HASH_R (RFC 2409 §5) over an ID payload body."""
        sa, k = self.sa, self._keying
        compute = keymat.hash_i if which == "HASH_I" else keymat.hash_r

        def over(id_b: bytes) -> bytes:
            args = (k.hash, k.keys.skeyid, k.g_xi, k.g_xr, sa.cky_i, sa.cky_r, sa.sai_b, id_b)
            return compute(*args, trace=self.ctx.trace)

        return HashOf(which, over)

    def send_mm5(self) -> None:
        """MM5: our ID, certificate and signature (or hash), INITIAL-CONTACT; encrypted."""
        self._float_if_nat()
        # IOS sends INITIAL-CONTACT only when it has no other SA with the peer
        initial = self.sa.cky_i not in self.ctx.rekeys
        self.ctx.rekeys.discard(self.sa.cky_i)
        if initial:
            self.ctx.log(p1_log.InitialContactSent())
        auth = self._negotiated.authenticator
        payloads = auth.auth_payloads(self.ctx, self.sa, self._hash_of("HASH_I"))
        if initial:
            spi = self.sa.cookies.spi
            payloads.append(NotificationPayload(NotifyMessageType.INITIAL_CONTACT, spi=spi))
        self._send_sealed(payloads, expect_reply=True, label="MM5")

    def send_mm6(self) -> Input:
        """MM6: the responder's ID and proof; phase 1 is complete."""
        auth = self._negotiated.authenticator
        payloads = auth.auth_payloads(self.ctx, self.sa, self._hash_of("HASH_R"))
        self._send_sealed(payloads, expect_reply=False, label="MM6")
        self._complete()
        # A RESPONDER-LIFETIME we may owe (RFC 2407 §4.6.3.1) waits for the initiator's first
        # phase-2 message: sent now it could overtake MM6, and its IV follows MM6 (RFC 2409
        # Appendix B), so a peer that read it first would drop it (informational.py).
        self.ctx.lifetime_owed.add(self.sa.cky_i)
        return PHASE1_COMPLETE

    def _receive_auth(self, hash_name: str) -> None:
        sa, ctx = self.sa, self.ctx
        auth = self._negotiated.authenticator
        auth.receive_auth(ctx, sa, self._inbound, self._hash_of(hash_name))
        self._log_peer_inserted()

    def _log_peer_inserted(self) -> None:
        sa, ctx = self.sa, self.ctx
        ctx.log(
            p1_log.PeerInserted(
                local=ctx.config.local_address,
                peer=sa.peer[0],
                port=sa.peer[1],
                handle=sa.cky_i[:4].hex().upper(),
            )
        )

    def receive_mm6(self) -> Input:
        """MM6: verify the responder's proof (before IOS logs the move)."""
        self._receive_auth("HASH_R")
        return PROCESS_MAIN_MODE

    def receive_mm5(self) -> Input:
        """MM5 at the responder: verify the initiator's proof."""
        self._receive_auth("HASH_I")
        for n in self._inbound:
            if not isinstance(n, NotificationPayload):
                continue
            name = (
                NotifyMessageType(n.notify_message_type).name
                if n.notify_message_type in NotifyMessageType._value2member_map_
                else str(n.notify_message_type)
            )
            self.ctx.log(NotifyReceived(notify=name, protocol=n.protocol_id))
        return PROCESS_MAIN_MODE

    def process_mm6(self) -> Input:
        """Nothing left: phase 1 can complete."""
        return PROCESS_COMPLETE

    def process_mm5(self) -> Input:
        """Nothing left before MM6 is built."""
        return PROCESS_COMPLETE

    def complete_phase1(self) -> Input:
        """The initiator's phase 1 is done."""
        self._complete()
        return PHASE1_COMPLETE

    def _complete(self) -> None:
        sa, suite = self.sa, self._negotiated.suite
        sa.messages.retransmit = None
        sa.expires = self.ctx.now + suite.lifetime  # RFC 2407 §4.5 / IOS lifetime timer
        self.ctx.emit(
            Phase1Complete(
                sa.peer,
                sa.conn_id,
                sa.role.value,
                sa.cky_i,
                sa.cky_r,
                suite,
                sa.peer_id.text if sa.peer_id is not None else "",
                sa.nat_detected,
            )
        )

    def start_quick_mode(self) -> None:
        """Phase 1 complete: start the Quick Modes that were waiting for it."""
        pending, self.sa.quick.pending = self.sa.quick.pending, []
        for request in pending:
            self._start_qm(self.sa, request)
