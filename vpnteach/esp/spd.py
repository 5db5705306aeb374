"""The Security Policy Database built from IOS crypto maps (RFC 4301 §4.4.1).

RFC 4301 gives every packet one of three fates: PROTECT (send it through an SA), BYPASS (send
it in the clear) or DISCARD. IOS expresses the policy as a crypto map applied to an interface:

* the crypto map entries are tried in sequence-number order; each names a crypto ACL;
* in a crypto ACL, the first matching line decides: ``permit`` = PROTECT with this map entry,
  ``deny`` = "not protected by *this* entry", and the next map entry is tried;
* a packet no entry protects is sent in the clear (BYPASS): IOS's implicit behaviour.

Each ``permit`` line of each entry is one **flow** (:class:`Flow`): the pair of proxy
identities Quick Mode negotiates for it (RFC 2409 §5.5), and the counters
``show crypto ipsec sa`` prints under its ``local ident`` / ``remote ident`` heading — IOS shows
them from configuration time on, with zero counts, before any SA exists.

DISCARD entries (an explicit list of ACL lines checked first) stand for traffic the router
must never forward. Inbound, a *cleartext* packet that matches the mirror of a flow is
discarded (IOS: ``%CRYPTO-4-RECVD_PKT_NOT_IPSEC``): it should have arrived inside ESP
(RFC 4301 §5.2, step 3a).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from vpnteach._html import HtmlRepr
from vpnteach.esp.policy import AclEntry, CryptoMapEntry, ProxyIdentity
from vpnteach.esp.sa import SaCounters
from vpnteach.wire.ip import IPV4_HEADER_LEN, IpProtocol, unpack_address

DECISIONS_KEPT = 4096
"""How many (source, destination) decisions :meth:`Spd.decide` remembers."""


class PolicyAction(Enum):
    """RFC 4301 §4.4.1 processing choices."""

    PROTECT = "protect"
    BYPASS = "bypass"
    DISCARD = "discard"


@dataclass(frozen=True)
class Selectors(HtmlRepr):
    """A packet's traffic selectors (RFC 4301 §4.4.1.1): addresses, protocol and ports."""

    src: str
    dst: str
    protocol: int = 0
    src_port: int = 0
    dst_port: int = 0


def selectors_of(packet: bytes) -> Selectors:
    """The selectors of an IPv4 packet (ports for TCP/UDP, else 0).

    Raises:
        ValueError: shorter than an IPv4 header or not IPv4.
    """
    if len(packet) < IPV4_HEADER_LEN or packet[0] >> 4 != 4:
        raise ValueError(f"not an IPv4 packet ({len(packet)} bytes, first byte {packet[:1].hex()})")
    hlen, protocol = (packet[0] & 0xF) * 4, packet[9]
    ports = (0, 0)
    if protocol in (IpProtocol.TCP, IpProtocol.UDP) and len(packet) >= hlen + 4:
        ports = struct.unpack_from("!HH", packet, hlen)
    src, dst = unpack_address(packet[12:16]), unpack_address(packet[16:20])
    return Selectors(src, dst, protocol, *ports)


