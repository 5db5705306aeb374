"""From an IKEv2 Child SA (RFC 7296 §2.17 KEYMAT) to the two ESP SAs the SAD installs.

A :class:`~vpnteach.ikev2.events.ChildSaEstablished` names its traffic selectors (§2.9), which
find the SPD flow it protects (the flow whose networks they are, or contain); each direction
becomes an :class:`~vpnteach.esp.sa.IpsecSa` with that direction's KEYMAT, ESP in UDP 4500 if
a NAT was detected (§2.23, RFC 3948).
"""

from __future__ import annotations

from vpnteach.crypto.cipher import get_esp_cipher
from vpnteach.esp.integrity import IntegrityAlgorithm, get_integrity
from vpnteach.esp.sa import Direction, IpsecSa, Lifetime, UdpEncapsulation
from vpnteach.esp.spd import Flow, Spd
from vpnteach.gateway.adapt import GatewayConfigError
from vpnteach.ike.policy import ProxyIdentity
from vpnteach.ikev2.events import ChildSaEstablished
from vpnteach.wire.constants import AuthenticationAlgorithm
from vpnteach.wire.ikev2.constants import EncrId, IntegId

_INTEG: dict[int, AuthenticationAlgorithm] = {
    IntegId.AUTH_HMAC_MD5_96: AuthenticationAlgorithm.HMAC_MD5,
    IntegId.AUTH_HMAC_SHA1_96: AuthenticationAlgorithm.HMAC_SHA,
    IntegId.AUTH_HMAC_SHA2_256_128: AuthenticationAlgorithm.HMAC_SHA2_256,
}
"""IKEv2 integrity transform (RFC 7296 §3.3.2) -> the ESP layer's HMAC (RFC 2404, 4868)."""


def esp_integrity(integ_id: int | None) -> IntegrityAlgorithm:
    """The ESP HMAC for a negotiated IKEv2 integrity transform.

    Raises:
        GatewayConfigError: AES-GCM (no integrity transform) or an HMAC the ESP layer lacks.
    """
    if integ_id is None or integ_id not in _INTEG:
        raise GatewayConfigError(f"ESP integrity transform {integ_id}: not in the ESP layer")
    return get_integrity(_INTEG[integ_id])


def child_flow(spd: Spd, event: ChildSaEstablished) -> Flow | None:
    """The flow to the event's peer whose networks are the traffic selectors (or contain
    them: the selectors may have been narrowed, §2.9)."""
    flows = list(spd.flows_to(event.peer[0]))
    for flow in flows:
        if (flow.local_ident.network, flow.remote_ident.network) == (
            event.local_ts, event.remote_ts
        ):  # fmt: skip
            return flow
    return next(
        (f for f in flows if event.local_ts.subnet_of(f.local_ident.network)
         and event.remote_ts.subnet_of(f.remote_ident.network)),
        None,
    )  # fmt: skip


def child_sa(
    event: ChildSaEstablished, flow: Flow, *, inbound: bool, local: str, now: float, conn_id: int
) -> IpsecSa:
    """One direction of the Child SA as the SAD's :class:`IpsecSa` (AES-CBC + HMAC)."""
    entry = flow.crypto_map
    udp = UdpEncapsulation(4500, event.peer[1]) if event.udp_encapsulated else None
    return IpsecSa(
        Direction.INBOUND if inbound else Direction.OUTBOUND,
        int.from_bytes(event.spi_in if inbound else event.spi_out, "big"),
        local,
        event.peer[0],
        get_esp_cipher(EncrId.ENCR_AES_CBC, event.key_bits),
        event.encr_key_in if inbound else event.encr_key_out,
        esp_integrity(event.integ_id),
        event.integ_key_in if inbound else event.integ_key_out,
        ProxyIdentity(event.local_ts),
        ProxyIdentity(event.remote_ts),
        lifetime=Lifetime(entry.sa_lifetime_seconds, entry.sa_lifetime_kilobytes),
        created_at=now,
        udp=udp,
        crypto_map=entry.name,
        conn_id=conn_id,
    )
