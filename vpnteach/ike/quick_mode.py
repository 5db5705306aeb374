"""Quick Mode (RFC 2409 §5.5): one pair of IPsec SAs under an established ISAKMP SA.

::

    Initiator                          Responder
    QM1  HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->
                                  <--  QM2  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
    QM3  HDR*, HASH(3)              -->

HASH(1..3) authenticate the messages with SKEYID_a; the SA payload carries ESP proposals with
the sender's inbound SPI; the optional KE gives Perfect Forward Secrecy; IDci/IDcr are the
proxy identities from the crypto ACL. Each side then derives one KEYMAT per direction
(:func:`vpnteach.ike.keymat.keymat`), keyed by the SPI the *receiving* side chose.
Handlers are named in :data:`vpnteach.ike.transitions.QUICK_MODE`.
"""

from __future__ import annotations

import hmac
from ipaddress import IPv4Address, IPv4Network

from vpnteach.crypto.dh import DhComputation, DhPublicValueError
from vpnteach.crypto.modp import get_group
from vpnteach.esp.transform import esp_cipher
from vpnteach.ike import keymat
from vpnteach.ike import records_quick_mode as qm_log
from vpnteach.ike.context import Context, IkeError
from vpnteach.ike.debuglog import signed_mid
from vpnteach.ike.events import IpsecSaSpec, Phase2Complete
from vpnteach.ike.lifetimes import honour_qm2_lifetime, qm2_responder_lifetime
from vpnteach.ike.policy import CryptoMapEntry, ProxyIdentity
from vpnteach.ike.proposal import (
    EspOffer,
    EspSuite,
    Phase2Selection,
    esp_transform_attributes,
    proxies_acceptable,
    select_esp_transform,
)
from vpnteach.ike.protection import ProtectionError, seal_chain
from vpnteach.ike.records_endpoint import NodeDeleted, PayloadProcessing
from vpnteach.ike.sa import IsakmpSa, P, QuickModeNode, Role
from vpnteach.ike.states import GOT_SPI, INSTALL_DONE, Input
from vpnteach.trace import FactKind
from vpnteach.wire.chain import Payload, encode_payload_chain
from vpnteach.wire.constants import (
    AuthenticationAlgorithm,
    EncapsulationMode,
    ExchangeType,
    IdType,
    NotifyMessageType,
    PayloadType,
    ProtocolId,
)
from vpnteach.wire.generic import generic_payload
from vpnteach.wire.message import IsakmpHeader
from vpnteach.wire.payloads import HashPayload, IdPayload, KePayload, NoncePayload, id_ipv4_subnet
from vpnteach.wire.sa import Proposal, SaPayload, Transform

ESP = ProtocolId.PROTO_IPSEC_ESP
AUTH_KEY_SIZE: dict[int, int] = {
    AuthenticationAlgorithm.HMAC_MD5: 16,
    AuthenticationAlgorithm.HMAC_SHA: 20,
    AuthenticationAlgorithm.HMAC_SHA2_256: 32,
}
UDP_MODES = (
    EncapsulationMode.UDP_ENCAPSULATED_TUNNEL,
    EncapsulationMode.UDP_ENCAPSULATED_TRANSPORT,
)


def proxy_payload(proxy: ProxyIdentity) -> IdPayload:
    """IDci/IDcr: an ID_IPV4_ADDR for a /32, else ID_IPV4_ADDR_SUBNET (RFC 2407 §4.6.2)."""
    if proxy.id_type == IdType.ID_IPV4_ADDR:
        return IdPayload(
            IdType.ID_IPV4_ADDR, proxy.protocol, proxy.port, proxy.network.network_address.packed
        )
    return id_ipv4_subnet(proxy.network, proxy.protocol, proxy.port)


def proxy_from_payload(payload: IdPayload) -> ProxyIdentity:
    """The proxy identity an ID payload names (address, subnet); others are refused."""
    try:
        value = payload.value
    except ValueError as exc:  # IdentificationError: e.g. a non-contiguous subnet mask
        raise IkeError(f"IDci/IDcr: {exc}", NotifyMessageType.INVALID_ID_INFORMATION) from None
    if isinstance(value, IPv4Network):
        return ProxyIdentity(value, payload.protocol_id, payload.port)
    if isinstance(value, IPv4Address):
        return ProxyIdentity(IPv4Network(f"{value}/32"), payload.protocol_id, payload.port)
    raise IkeError(
        f"unsupported proxy identity type {payload.id_type}",
        NotifyMessageType.INVALID_ID_INFORMATION,
    )