@dataclass(eq=False)
class Flow(HtmlRepr):
    """One permit line of one crypto map entry: what one pair of IPsec SAs protects.

    ``counters`` is shared by every SA of the flow, across rekeys, as IOS counts. ``key``
    (map name, sequence number, ACL line) is a stable identifier, worked out once: both
    entries are frozen, and the packet path reads it per packet.
    """

    crypto_map: CryptoMapEntry
    acl_entry: AclEntry
    counters: SaCounters = field(default_factory=SaCounters)
    key: tuple[str, int, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.key = (self.crypto_map.name, self.crypto_map.seq, self.acl_entry.ios_text())

    @property
    def peer(self) -> str:
        """``set peer``: the remote tunnel endpoint."""
        return self.crypto_map.peer

    @property
    def local_ident(self) -> ProxyIdentity:
        """Our side (the ACL source): IDci when we initiate."""
        return self.acl_entry.proxy_identities()[0]

    @property
    def remote_ident(self) -> ProxyIdentity:
        """The peer's side (the ACL destination): IDcr when we initiate."""
        return self.acl_entry.proxy_identities()[1]

    def __repr__(self) -> str:
        return f"Flow({self.crypto_map.name} {self.crypto_map.seq}: {self.acl_entry.ios_text()})"


@dataclass(frozen=True)
class SpdDecision(HtmlRepr):
    """The SPD's answer for one packet: the action and, for PROTECT, the flow."""

    action: PolicyAction
    flow: Flow | None = None
    why: str = ""


class Spd:
    """The SPD of one interface: a crypto map's entries (+ optional DISCARD lines).

    Args:
        crypto_map: the entries of one crypto map (any order; sorted by ``seq``).
        discard: ACL lines whose matching packets are dropped before anything else.
    """

    def __init__(
        self, crypto_map: Sequence[CryptoMapEntry], discard: Sequence[AclEntry] = ()
    ) -> None:
        self.entries = sorted(crypto_map, key=lambda e: e.seq)
        self.discard = tuple(discard)
        self.flows = [Flow(e, line) for e in self.entries for line in e.match_address.permits()]
        self._flow_of = {(f.crypto_map.seq, f.acl_entry.ios_text()): f for f in self.flows}
        self._of_entry: dict[tuple[str, int], list[Flow]] = {}
        self._to_peer: dict[str, list[Flow]] = {}
        self._decided: dict[bytes, SpdDecision] = {}
        for f in self.flows:
            self._of_entry.setdefault((f.crypto_map.name, f.crypto_map.seq), []).append(f)
            self._to_peer.setdefault(f.peer, []).append(f)

    def flows_of(self, name: str, seq: int) -> list[Flow]:
        """The flows of crypto map entry ``name seq``, in order (an index: hubs have many)."""
        return list(self._of_entry.get((name, seq), ()))

    def flows_to(self, peer: str) -> list[Flow]:
        """The flows whose entry has ``set peer`` ``peer``, in order."""
        return list(self._to_peer.get(peer, ()))

    def decide(self, packet: bytes) -> SpdDecision:
        """:meth:`lookup_outbound` for an IPv4 packet, remembered by its address pair.

        Every line of a crypto ACL here matches on addresses alone (``permit ip``), so the
        decision for a (source, destination) pair never changes for this SPD: the packet path
        looks it up in a dict instead of walking the ACLs (at most ``DECISIONS_KEPT`` pairs
        are remembered; then the memory starts afresh).

        Raises:
            ValueError: shorter than an IPv4 header or not IPv4.
        """
        pair = packet[12:20]
        found = self._decided.get(pair)
        if found is None or len(packet) < IPV4_HEADER_LEN or packet[0] >> 4 != 4:
            found = self.lookup_outbound(selectors_of(packet))
            if len(self._decided) >= DECISIONS_KEPT:
                self._decided.clear()
            self._decided[bytes(pair)] = found
        return found

    def lookup_outbound(self, sel: Selectors) -> SpdDecision:
        """What to do with a packet leaving through the crypto-map interface."""
        for line in self.discard:
            if line.matches(sel.src, sel.dst):
                return SpdDecision(PolicyAction.DISCARD, None, f"discard: {line.ios_text()}")
        for entry in self.entries:
            hit = entry.match_address.first_match(sel.src, sel.dst)
            if hit is not None and hit.action == "permit":
                flow = self._flow_of[(entry.seq, hit.ios_text())]
                why = f"crypto map {entry.name} {entry.seq}: {hit.ios_text()}"
                return SpdDecision(PolicyAction.PROTECT, flow, why)
        return SpdDecision(PolicyAction.BYPASS, None, "no crypto map entry protects it")

    def lookup_inbound_clear(self, sel: Selectors) -> SpdDecision:
        """What to do with a *cleartext* packet arriving on the interface.

        A packet from the peer's network to ours that a flow protects (its ACL mirrored) should
        have come inside ESP: DISCARD. Anything else: BYPASS.
        """
        mirrored = Selectors(sel.dst, sel.src, sel.protocol, sel.dst_port, sel.src_port)
        decision = self.lookup_outbound(mirrored)
        if decision.action is PolicyAction.PROTECT:
            why = f"cleartext packet that should be protected ({decision.why})"
            return SpdDecision(PolicyAction.DISCARD, decision.flow, why)
        return SpdDecision(PolicyAction.BYPASS, None, decision.why)
