"""The Wireshark ``esp_sa`` row of a gateway's IPsec SA, for the lab and the real router.

Both write the key tables of :mod:`vpnteach.net.sim.keys` from the SAs their gateways installed
(RFC 4301 §4.4.2: an SA is found by SPI and outer addresses), so the row is built here, below
both of them.
"""

from __future__ import annotations

from vpnteach.esp.sa import Direction, IpsecSa
from vpnteach.net.sim.keys import EspKey


def esp_sa_key(sa: IpsecSa) -> EspKey:
    """The Wireshark ``esp_sa`` row of ``sa`` (outer source/destination as on the wire)."""
    outbound = sa.direction is Direction.OUTBOUND
    src, dst = (sa.local, sa.peer) if outbound else (sa.peer, sa.local)
    integrity = sa.integrity.wireshark_name if sa.integrity is not None else "null"  # AES-GCM
    return EspKey(
        src, dst, sa.spi, sa.cipher.name, sa.encryption_key, integrity, sa.integrity_key
    )  # fmt: skip
