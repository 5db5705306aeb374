"""IOS system messages a lab router prints on its console unasked, whatever ``debug`` says.

Texts as IOS 12.4 prints them (Cisco IOS System Message Guide, CRYPTO facility; the IPsec
messages also in Cisco's tech note 115801, "IPsec %RECVD_PKT_INV_SPI Errors"):

* ``%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is ON`` / ``OFF`` -- the first crypto map is applied to an
  interface (IKE starts listening on UDP 500), or the last one is removed;
* ``%CRYPTO-4-RECVD_PKT_INV_SPI`` -- ESP arrived for an SPI this router has no SA for (the
  peers' SAs are out of step, e.g. after ``clear crypto sa`` on one side);
* ``%CRYPTO-4-RECVD_PKT_NOT_IPSEC`` -- a cleartext packet arrived that the crypto map says
  must come inside ESP;
* ``%CRYPTO-4-IKMP_BAD_MESSAGE`` -- an IKE message failed its sanity check (the IKE record
  :class:`~vpnteach.ike.records_endpoint.BadMessage` carries the text).

The enrollment's ``%PKI-6-CERTRET`` is :mod:`vpnteach.labs.enroll`'s.
"""

from __future__ import annotations

from vpnteach.esp.esp import DropReason
from vpnteach.ike.records import LogLine
from vpnteach.ike.records_endpoint import BadMessage
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ip import IpProtocol, decode_ipv4

SYSLOG_RECORDS: tuple[type[LogLine], ...] = (BadMessage,)
"""IKE records that are system messages: printed even without ``debug crypto isakmp``."""

NOT_IPSEC = "%CRYPTO-4-RECVD_PKT_NOT_IPSEC"


def isakmp_on_off(on: bool) -> str:
    """``%CRYPTO-6-ISAKMP_ON_OFF``: IKE starts (a crypto map applied) or stops."""
    return f"%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is {'ON' if on else 'OFF'}"


def discard_message(packet: bytes, reason: str) -> str | None:
    """The system message IOS logs for an inbound packet the crypto map dropped for
    ``reason`` (``None``: IOS logs none for that reason)."""
    try:
        ip = decode_ipv4(packet, verify_checksum=False)
    except DecodeError:
        return None
    h = ip.header
    if reason.startswith(DropReason.NO_SA.value) and h.protocol == IpProtocol.ESP:
        if len(ip.payload) < 4:
            return None
        spi = int.from_bytes(ip.payload[:4], "big")
        return (
            "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for "
            f"destaddr={h.dst}, prot={h.protocol}, spi=0x{spi:X}({spi}), srcaddr={h.src}"
        )
    if reason.startswith(NOT_IPSEC):
        return (
            f"{NOT_IPSEC}: Rec'd packet not an IPSEC packet. (ip) vrf/dest_addr= /{h.dst}, "
            f"src_addr= {h.src}, prot= {h.protocol}"
        )
    return None
