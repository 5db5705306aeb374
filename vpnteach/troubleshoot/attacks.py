"""Someone on the path: a man in the middle on a WAN link, and a CA that revokes.

The attackers ride on a link's :class:`~vpnteach.net.sim.faults.FaultPolicy` ``rewrite`` hook,
so they see every packet the link carries in one direction (``only_from``) and the run stays
deterministic:

* :func:`tamper_mm5` flips a bit in the first ciphertext block of every encrypted Main Mode
  message the initiator sends (MM5): the responder decrypts garbage (IOS
  ``%CRYPTO-4-IKMP_BAD_MESSAGE``, RFC 2408 §5.2).
* :class:`EspAttacker` either *replays* every ESP packet (a copy re-sent 0.1 s later from the
  provider router: RFC 4303 §3.4.3 anti-replay must drop it) or *tampers* with ESP packets
  (one ciphertext bit flipped: the ICV check of RFC 4303 §3.4.4 must drop it).
  :meth:`EspAttacker.accepted` counts, from the network's event log, how many of its packets
  the receiver took anyway (must be 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vpnteach.gateway.gateway import is_esp
from vpnteach.net.sim.events import PacketDelivered, PacketDropped
from vpnteach.net.sim.faults import FaultPolicy
from vpnteach.net.sim.packets import flip_bit
from vpnteach.stepper.adapter import rebuild, wire_of

if TYPE_CHECKING:
    from vpnteach.lab import Lab

ISAKMP_HEADER = 28
MAIN_MODE = 2
REPLAY_DELAY = 0.1


def is_mm_encrypted(data: bytes) -> bool:
    """An encrypted Main Mode message (MM5 or MM6: exchange 2, E flag, message ID 0)."""
    if len(data) < ISAKMP_HEADER + 8:
        return False
    return data[18] == MAIN_MODE and bool(data[19] & 1) and data[20:24] == bytes(4)


def forge(packet: bytes, kind: str, offset: int) -> bytes | None:
    """``packet`` with bit 3 of byte ``offset`` of its IKE or ESP content inverted, lengths
    and checksums redone (``None``: the packet carries no ``kind`` content that long)."""
    wire = wire_of(packet)
    if wire is None or wire.kind != kind or len(wire.data) <= offset:
        return None
    return rebuild(packet, flip_bit(wire.data, offset * 8 + 3))


def tamper_mm5(lab: Lab, link: str, sender: str = "Branch1") -> None:
    """Flip a bit in the first ciphertext block of every MM5 ``sender`` sends on ``link``."""

    def rewrite(packet: bytes) -> bytes | None:
        wire = wire_of(packet)
        if wire is None or wire.kind != "IKE" or not is_mm_encrypted(wire.data):
            return packet
        return forge(packet, "IKE", ISAKMP_HEADER + 4) or packet

    lab.network.link(link).faults = FaultPolicy(rewrite=rewrite, only_from=sender)


@dataclass
class EspAttacker:
    """A replaying or tampering man in the middle on one link (see the module docstring).

    Attributes:
        mode: ``"replay"`` or ``"tamper"``; limit: at most this many attempts (0: no limit);
        attempts: the packets it replayed or modified; forged: the bytes it sent.
    """

    lab: Lab
    link: str
    mode: str
    via: str = "ISP"
    limit: int = 0
    attempts: int = 0
    forged: list[bytes] = field(default_factory=list)
    _seen: set[bytes] = field(default_factory=set)

    @classmethod
    def install(
        cls, lab: Lab, link: str, mode: str, *, via: str = "ISP", limit: int = 0
    ) -> EspAttacker:
        """Put the attacker on ``link``, acting on what ``via`` sends there."""
        if mode not in ("replay", "tamper"):
            raise ValueError(f"an ESP attacker replays or tampers, not {mode!r}")
        attacker = cls(lab, link, mode, via, limit)
        current = lab.network.link(link).faults
        lab.network.link(link).faults = FaultPolicy(
            loss=current.loss, duplicate=current.duplicate, reorder=current.reorder,
            corrupt=current.corrupt, rewrite=attacker.rewrite, only_from=via,
        )  # fmt: skip
        return attacker

    def _may(self, packet: bytes) -> bool:
        if not is_esp(packet) or packet in self._seen:
            return False
        return self.limit == 0 or self.attempts < self.limit

    def rewrite(self, packet: bytes) -> bytes | None:
        """The link's rewrite hook: replay (schedule a copy) or tamper (return modified bytes)."""
        if not self._may(packet):
            return packet
        self.attempts += 1
        if self.mode == "tamper":
            forged = forge(packet, "ESP", 8 + 8 + 2) or packet  # past SPI, sequence, IV
            self._seen.add(forged)
            self.forged.append(forged)
            return forged
        self._seen.add(packet)
        self.forged.append(packet)
        node = self.lab.network.node(self.via)
        at_time = self.lab.network.now + REPLAY_DELAY
        self.lab.network.set_timer(
            "attacker", "replay", at_time, lambda now: node.send_packet(packet, hooks=False)
        )
        return packet

    def accepted(self) -> int:
        """How many forged packets the receiving router accepted (arrived and not dropped,
        beyond the one genuine copy a replayed packet had)."""
        forged = set(self.forged)
        arrived: dict[bytes, int] = {}
        dropped: dict[bytes, int] = {}
        for event in self.lab.network.log:
            if isinstance(event, PacketDelivered) and event.link == self.link:
                if event.packet in forged and event.sender.partition(" ")[0] == self.via:
                    arrived[event.packet] = arrived.get(event.packet, 0) + 1
            elif isinstance(event, PacketDropped) and event.packet in forged:
                dropped[event.packet] = dropped.get(event.packet, 0) + 1
        genuine = 1 if self.mode == "replay" else 0
        return sum(max(0, n - dropped.get(p, 0) - genuine) for p, n in arrived.items())

    def rejected(self) -> int:
        """How many forged packets the receiving router dropped."""
        forged = set(self.forged)
        return sum(
            1 for e in self.lab.network.log if isinstance(e, PacketDropped) and e.packet in forged
        )


def revoke_and_fetch_crl(lab: Lab, router: str, checker: str, trustpoint: str = "WIN2003") -> None:
    """The CA revokes ``router``'s certificate and publishes a CRL; ``checker`` turns on
    ``revocation-check crl`` and fetches the CRL from the CDP (RFC 5280 §6.3)."""
    from vpnteach.pki.scep import CRLResponse
    from vpnteach.troubleshoot.edit import edit_config

    ca = lab.ca
    cert = lab.router(router).pki.trustpoint(trustpoint).certificate
    if ca is None or cert is None:
        raise ValueError(f"{router} has no certificate from a CA of this lab to revoke")
    ca.revoke(cert.serial_number, lab.now)
    ca.publish_crl(lab.now)
    edit_config(lab, checker, f"crypto pki trustpoint {trustpoint}\n revocation-check crl\n")
    target = lab.router(checker)
    tp = target.pki.trustpoint(trustpoint)
    tp.revocation_check = "crl"  # the lab's PKI does not follow the config line yet
    # The CDP names a host (amit-ed0d48583a.amit.com) and the lab has no DNS: the request
    # goes to the CA directly instead of over the simulated network.
    answer = ca.handle(target.pki.crl_request(trustpoint), lab.now)
    if not isinstance(answer, CRLResponse):
        raise ValueError(f"the CA answered GetCRL with {type(answer).__name__}")
    target.pki.store_crl(trustpoint, answer)
