"""A userspace ESP tunnel for the IKEv2 interop peer: vpnteach's ESP code behind a TUN device.

The vpnteach IKEv2 engine negotiates Child SAs; this helper (test code, not the gateway
integration issue 20 asks for later) installs each :class:`ChildSaEstablished` pair as
:class:`vpnteach.esp.sa.IpsecSa` objects (AES-CBC + HMAC-SHA-2, or AES-GCM-16 whose KEYMAT
carries the salt, RFC 5282 §7.1 / RFC 4106 §8.1; ESP in UDP 4500 since
strongSwan's kernel-libipsec fakes a NAT), reads LAN packets from a TUN device, encapsulates
them (RFC 4303, RFC 3948) and decapsulates what arrives on 4500 back into the TUN. After a
rekey the newest outbound SA is used while every inbound SA still installed is accepted, so
packets in flight across the rekey are not lost. When the peer rekeyed (we answered its
CREATE_CHILD_SA request), the new outbound SA is used only once the peer deletes the old pair
(RFC 7296 §2.8: the new pair is made, then the rekey's initiator deletes the old one), as
strongSwan delays its outbound SA as a rekey's responder: the peer installs its new inbound
SA only when our answer arrives (after its Diffie-Hellman with PFS), and ESP on the new SPI
before that would be dropped there.
"""

from __future__ import annotations

import ipaddress

from vpnteach.crypto.rng import OsRng
from vpnteach.esp.esp import Decapsulated, decapsulate, encapsulate
from vpnteach.esp.sa import Direction, IpsecSa, UdpEncapsulation
from vpnteach.esp.transform import esp_cipher, esp_integrity
from vpnteach.ike.policy import ProxyIdentity
from vpnteach.ikev2.events import ChildSaDeleted, ChildSaEstablished
from vpnteach.net.pcap import ipv4_udp_packet
from vpnteach.net.tun import TunDevice, configure

# ENCR 12 (AES-CBC) and 20 (AES-GCM-16) are the same numbers in the IPsec DOI (RFC 2407,
# RFC 4106 §8.1) and IKEv2's ENCR registry (RFC 7296, RFC 5282), so they are used as they are.
#: IKEv2 INTEG transform ID -> IPsec DOI Authentication Algorithm (RFC 4868 §2.5 / §4)
AUTH_OF_INTEG = {2: 2, 12: 5}
OUTER = 20 + 8  # the IPv4 and UDP headers encapsulate() puts in front


class EspTunnel:
    """One TUN device and the ESP SAs of one peer."""

    def __init__(self, name: str, lan_address: str, routes: list[str], local: str, peer: str):
        self.tun = TunDevice(name)
        configure(name, lan_address, routes=routes)
        self.local, self.peer = local, peer
        self.inbound: dict[int, IpsecSa] = {}
        self.outbound: IpsecSa | None = None
        self.waiting: dict[int, IpsecSa] = {}  # old inbound SPI -> outbound SA to switch to
        self.rng = OsRng()
        self.counts = {"sent": 0, "received": 0, "dropped": 0}

    def install(self, e: ChildSaEstablished, now: float, peer_rekeyed: bool = False) -> None:
        """Install both directions of a new Child SA; the newest sends (if the peer rekeyed,
        once it deletes the pair this one replaces)."""
        cipher = esp_cipher(e.encr_id, e.key_bits)
        integrity = esp_integrity(cipher, AUTH_OF_INTEG.get(e.integ_id or 0, 0))
        local, remote = ProxyIdentity(e.local_ts), ProxyIdentity(e.remote_ts)
        udp = UdpEncapsulation()
        common = {"local": self.local, "peer": self.peer, "cipher": cipher, "created_at": now}
        self.inbound[int.from_bytes(e.spi_in, "big")] = IpsecSa(
            Direction.INBOUND, int.from_bytes(e.spi_in, "big"), encryption_key=e.encr_key_in,
            integrity=integrity, integrity_key=e.integ_key_in, local_ident=local,
            remote_ident=remote, udp=udp, **common,  # type: ignore[arg-type]
        )  # fmt: skip
        outbound = IpsecSa(
            Direction.OUTBOUND, int.from_bytes(e.spi_out, "big"), encryption_key=e.encr_key_out,
            integrity=integrity, integrity_key=e.integ_key_out, local_ident=local,
            remote_ident=remote, udp=udp, **common,  # type: ignore[arg-type]
        )  # fmt: skip
        if peer_rekeyed and e.rekeyed_spi is not None and self.outbound is not None:
            self.waiting[int.from_bytes(e.rekeyed_spi, "big")] = outbound
        else:
            self.outbound = outbound

    def remove(self, e: ChildSaDeleted) -> None:
        """Forget a deleted pair's inbound SA; send on its successor if one waited for that."""
        spi = int.from_bytes(e.spi_in, "big")
        self.inbound.pop(spi, None)
        if spi in self.waiting:
            self.outbound = self.waiting.pop(spi)

    def from_lan(self, now: float) -> bytes | None:
        """The next LAN packet, encapsulated: the UDP payload to send to the peer's 4500."""
        packet = self.tun.read()
        if packet is None or self.outbound is None:
            return None
        self.counts["sent"] += 1
        return encapsulate(self.outbound, packet, self.rng, now)[OUTER:]

    def from_wan(self, payload: bytes, src: str, now: float) -> None:
        """An ESP-in-UDP payload from the peer: decapsulate into the TUN device."""
        outer = ipv4_udp_packet(src, 4500, self.local, 4500, payload)
        result = decapsulate(lambda spi, dst, proto: self.inbound.get(spi), outer, now)
        if isinstance(result, Decapsulated):
            self.counts["received"] += 1
            self.tun.write(result.inner)
        else:
            self.counts["dropped"] += 1

    def close(self) -> None:
        self.tun.close()


def lan_address(network: str) -> str:
    """The first host of ``network`` with its prefix (``192.168.11.1/24``)."""
    net = ipaddress.IPv4Network(network)
    return f"{net.network_address + 1}/{net.prefixlen}"
