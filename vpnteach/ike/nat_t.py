"""NAT traversal for IKEv1 (RFC 3947), the parts the IKE engine decides.

* Detection (§3.2): in MM3/MM4 each side sends NAT-D payloads, first the hash of the
  *destination* (the peer's address and port as seen by the sender), then of its own *source*:
  ``HASH = hash(CKY-I | CKY-R | IP | Port)`` with the negotiated hash. A receiver recomputes
  both from the packet's addresses: if the first does not match its own address, *this* node
  is behind a NAT; if none matches the sender's, the *peer* is.
* Floating (§4): once a NAT is detected, the initiator moves IKE to UDP 4500 from MM5 on;
  IKE messages there start with the 4-byte non-ESP marker (RFC 3948 §2.2).
* Forcing (§3.2): "a peer MAY fake its own NAT-D hash" to make the other side see a NAT;
  with ``IkeConfig.force_udp_encapsulation`` our own-address hash is random bytes
  (:func:`faked_nat_d_hash`, what strongSwan's ``encap = yes`` sends), and we treat the SA as
  NATed ourselves, so both sides float to 4500 and use UDP-encapsulated ESP with no NAT at all.
* Quick Mode (§5): the encapsulation mode becomes UDP-Encapsulated-Tunnel (3) and ESP travels
  in UDP 4500 (RFC 3948).
"""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass, replace
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.crypto.rng import Rng
from vpnteach.ike.records_phase1 import NatDReceived, NatStatus
from vpnteach.trace import NULL_TRACE, Trace
from vpnteach.wire.chain import Payload
from vpnteach.wire.payloads import NatDPayload

if TYPE_CHECKING:  # the SA holds a NatDetection: these two import this module
    from vpnteach.ike.context import Context
    from vpnteach.ike.sa import IsakmpSa

IKE_PORT = 500
NAT_T_PORT = 4500
RFC = "RFC 3947 §3.2"
FORCED_TEXT = "Forcing UDP encapsulation: own NAT-D hash faked (RFC 3947 §3.2)"


def nat_d_hash(
    h: HashAlgorithm,
    cky_i: bytes,
    cky_r: bytes,
    address: str,
    port: int,
    label: str,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """One NAT-D hash (RFC 3947 §3.2)."""
    ip = _packed(address)
    # HASH = HASH(CKY-I | CKY-R | IP | Port)
    return trace.derived(
        label,
        "hash(CKY-I | CKY-R | IP | Port)",
        h.hash(cky_i + cky_r + ip + port.to_bytes(2, "big")),
        rfc=RFC,
        cky_i=cky_i,
        cky_r=cky_r,
        ip=address,
        port=port,
    )


def faked_nat_d_hash(h: HashAlgorithm, rng: Rng, trace: Trace = NULL_TRACE) -> bytes:
    """A NAT-D hash of our own address that cannot match: random bytes of the hash's size
    (RFC 3947 §3.2 allows faking it; the peer then sees "this node outside NAT")."""
    return trace.derived(
        "NAT-D (me, faked)",
        "random bytes instead of hash(CKY-I | CKY-R | IP | Port), to force UDP encapsulation",
        rng.random_bytes(h.digest_size),
        rfc=RFC,
    )


@dataclass(frozen=True)
class NatDetection:
    """What the NAT-D payloads of one message told the receiver (RFC 3947 §3.2)."""

    local_behind_nat: bool
    peer_behind_nat: bool
    #: We faked our own NAT-D hash (``force_udp_encapsulation``) and act as if NATed.
    forced: bool = False

    @property
    def nat_detected(self) -> bool:
        """Some NAT is on the path (or we force it): float to 4500 and UDP-encapsulate ESP."""
        return self.local_behind_nat or self.peer_behind_nat or self.forced

    def ios_lines(self) -> list[str]:
        """What IOS prints about it (nothing when no NAT is found)."""
        lines = []
        if self.local_behind_nat:
            lines.append("My hash no match -  this node inside NAT")
        if self.peer_behind_nat:
            lines.append("His hash no match - this node outside NAT")
        return lines


def detect(
    h: HashAlgorithm,
    cky_i: bytes,
    cky_r: bytes,
    received: list[bytes],
    local: tuple[str, int],
    remote: tuple[str, int],
) -> NatDetection:
    """Compare the received NAT-D hashes with the packet's own addresses.

    ``received[0]`` is what the sender hashed as our address; the others are its own.
    """
    if not received:
        return NatDetection(False, False)
    mine = nat_d_hash(h, cky_i, cky_r, *local, "NAT-D (expected for me)")
    theirs = nat_d_hash(h, cky_i, cky_r, *remote, "NAT-D (expected for peer)")
    local_nat = not hmac.compare_digest(received[0], mine)
    peer_nat = not any(hmac.compare_digest(r, theirs) for r in received[1:])
    return NatDetection(local_nat, peer_nat)


@functools.lru_cache(maxsize=1024)
def _packed(address: str) -> bytes:
    """The 4 bytes of a dotted IPv4 address (parsed once per address)."""
    return IPv4Address(address).packed


def nat_d_payloads(ctx: Context, sa: IsakmpSa) -> list[Payload]:
    """The two NAT-D payloads of MM3/MM4 (§3.2): the peer's address and port, then ours
    (or a faked hash of ours with ``force_udp_encapsulation``); none without NAT-T."""
    negotiated = sa.negotiated
    if negotiated is None or not negotiated.nat_t:
        return []
    h, ci, cr = negotiated.hash, sa.cky_i, sa.cky_r
    remote = nat_d_hash(h, ci, cr, sa.peer[0], sa.peer[1], "NAT-D (peer)", ctx.trace)
    if ctx.config.force_udp_encapsulation:
        local = faked_nat_d_hash(h, ctx.rng, ctx.trace)
    else:
        me = ctx.config.local_address
        local = nat_d_hash(h, ci, cr, me, sa.local_port, "NAT-D (me)", ctx.trace)
    return [NatDPayload(remote), NatDPayload(local)]


def receive_nat_d(ctx: Context, sa: IsakmpSa, payloads: list[Payload]) -> None:
    """Detect NATs from the peer's NAT-D payloads (§3.2) and log what IOS logs."""
    hashes = [p.hash_data for p in payloads if isinstance(p, NatDPayload)]
    for _ in hashes:
        ctx.log(NatDReceived())
    negotiated = sa.negotiated
    if negotiated is None or not (negotiated.nat_t and hashes):
        return
    local = (ctx.config.local_address, sa.local_port)
    result = detect(negotiated.hash, sa.cky_i, sa.cky_r, hashes, local, sa.peer)
    for text in result.ios_lines():
        ctx.log(NatStatus(text=text))
    if ctx.config.force_udp_encapsulation:
        result = replace(result, forced=True)
        ctx.log(NatStatus(text=FORCED_TEXT))
    sa.nat = result