class QuickModeHashError(ProtectionError):
    """A QM2 or QM3 whose HASH does not verify. It is dropped and counted; the exchange in
    flight goes on waiting for the genuine message (a retransmission), as IOS does: whoever
    can inject a datagram must not be able to end someone else's Quick Mode."""


def check_nonce(nonce: bytes) -> None:
    """RFC 2409 §5: a nonce is 8 to 256 bytes long."""
    if not 8 <= len(nonce) <= 256:
        raise IkeError(
            f"nonce of {len(nonce)} bytes: RFC 2409 §5 wants 8..256",
            NotifyMessageType.PAYLOAD_MALFORMED,
        )


class QuickModeHandlers:
    """The Quick Mode handlers of one node (message ID) of an ISAKMP SA."""

    def __init__(self, ctx: Context, sa: IsakmpSa, node: QuickModeNode) -> None:
        if sa.keying is None:  # RFC 2409 §5.5: Quick Mode runs under an ISAKMP SA's keys
            raise IkeError("Quick Mode before the phase 1 keys exist")
        self.ctx = ctx
        self.sa = sa
        self.node = node
        self._mid = node.message_id  # read on most lines Quick Mode logs
        self.k = sa.keying
        self.h, self.skeyid_a = sa.keying.hash, sa.keying.keys.skeyid_a  # HASH(1)..HASH(3)

    # ------------------------------------------------------------------ helpers

    def _send(
        self,
        payloads_after_hash: list[Payload],
        hash_value: bytes,
        *,
        expect_reply: bool,
        label: str = "QM",
        encoded_after_hash: bytes | None = None,
    ) -> None:
        """Send HASH then ``payloads_after_hash``; ``encoded_after_hash`` is their encoding
        when the caller already made it (for the hash), so it is not made twice."""
        sa = self.sa
        cky_i, cky_r = sa.cookies
        header = IsakmpHeader(cky_i, cky_r, ExchangeType.QUICK_MODE, message_id=self._mid)
        rest = encoded_after_hash
        if rest is None:
            rest = encode_payload_chain(payloads_after_hash)
        following = payloads_after_hash[0].payload_type if payloads_after_hash else 0
        chain = generic_payload(following, hash_value) + rest
        data = seal_chain(
            header, PayloadType.HASH, chain, self.k.cipher, self.k.keys.ka, self.k.ivs, label=label
        )
        self.ctx.send(sa, data, expect_reply=expect_reply, node=self.node, label=label)

    def _log_processing(self, payload: str) -> None:
        self.ctx.log(PayloadProcessing(payload=payload, mid=signed_mid(self._mid)))

    def _inbound(self, kind: type[P]) -> list[P]:
        return [p for p in self.node.messages.inbound if isinstance(p, kind)]

    def _received_hash(self) -> tuple[bytes, bytes]:
        """(HASH data, the raw bytes of every payload after the HASH payload)."""
        first = self.node.messages.inbound[0]
        assert isinstance(first, HashPayload)
        return first.hash_data, self.node.messages.inbound_raw[4 + len(first.hash_data) :]

    def _check_hash(self, name: str, expected: bytes, got: bytes, in_flight: bool = False) -> None:
        """``in_flight``: a reply within our exchange (QM2, QM3) is dropped, not fatal."""
        if hmac.compare_digest(expected, got):
            return
        if in_flight:
            raise QuickModeHashError(f"Quick Mode {name} does not verify: message dropped")
        raise IkeError(
            f"Quick Mode {name} does not verify", NotifyMessageType.INVALID_HASH_INFORMATION
        )

    def _nonce(self) -> bytes:
        nonce = self.ctx.rng.random_bytes(self.ctx.config.nonce_length)
        name = "Ni_b (QM)" if self.node.role is Role.INITIATOR else "Nr_b (QM)"
        return self.ctx.trace.derived(name, "random bytes", nonce, rfc="RFC 2409 §5.5")

    def _spi(self) -> bytes:
        """A fresh inbound SPI; 1..255 are reserved (RFC 4303 §2.1)."""
        while True:
            spi = self.ctx.rng.random_bytes(4)
            if int.from_bytes(spi, "big") > 255:
                return spi

    def _udp(self) -> bool:
        negotiated = self.sa.negotiated
        return negotiated is not None and negotiated.nat_t and self.sa.nat_detected

    # ------------------------------------------------------------------ initiator

    def send_qm1(self) -> None:
        """QM1: our ESP proposals (one per transform set) with our inbound SPI, Ni, IDs."""
        node, ctx = self.node, self.ctx
        ctx.log(qm_log.QuickModeBegun(mid=signed_mid(self._mid)))
        ctx.log(qm_log.QmSpiObtained(role="Initiator"))
        node.spi_i = self._spi()
        node.ni_b = self._nonce()
        entry = node.entry
        assert entry is not None
        node.proposals = tuple(
            Proposal(
                i,
                ESP,
                node.spi_i,
                (Transform(1, ts.transform_id, esp_transform_attributes(ts, entry, self._udp())),),
            )
            for i, ts in enumerate(entry.transform_sets, start=1)
        )
        rest: list[Payload] = [SaPayload(proposals=node.proposals), NoncePayload(node.ni_b)]
        rest += self._pfs_ke(entry.pfs_group)
        acl_entry = node.acl_entry or entry.match_address.permits()[0]
        node.idci, node.idcr = acl_entry.proxy_identities()
        rest += [proxy_payload(node.idci), proxy_payload(node.idcr)]
        encoded = encode_payload_chain(rest)
        h1 = keymat.qm_hash1(self.h, self.skeyid_a, self._mid, encoded, ctx.trace)
        self._send(rest, h1, expect_reply=True, label="QM1", encoded_after_hash=encoded)

    def _pfs_ke(self, group: int | None) -> list[Payload]:
        if group is None:
            return []
        return [KePayload(self._start_pfs(group).public_value)]

    def _start_pfs(self, group: int) -> DhComputation:
        """Our PFS DH value for this Quick Mode (RFC 2409 §5.5: g^qmxi or g^qmxr)."""
        name = "g^xi (QM)" if self.node.role is Role.INITIATOR else "g^xr (QM)"
        dh = DhComputation.start(get_group(group), self.ctx.rng, name=name, trace=self.ctx.trace)
        self.node.dh = dh
        return dh

    def receive_qm2(self) -> None:
        """QM2: verify HASH(2), the chosen transform and the IDs; derive keys; send QM3."""
        node, ctx = self.node, self.ctx
        self._log_processing("HASH")
        got, rest = self._received_hash()
        self._check_hash(
            "HASH(2)",
            keymat.qm_hash2(self.h, self.skeyid_a, self._mid, node.ni_b, rest, ctx.trace),
            got,
            in_flight=True,
        )
        self._log_processing("SA")
        assert node.entry is not None
        suite = self._check_offers(node.entry).suite
        assert suite is not None
        node.suite = honour_qm2_lifetime(ctx, suite, node.messages.inbound)
        node.spi_r = self._sa_payload().proposals[0].spi
        self._take_nonce_ke_ids()
        specs = self._create_sas()
        hash3 = keymat.qm_hash3(self.h, self.skeyid_a, self._mid, node.ni_b, node.nr_b, ctx.trace)
        self._send([], hash3, expect_reply=False, label="QM3")
        ctx.log(NodeDeleted(mid=signed_mid(self._mid), reason="No Error"))
        self._complete(specs)

    # ------------------------------------------------------------------ responder

    def receive_qm1(self) -> Input:
        """QM1: verify HASH(1), find a crypto map entry whose proposal and proxies fit."""
        node, ctx = self.node, self.ctx
        self._log_processing("HASH")
        got, rest = self._received_hash()
        self._check_hash(
            "HASH(1)",
            keymat.qm_hash1(self.h, self.skeyid_a, self._mid, rest, ctx.trace),
            got,
        )
        self._log_processing("SA")
        ids = self._inbound(IdPayload)
        if len(ids) != 2:
            raise IkeError(
                "Quick Mode without IDci/IDcr is not supported",
                NotifyMessageType.INVALID_ID_INFORMATION,
            )
        node.idci, node.idcr = proxy_from_payload(ids[0]), proxy_from_payload(ids[1])
        node.entry, node.suite = self._choose_entry()
        node.proposals = self._sa_payload().proposals
        node.spi_i = self._chosen_offer_spi()
        self._take_nonce_ke_ids()
        ctx.log(qm_log.QmSpiObtained(role="Responder"))
        node.spi_r = self._spi()
        node.nr_b = self._nonce()
        return GOT_SPI

    def _choose_entry(self) -> tuple[CryptoMapEntry, EspSuite]:
        """The crypto map entry for this peer whose ACL mirrors the proxies and whose
        transform sets accept an offer (IOS: "Crypto mapdb : proxy_match", "Map Accepted")."""
        node = self.node
        assert node.idci is not None and node.idcr is not None
        entries = self.ctx.config.entries_for(self.sa.peer[0])
        matching = [e for e in entries if proxies_acceptable(e, node.idci, node.idcr)]
        if entries and not matching:
            raise IkeError(
                f"proxy identities {node.idci.ios_text()} -> {node.idcr.ios_text()} "
                "match no crypto ACL",
                NotifyMessageType.INVALID_ID_INFORMATION,
            )
        for entry in matching:
            selection = self._check_offers(entry, raise_on_failure=False)
            if selection.suite is not None:
                return entry, selection.suite
        raise IkeError("IPSec policy invalidated proposal", NotifyMessageType.NO_PROPOSAL_CHOSEN)

    def _sa_payload(self) -> SaPayload:
        return self._inbound(SaPayload)[0]

    def _offers(self) -> list[EspOffer]:
        return [
            EspOffer(p.proposal_number, p.spi, t.transform_number, t.transform_id, t.attributes)
            for p in self._sa_payload().proposals
            if p.protocol_id == ESP
            for t in p.transforms
        ]

    def _check_offers(
        self, entry: CryptoMapEntry, raise_on_failure: bool = True
    ) -> Phase2Selection:
        selection = select_esp_transform(self._offers(), entry, self._udp())
        for check in selection.checks:
            self.ctx.log(qm_log.IpsecProposalChecked(number=check.proposal_number))
            for line in check.lines:
                self.ctx.log(qm_log.IpsecAttribute(line=line))
            ok, not_ok = qm_log.IpsecAttributesAcceptable, qm_log.IpsecAttributesNotAcceptable
            self.ctx.log(ok() if check.acceptable else not_ok())
        rfc, kind = "RFC 2409 §5.5", FactKind.SELECTION
        self.ctx.trace.derived(
            "phase 2 selection", "IOS transform-set matching", selection, kind, rfc=rfc
        )
        if selection.suite is None and raise_on_failure:
            raise IkeError(
                "peer's IPsec proposal is not one we offered", NotifyMessageType.NO_PROPOSAL_CHOSEN
            )
        self.node.selection = selection
        return selection

    def _chosen_offer_spi(self) -> bytes:
        selection = self.node.selection
        assert selection is not None and selection.offer is not None
        return selection.offer.spi

    def _take_nonce_ke_ids(self) -> None:
        node = self.node
        self._log_processing("NONCE")
        nonce = self._inbound(NoncePayload)[0]
        check_nonce(nonce.nonce_data)
        if node.role is Role.INITIATOR:
            node.nr_b = nonce.nonce_data
        else:
            node.ni_b = nonce.nonce_data
        for _ in self._inbound(IdPayload):
            self._log_processing("ID")
        self._take_ke()

    def _take_ke(self) -> None:
        node = self.node
        kes = self._inbound(KePayload)
        group = node.suite.pfs_group if node.suite is not None else None
        if bool(kes) != (group is not None):
            raise IkeError(
                "PFS KE payload and group attribute disagree", NotifyMessageType.NO_PROPOSAL_CHOSEN
            )
        if not kes or group is None:
            return
        dh = node.dh or self._start_pfs(group)
        try:
            node.dh = dh.complete(kes[0].key_exchange_data, trace=self.ctx.trace)
        except DhPublicValueError as exc:
            raise IkeError(
                f"PFS DH value refused: {exc}", NotifyMessageType.INVALID_KEY_INFORMATION
            ) from None

    def install_sas(self) -> Input:
        """Derive KEYMAT for both SAs (IOS: create and install them)."""
        self.node.specs = self._create_sas()
        return INSTALL_DONE

    def send_qm2(self) -> None:
        """QM2: the chosen proposal with our SPI, Nr, [KE], the IDs echoed; wait for QM3."""
        node, ctx = self.node, self.ctx
        assert node.selection is not None and node.selection.offer is not None
        assert node.idci and node.idcr
        offer = node.selection.offer
        chosen = Proposal(
            offer.proposal_number,
            ESP,
            node.spi_r,
            (Transform(offer.transform_number, offer.transform_id, offer.attributes),),
        )
        rest: list[Payload] = [SaPayload(proposals=(chosen,)), NoncePayload(node.nr_b)]
        if node.dh is not None:
            rest.append(KePayload(node.dh.public_value))
        rest += [proxy_payload(node.idci), proxy_payload(node.idcr)]
        rest += qm2_responder_lifetime(ctx, node)  # RFC 2407 §4.5.4
        encoded = encode_payload_chain(rest)
        h2 = keymat.qm_hash2(self.h, self.skeyid_a, self._mid, node.ni_b, encoded, ctx.trace)
        self._send(rest, h2, expect_reply=True, label="QM2", encoded_after_hash=encoded)

    def receive_qm3(self) -> None:
        """QM3: HASH(3) proves the initiator got QM2; the SAs may carry traffic."""
        node, ctx = self.node, self.ctx
        got, _ = self._received_hash()
        self._check_hash(
            "HASH(3)",
            keymat.qm_hash3(self.h, self.skeyid_a, self._mid, node.ni_b, node.nr_b, ctx.trace),
            got,
            in_flight=True,
        )
        node.messages.retransmit = None
        ctx.log(NodeDeleted(mid=signed_mid(self._mid), reason="QM done (await)"))
        assert node.specs is not None
        self._complete(node.specs)

    # ------------------------------------------------------------------ SAs

    def _create_sas(self) -> tuple[IpsecSaSpec, IpsecSaSpec]:
        node, sa = self.node, self.sa
        assert node.suite is not None and node.idci is not None and node.idcr is not None
        local, remote = self.ctx.config.local_address, sa.peer[0]
        mine, theirs = (
            (node.idci, node.idcr) if node.role is Role.INITIATOR else (node.idcr, node.idci)
        )
        my_spi, peer_spi = (
            (node.spi_i, node.spi_r) if node.role is Role.INITIATOR else (node.spi_r, node.spi_i)
        )
        self.ctx.log(qm_log.IpsecSasCreating())
        inbound = self._spec("inbound", my_spi, remote, local, theirs, mine)
        outbound = self._spec("outbound", peer_spi, local, remote, mine, theirs)
        return inbound, outbound

    def _spec(
        self,
        direction: str,
        spi: bytes,
        src: str,
        dst: str,
        src_proxy: ProxyIdentity,
        dst_proxy: ProxyIdentity,
    ) -> IpsecSaSpec:
        node = self.node
        suite = node.suite
        assert suite is not None
        cipher = esp_cipher(suite.transform_id, suite.key_length)  # AES-GCM: key + 4-byte salt
        auth_size = AUTH_KEY_SIZE.get(suite.auth_algorithm, 0)  # 0: AES-GCM, RFC 4106 §8.1
        g_qm = node.dh.shared_secret if node.dh is not None else None
        material = keymat.keymat(
            self.k.hash,
            self.k.keys.skeyid_d,
            ESP,
            spi,
            node.ni_b,
            node.nr_b,
            cipher.key_size + auth_size,
            g_qm,
            self.ctx.trace,
        )
        enc_key, auth_key = keymat.split_keymat(material, cipher.key_size, auth_size)
        udp = suite.encapsulation in UDP_MODES
        proxies = (src_proxy.network.network_address, dst_proxy.network.network_address)
        life = (suite.lifetime_seconds, suite.lifetime_kilobytes)
        self.ctx.log(qm_log.IpsecSaCreated(direction, src, dst, *proxies, spi.hex().upper(), *life))
        port = 4500 if udp else 0
        return IpsecSaSpec(
            direction,
            spi,
            src,
            dst,
            src_proxy.network,
            dst_proxy.network,
            suite.transform_id,
            suite.key_length,
            enc_key,
            suite.auth_algorithm,
            auth_key,
            suite.encapsulation,
            suite.lifetime_seconds,
            suite.lifetime_kilobytes,
            udp,
            port,
            port,
        )

    def _complete(self, specs: tuple[IpsecSaSpec, IpsecSaSpec]) -> None:
        node, sa = self.node, self.sa
        assert node.suite is not None and node.entry is not None
        self.k.ivs.forget(self._mid)
        self.ctx.emit(
            Phase2Complete(
                sa.peer,
                sa.conn_id,
                self._mid,
                node.suite,
                specs[0],
                specs[1],
                node.entry.name,
                node.entry.seq,
            )
        )
