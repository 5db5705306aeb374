"""Wireshark's ESP key table (``esp_sa``): one line per SA so tshark decrypts our ESP.

Wireshark's ESP dissector looks an SA up by (protocol, source, destination, SPI) and needs the
cipher and integrity algorithm with their keys. The table can be passed to tshark as
``-o 'uat:esp_sa:<line>'`` (with ``esp.enable_encryption_decode`` and
``esp.enable_authentication_check`` on) or written to a file named ``esp_sa`` in the folder
``WIRESHARK_CONFIG_DIR`` points to: what a learner's Wireshark reads too.
"""

from __future__ import annotations

from vpnteach.esp.sa import Direction, IpsecSa

#: vpnteach cipher name -> the name in Wireshark's ESP preferences (tshark 4.0).
WIRESHARK_CIPHERS: dict[str, str] = {
    "des": "DES-CBC [RFC2405]",
    "3des": "TripleDES-CBC [RFC2451]",
    "aes128": "AES-CBC [RFC3602]",
    "aes192": "AES-CBC [RFC3602]",
    "aes256": "AES-CBC [RFC3602]",
    "aes128gcm16": "AES-GCM with 16 octet ICV [RFC4106]",
    "aes192gcm16": "AES-GCM with 16 octet ICV [RFC4106]",
    "aes256gcm16": "AES-GCM with 16 octet ICV [RFC4106]",
}
#: The authentication algorithm of a combined mode (AES-GCM): its ICV is the cipher's.
NO_INTEGRITY = "NULL"

TSHARK_ESP_OPTIONS: tuple[str, ...] = (
    "-o",
    "esp.enable_encryption_decode:TRUE",
    "-o",
    "esp.enable_authentication_check:TRUE",
)
"""tshark options that switch ESP decryption and ICV checking on."""


def esp_sa_line(sa: IpsecSa) -> str:
    """The ``esp_sa`` UAT record for ``sa`` (addresses as they appear in the outer header)."""
    src, dst = (sa.local, sa.peer) if sa.direction is Direction.OUTBOUND else (sa.peer, sa.local)
    fields = (
        "IPv4",
        src,
        dst,
        f"0x{sa.spi:08x}",
        WIRESHARK_CIPHERS[sa.cipher.name],
        f"0x{sa.encryption_key.hex()}",  # with AES-GCM: key | salt, as Wireshark wants it
        sa.integrity.wireshark_name if sa.integrity is not None else NO_INTEGRITY,
        f"0x{sa.integrity_key.hex()}",
    )
    return ",".join(f'"{f}"' for f in fields)


def esp_sa_table(sas: list[IpsecSa]) -> str:
    """The contents of an ``esp_sa`` file for ``sas`` (one record per line)."""
    return "".join(esp_sa_line(sa) + "\n" for sa in sas)


def tshark_esp_args(sas: list[IpsecSa]) -> list[str]:
    """tshark command-line options that decrypt and verify ``sas``."""
    args = list(TSHARK_ESP_OPTIONS)
    for sa in sas:
        args += ["-o", f"uat:esp_sa:{esp_sa_line(sa)}"]
    return args
