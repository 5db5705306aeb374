"""Quick Mode's result into the SAD: two :class:`~vpnteach.esp.sa.IpsecSa` per Phase 2.

A :class:`~vpnteach.ike.events.Phase2Complete` carries two :class:`IpsecSaSpec` (RFC 2409
§5.5: one SA per direction, each with its own SPI and KEYMAT). :func:`sa_from_spec` turns a
spec into the ESP layer's SA object, :func:`flow_for` finds the SPD flow (crypto map entry x
ACL permit line) the pair protects, so that ``show crypto ipsec sa`` counts them together.
"""

from __future__ import annotations

from ipaddress import IPv4Network

from vpnteach.esp.sa import Direction, IpsecSa, Lifetime, UdpEncapsulation
from vpnteach.esp.spd import Flow, Spd
from vpnteach.esp.transform import esp_cipher, esp_integrity
from vpnteach.ike.events import IpsecSaSpec, Phase2Complete
from vpnteach.ike.policy import ProxyIdentity


def sa_from_spec(spec: IpsecSaSpec, *, crypto_map: str, conn_id: int, now: float) -> IpsecSa:
    """The ESP SA for one direction of a Quick Mode result, installed at ``now``."""
    inbound = spec.direction == "inbound"
    local, peer = (spec.dst, spec.src) if inbound else (spec.src, spec.dst)
    mine, theirs = (spec.dst_proxy, spec.src_proxy) if inbound else (spec.src_proxy, spec.dst_proxy)
    udp = None
    if spec.udp_encapsulated:
        local_port, peer_port = (
            (spec.dst_port, spec.src_port) if inbound else (spec.src_port, spec.dst_port)
        )
        udp = UdpEncapsulation(local_port or 4500, peer_port or 4500)
    cipher = esp_cipher(spec.transform_id, spec.key_length)
    return IpsecSa(
        Direction.INBOUND if inbound else Direction.OUTBOUND,
        spec.spi_int,
        local,
        peer,
        cipher,
        spec.enc_key,
        esp_integrity(cipher, spec.auth_algorithm),  # None with AES-GCM (RFC 4106)
        spec.auth_key,
        ProxyIdentity(mine),
        ProxyIdentity(theirs),
        lifetime=Lifetime(spec.lifetime_seconds, spec.lifetime_kilobytes),
        created_at=now,
        udp=udp,
        crypto_map=crypto_map,
        conn_id=conn_id,
    )


def flow_for(spd: Spd, event: Phase2Complete) -> Flow | None:
    """The SPD flow of the negotiated pair: same map entry, same proxy identities.

    A responder whose ACL line is wider than what the initiator proposed falls back to the
    first flow of that entry whose networks contain the negotiated ones.
    """
    mine, theirs = event.outbound.src_proxy, event.outbound.dst_proxy
    of_entry = spd.flows_of(event.crypto_map, event.seq)
    for flow in of_entry:
        if flow.local_ident.network == mine and flow.remote_ident.network == theirs:
            return flow
    return next((f for f in of_entry if _covers(f, mine, theirs)), None)


def _covers(flow: Flow, mine: IPv4Network, theirs: IPv4Network) -> bool:
    local, remote = flow.local_ident.network, flow.remote_ident.network
    return mine.subnet_of(local) and theirs.subnet_of(remote)
