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
§5.2, the ID and nonce bodies travel RSA-encrypted in MM3/MM4 and MM5/MM6 carry only HASH_I/HASH_R:
:mod:`vpnteach.ike.auth_encr`.) The handlers below are
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
from vpnteach.ike import auth_encr, keymat, nat_t, vendor
from vpnteach.ike import records_phase1 as p1_log
from vpnteach.ike.auth import (
    PRE_SHARE,
    RSA_SIG,
    auth_payloads,
    cert_request_payloads,
    identity_text,
    log_id_payload,
    my_id_payload,
    receive_cert_requests,
    verify_peer,
)
from vpnteach.ike.auth_encr import RSA_ENCR
from vpnteach.ike.context import Context, IkeError, payload_body
from vpnteach.ike.events import Phase1Complete
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import Phase1Selection, ike_transform_attributes, select_ike_transform
from vpnteach.ike.protection import seal
from vpnteach.ike.quick_mode import check_nonce
from vpnteach.ike.records_endpoint import NotifyReceived, PayloadProcessing, PresharedKeyFound
from vpnteach.ike.sa import IsakmpSa, QmRequest
from vpnteach.ike.states import PHASE1_COMPLETE, PROCESS_COMPLETE, PROCESS_MAIN_MODE, Input
from vpnteach.trace import FactKind
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import (
    ExchangeType,
    IkeTransformId,
    NotifyMessageType,
    PayloadType,
    ProtocolId,
)
from vpnteach.wire.message import IsakmpHeader, Message, encode_message
from vpnteach.wire.payloads import (
    HashPayload,
    IdPayload,
    KePayload,
    NatDPayload,
    NoncePayload,
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
    has_psk = ctx.config.psk_for(peer) is not None
    has_cert = ctx.config.trustpoint() is not None
    usable = {"pre-share": has_psk, "rsa-sig": has_cert}
    config = ctx.config
    policies = config.responder_policies() if responder else config.initiator_policies()
    return [
        p
        for p in policies
        if usable.get(p.authentication)
        or (p.authentication == "rsa-encr" and auth_encr.usable(ctx, peer, p if explain else None))
    ]


class MainModeHandlers:
    """The Main Mode handlers of one ISAKMP SA (both roles)."""

    def __init__(self, ctx: Context, sa: IsakmpSa, start_quick_mode: StartQuickMode) -> None:
        self.ctx = ctx
        self.sa = sa
        self._start_qm = start_quick_mode

    # ------------------------------------------------------------------ helpers

    def _header(self) -> IsakmpHeader:
        return IsakmpHeader(self.sa.cky_i, self.sa.cky_r, MM)

    def _send_plain(self, payloads: list[Payload], *, expect_reply: bool, label: str) -> None:
        data = encode_message(Message(self._header(), tuple(payloads)))
        self.ctx.send(self.sa, data, expect_reply=expect_reply, label=label)

    def _send_sealed(self, payloads: list[Payload], *, expect_reply: bool, label: str) -> None:
        sa = self.sa
        assert sa.cipher is not None and sa.keys is not None and sa.ivs is not None
        data = seal(self._header(), payloads, sa.cipher, sa.keys.ka, sa.ivs, label=label)
        self.ctx.send(sa, data, expect_reply=expect_reply, label=label)

    def _inbound(self, kind: type) -> list[Payload]:
        return [p for p in self.sa.inbound if isinstance(p, kind)]

    def _log_vendor_ids(self) -> None:
        vids = [p.vendor_id for p in self.sa.inbound if isinstance(p, VendorIdPayload)]
        vendor.log_vendor_ids(self.ctx, vids, self.sa.peer_vendor_ids)

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

    def _adopt(self, selection: Phase1Selection) -> None:
        sa = self.sa
        if selection.suite is None:
            local, remote = self.ctx.config.local_address, sa.peer[0]
            raise IkeError(
                f"phase 1 SA policy not acceptable! (local {local} remote {remote})",
                NotifyMessageType.NO_PROPOSAL_CHOSEN,
            )
        suite = selection.suite
        sa.selection, sa.suite = selection, suite
        sa.hash = get_hash(suite.hash)
        sa.cipher = get_ike_cipher(suite.encryption, suite.key_length)
        sa.nat_t = self.ctx.config.nat_traversal and "NAT-T RFC 3947" in sa.peer_vendor_ids
        if suite.authentication == PRE_SHARE:
            sa.psk = self.ctx.config.psk_for(sa.peer[0])
        self.ctx.log(p1_log.LifetimeAccepted(life=suite.lifetime))

    def receive_mm2(self) -> Input:
        """MM2: the responder's choice must be one of the transforms we offered."""
        self.ctx.log(PayloadProcessing(payload="SA", mid=0))
        self._log_vendor_ids()
        self.ctx.log(p1_log.XauthProfilesScanned())
        payload = self._inbound(SaPayload)[0]
        assert isinstance(payload, SaPayload)
        self._adopt(self._select(payload, offered_policies(self.ctx, self.sa.peer[0])))
        return PROCESS_MAIN_MODE

    def process_mm2(self) -> Input:
        """IOS walks the vendor IDs once more before it moves on."""
        self._log_vendor_ids()
        return PROCESS_COMPLETE

    def receive_mm1(self) -> Input:
        """MM1 at the responder: pick a transform by IOS rules (or NO-PROPOSAL-CHOSEN)."""
        sa = self.sa
        self.ctx.log(PayloadProcessing(payload="SA", mid=0))
        self._log_vendor_ids()
        payload = self._inbound(SaPayload)[0]
        assert isinstance(payload, SaPayload)
        sa.sai_b = payload_body(payload)
        if self.ctx.config.psk_for(sa.peer[0]) is not None:
            self.ctx.log(PresharedKeyFound(peer=sa.peer[0]))
        self.ctx.log(p1_log.XauthProfilesScanned())
        policies = offered_policies(self.ctx, sa.peer[0], responder=True, explain=True)
        self._adopt(self._select(payload, policies))
        return PROCESS_MAIN_MODE

    def process_mm1(self) -> Input:
        """Second walk over the vendor IDs, as IOS logs it."""
        self._log_vendor_ids()
        return PROCESS_COMPLETE

    def send_mm2(self) -> None:
        """MM2: the accepted transform, unchanged, in a one-transform proposal."""
        selection = self.sa.selection
        assert selection is not None and selection.transform_number is not None
        chosen = Transform(selection.transform_number, IkeTransformId.KEY_IKE, selection.attributes)
        sa_payload = SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", (chosen,)),))
        vids: tuple[vendor.VendorId, ...] = ()
        if self.sa.nat_t:
            vids = (vendor.NAT_T_RFC3947,)
            self.ctx.log(p1_log.VendorIdConstructed(name=vendor.NAT_T_RFC3947.ios_name))
        self._send_plain([sa_payload, *self._vid_payloads(vids)], expect_reply=False, label="MM2")

    # ------------------------------------------------------------------ KE (MM3/MM4)

    def _make_ke_and_nonce(self) -> None:
        """Draw our DH private value and nonce once (the responder needs them in MM3 already)."""
        sa, ctx = self.sa, self.ctx
        if sa.dh is not None:
            return
        assert sa.suite is not None
        name = "g^xi" if sa.role == "initiator" else "g^xr"
        sa.dh = DhComputation.start(get_group(sa.suite.group), ctx.rng, name=name, trace=ctx.trace)
        nonce_name = "Ni_b" if sa.role == "initiator" else "Nr_b"
        size = ctx.config.nonce_length
        nonce = ctx.trace.derived(
            nonce_name, "random bytes", ctx.rng.random_bytes(size), rfc="RFC 2409 §5"
        )
        if sa.role == "initiator":
            sa.ni_b = nonce
        else:
            sa.nr_b = nonce

    def _ke_payloads(self, vids: tuple[vendor.VendorId, ...]) -> list[Payload]:
        sa = self.sa
        self._make_ke_and_nonce()
        assert sa.dh is not None
        nonce = sa.ni_b if sa.role == "initiator" else sa.nr_b
        payloads: list[Payload] = [KePayload(sa.dh.public_value)]
        if sa.suite is not None and sa.suite.authentication == RSA_ENCR:
            payloads += auth_encr.encrypted_id_and_nonce(self.ctx, sa, nonce)
        else:
            payloads.append(NoncePayload(nonce))
        payloads += cert_request_payloads(self.ctx, sa)
        payloads += self._vid_payloads(vids)
        return payloads + nat_t.nat_d_payloads(self.ctx, sa)

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
        sa, ctx = self.sa, self.ctx
        ctx.log(PayloadProcessing(payload="KE", mid=0))
        ke = self._inbound(KePayload)[0]
        nonce = self._inbound(NoncePayload)[0]
        assert isinstance(ke, KePayload) and isinstance(nonce, NoncePayload)
        assert sa.suite is not None
        if sa.suite.authentication == RSA_ENCR:  # RFC 2409 §5.2: ID and nonce encrypted
            nonce_data = auth_encr.receive_id_and_nonce(ctx, sa)
        else:
            ctx.log(PayloadProcessing(payload="NONCE", mid=0))
            nonce_data = nonce.nonce_data
        check_nonce(nonce_data)
        if sa.role == "initiator":
            sa.nr_b = nonce_data
        else:
            sa.ni_b = nonce_data
        self._make_ke_and_nonce()
        assert sa.dh is not None
        try:
            sa.dh = sa.dh.complete(ke.key_exchange_data, trace=ctx.trace)
        except DhPublicValueError as exc:
            raise IkeError(
                f"peer's DH value refused: {exc}", NotifyMessageType.INVALID_KEY_INFORMATION
            ) from None
        self._derive_keys()
        sa.conn_id = ctx.new_conn_id()
        ctx.recorder.conn_id = sa.conn_id
        if sa.suite.authentication == RSA_ENCR:
            ctx.log(p1_log.SkeyidGenerated())

    def _derive_keys(self) -> None:
        sa, trace = self.sa, self.ctx.trace
        assert sa.dh is not None and sa.dh.shared_secret is not None and sa.hash is not None
        assert sa.cipher is not None and sa.dh.peer_public_value is not None
        g_xy = sa.dh.shared_secret
        if sa.psk is not None:
            self.ctx.log(PresharedKeyFound(peer=sa.peer[0]))
            skeyid = keymat.skeyid_psk(sa.hash, sa.psk, sa.ni_b, sa.nr_b, trace)
        elif sa.suite is not None and sa.suite.authentication == RSA_ENCR:
            skeyid = keymat.skeyid_pke(sa.hash, sa.ni_b, sa.nr_b, sa.cky_i, sa.cky_r, trace)
        else:
            skeyid = keymat.skeyid_sig(sa.hash, sa.ni_b, sa.nr_b, g_xy, trace)
        sa.keys = keymat.derive_phase1_keys(
            sa.hash, skeyid, g_xy, sa.cky_i, sa.cky_r, sa.cipher.key_size, trace
        )
        g_xi, g_xr = self._g_xi_g_xr()
        sa.ivs = keymat.IvManager(sa.hash, sa.cipher.block_size, g_xi, g_xr, trace)

    def _g_xi_g_xr(self) -> tuple[bytes, bytes]:
        dh = self.sa.dh
        assert dh is not None and dh.peer_public_value is not None
        if self.sa.role == "initiator":
            return dh.public_value, dh.peer_public_value
        return dh.peer_public_value, dh.public_value

    def receive_mm4(self) -> Input:
        """MM4: complete DH and derive keys; note CERT_REQ, vendor IDs, NAT-D."""
        self._receive_ke()
        receive_cert_requests(self.ctx, self.sa)
        self._log_vendor_ids()
        nat_t.receive_nat_d(self.ctx, self.sa, self._inbound(NatDPayload))
        return PROCESS_MAIN_MODE

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
        if sa.nat_t and sa.nat_detected and sa.local_port == 500:
            sa.local_port = nat_t.NAT_T_PORT
            sa.peer = (sa.peer[0], nat_t.NAT_T_PORT)

    def _auth_message(self, hash_name: str) -> list[Payload]:
        sa, ctx = self.sa, self.ctx
        assert sa.suite is not None
        if sa.suite.authentication == RSA_ENCR:  # RFC 2409 §5.2: the ID went in MM3/MM4
            return [HashPayload(self._hash_x(hash_name, sa.my_id_b))]
        my_id = my_id_payload(ctx, sa)
        sa.my_id_b = payload_body(my_id)
        assert sa.suite is not None
        rsa = sa.suite.authentication == RSA_SIG
        log_id_payload(ctx, my_id, PayloadType.CERT if rsa else PayloadType.HASH)
        ctx.log(p1_log.TotalLength(length=8 + len(my_id.identification_data)))
        proof = auth_payloads(ctx, sa, self._hash_x(hash_name, sa.my_id_b))
        return [my_id, *proof]

    def _hash_x(self, which: str, id_b: bytes) -> bytes:
        sa = self.sa
        assert sa.hash is not None and sa.keys is not None
        g_xi, g_xr = self._g_xi_g_xr()
        args = (sa.hash, sa.keys.skeyid, g_xi, g_xr, sa.cky_i, sa.cky_r, sa.sai_b, id_b)
        if which == "HASH_I":
            return keymat.hash_i(*args, trace=self.ctx.trace)
        return keymat.hash_r(*args, trace=self.ctx.trace)

    def send_mm5(self) -> None:
        """MM5: our ID, certificate and signature (or hash), INITIAL-CONTACT; encrypted."""
        self._float_if_nat()
        self.ctx.log(p1_log.InitialContactSent())
        payloads = self._auth_message("HASH_I")
        spi = self.sa.cky_i + self.sa.cky_r
        payloads.append(NotificationPayload(NotifyMessageType.INITIAL_CONTACT, spi=spi))
        self._send_sealed(payloads, expect_reply=True, label="MM5")

    def send_mm6(self) -> Input:
        """MM6: the responder's ID and proof; phase 1 is complete."""
        self._send_sealed(self._auth_message("HASH_R"), expect_reply=False, label="MM6")
        self._complete()
        return PHASE1_COMPLETE

    def _receive_auth(self, hash_name: str) -> None:
        sa, ctx = self.sa, self.ctx
        assert sa.suite is not None
        if sa.suite.authentication == RSA_ENCR:  # the ID came (encrypted) in MM3/MM4
            auth_encr.verify_hash(ctx, sa, hash_name, self._hash_x(hash_name, sa.peer_id_b))
        else:
            self._receive_id_and_proof(hash_name)
        ctx.log(
            p1_log.PeerInserted(
                local=ctx.config.local_address,
                peer=sa.peer[0],
                port=sa.peer[1],
                handle=sa.cky_i[:4].hex().upper(),
            )
        )

    def _receive_id_and_proof(self, hash_name: str) -> None:
        sa, ctx = self.sa, self.ctx
        ids = self._inbound(IdPayload)
        assert ids and isinstance(ids[0], IdPayload)
        peer_id = ids[0]
        ctx.log(PayloadProcessing(payload="ID", mid=0))
        index = sa.inbound.index(peer_id)
        nxt = sa.inbound[index + 1].payload_type if index + 1 < len(sa.inbound) else 0
        try:
            peer_id.value  # noqa: B018 - decodes the identification data (RFC 2407 §4.6.2)
        except ValueError as exc:
            raise IkeError(f"peer ID: {exc}", NotifyMessageType.INVALID_ID_INFORMATION) from None
        log_id_payload(ctx, peer_id, nxt)
        ctx.log(p1_log.NoProfileMatched())
        sa.peer_id_b = payload_body(peer_id)
        sa.peer_identity = identity_text(peer_id)
        verify_peer(ctx, sa, peer_id, self._hash_x(hash_name, sa.peer_id_b))

    def receive_mm6(self) -> Input:
        """MM6: verify the responder's proof (before IOS logs the move)."""
        self._receive_auth("HASH_R")
        return PROCESS_MAIN_MODE

    def receive_mm5(self) -> Input:
        """MM5 at the responder: verify the initiator's proof."""
        self._receive_auth("HASH_I")
        for n in self._inbound(NotificationPayload):
            assert isinstance(n, NotificationPayload)
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
        sa = self.sa
        sa.retransmit = None
        assert sa.suite is not None
        sa.expires = self.ctx.now + sa.suite.lifetime  # RFC 2407 §4.5 / IOS lifetime timer
        self.ctx.emit(
            Phase1Complete(
                sa.peer,
                sa.conn_id,
                sa.role,
                sa.cky_i,
                sa.cky_r,
                sa.suite,
                sa.peer_identity,
                sa.nat_detected,
            )
        )

    def start_quick_mode(self) -> None:
        """Phase 1 complete: start the Quick Modes that were waiting for it."""
        pending, self.sa.pending = self.sa.pending, []
        for request in pending:
            self._start_qm(self.sa, request)
