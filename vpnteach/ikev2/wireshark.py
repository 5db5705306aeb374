"""Wireshark's IKEv2 decryption table (``ikev2_decryption_table``): one line per IKE SA.

Wireshark cannot derive IKEv2 keys itself (it never sees g^ir), so it looks an IKE SA up by
its two SPIs and needs SK_ei, SK_er, SK_ai, SK_ar and the algorithms by their names in its
preferences (tshark 4.0). The record can be passed as ``-o 'uat:ikev2_decryption_table:<line>'``
or written to a file named ``ikev2_decryption_table`` in the folder ``WIRESHARK_CONFIG_DIR``
points to: what a learner's Wireshark reads too.
"""

from __future__ import annotations

from pathlib import Path

from vpnteach.ikev2.keymat import IkeSaKeys
from vpnteach.ikev2.proposals import IkeSuite
from vpnteach.wire.ikev2.constants import EncrId, IntegId

TABLE_FILE = "ikev2_decryption_table"


def _encryption_name(suite: IkeSuite) -> str:
    bits = suite.encr.key_bits
    if suite.encr.encr_id == EncrId.ENCR_AES_GCM_16:
        return f"AES-GCM-{bits} with 16 octet ICV [RFC5282]"
    return f"AES-CBC-{bits} [RFC3602]"


_INTEGRITY_NAMES: dict[int, str] = {
    IntegId.AUTH_HMAC_MD5_96: "HMAC_MD5_96 [RFC2403]",
    IntegId.AUTH_HMAC_SHA1_96: "HMAC_SHA1_96 [RFC2404]",
    IntegId.AUTH_HMAC_SHA2_256_128: "HMAC_SHA2_256_128 [RFC4868]",
    IntegId.AUTH_HMAC_SHA2_384_192: "HMAC_SHA2_384_192 [RFC4868]",
    IntegId.AUTH_HMAC_SHA2_512_256: "HMAC_SHA2_512_256 [RFC4868]",
}


def decryption_table_line(spi_i: bytes, spi_r: bytes, keys: IkeSaKeys, suite: IkeSuite) -> str:
    """The UAT record: SPIi, SPIr, SK_ei, SK_er, encryption, SK_ai, SK_ar, integrity."""
    integ = "NONE [RFC4306]" if suite.integ is None else _INTEGRITY_NAMES[suite.integ.integ_id]
    # tshark 4.0 reads the hex fields bare and the algorithm names quoted (a quoted SPI is
    # refused: "Length of Initiator's SPI must be 8 octets")
    fields = (
        spi_i.hex(),
        spi_r.hex(),
        keys.sk_ei.hex(),
        keys.sk_er.hex(),
        f'"{_encryption_name(suite)}"',
        keys.sk_ai.hex(),
        keys.sk_ar.hex(),
        f'"{integ}"',
    )
    return ",".join(fields)


def write_decryption_table(folder: Path, lines: list[str]) -> Path:
    """Write ``ikev2_decryption_table`` into ``folder`` (a ``WIRESHARK_CONFIG_DIR``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TABLE_FILE
    path.write_text("".join(line + "\n" for line in lines))
    return path
