"""Wireshark key tables for a simulated run: ``ikev1_decryption_table`` and ``esp_sa``.

With these two files in the folder ``WIRESHARK_CONFIG_DIR`` names (or in a Wireshark profile),
Wireshark and tshark 4.0 decrypt a capture of the run:

- ``ikev1_decryption_table``: one line per IKE SA, ``<initiator cookie, 16 hex>,<Ka hex>``,
  unquoted (Ka is the expanded encryption key of RFC 2409 appendix B; Wireshark derives the IVs
  itself from MM1-MM4, so those must be in the capture);
- ``esp_sa``: one line per direction of each IPsec SA,
  ``"IPv4","<src>","<dst>","0x<spi>","<cipher>","0x<key>","<integrity>","0x<key>"``, with the
  outer addresses of the packets that SA protects;
- ``preferences``: turns ESP decryption and ICV checking on.

The formats are the ones the strongSwan fixtures proved with tshark 4.0.17
(``tests/fixtures/strongswan/*/wireshark/``). Inputs are plain values so the lab can fill them
from its own SAs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vpnteach._html import HtmlRepr
from vpnteach.esp.wireshark import WIRESHARK_CIPHERS

#: cipher names accepted here -> Wireshark's ESP encryption algorithm names (tshark 4.0)
ESP_CIPHERS: dict[str, str] = {
    **WIRESHARK_CIPHERS,
    "aes": WIRESHARK_CIPHERS["aes128"],
    "null": "NULL",
}
#: integrity names accepted here -> Wireshark's ESP authentication algorithm names
ESP_INTEGRITY: dict[str, str] = {
    "md5": "HMAC-MD5-96 [RFC2403]",
    "esp-md5-hmac": "HMAC-MD5-96 [RFC2403]",
    "sha1": "HMAC-SHA-1-96 [RFC2404]",
    "esp-sha-hmac": "HMAC-SHA-1-96 [RFC2404]",
    "sha256": "HMAC-SHA-256-128 [RFC4868]",
    "esp-sha256-hmac": "HMAC-SHA-256-128 [RFC4868]",
    "null": "NULL",
}
PREFERENCES = "esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n"


class KeyTableError(ValueError):
    """A key-table entry with an unknown algorithm or a malformed cookie, SPI or address."""


def _algorithm(name: str, table: dict[str, str], what: str) -> str:
    if name in table.values():
        return name
    try:
        return table[name.lower()]
    except KeyError:
        known = sorted(set(table) | set(table.values()))
        raise KeyTableError(f"unknown ESP {what} {name!r}; known: {known}") from None


@dataclass(frozen=True)
class IkeKey(HtmlRepr):
    """One IKEv1 SA for Wireshark: the initiator cookie (CKY-I) and the encryption key Ka."""

    cky_i: bytes
    ka: bytes

    def __post_init__(self) -> None:
        if len(self.cky_i) != 8:
            raise KeyTableError(f"CKY-I is 8 bytes (RFC 2408 §3.1), got {len(self.cky_i)}")

    def line(self) -> str:
        """The ``ikev1_decryption_table`` record (unquoted)."""
        return f"{self.cky_i.hex()},{self.ka.hex()}"


@dataclass(frozen=True)
class EspKey(HtmlRepr):
    """One direction of an IPsec SA for Wireshark (outer ``src`` -> ``dst``, ``spi``).

    ``cipher``: ``des``/``3des``/``aes128``/``aes192``/``aes256``, ``aes256gcm16`` ... (AES-GCM,
    RFC 4106: the key is KEYMAT, AES key then salt), or Wireshark's name; ``integrity``:
    ``md5``/``sha1``/``sha256``, the IOS ``esp-*-hmac`` names, Wireshark's, or ``null``.
    """

    src: str
    dst: str
    spi: int
    cipher: str
    encryption_key: bytes
    integrity: str
    integrity_key: bytes

    def line(self) -> str:
        """The ``esp_sa`` record (every field quoted)."""
        if not 0 <= self.spi <= 0xFFFFFFFF:
            raise KeyTableError(f"SPI is 32 bits (RFC 4303 §2.1), got {self.spi}")
        fields = (
            "IPv4", self.src, self.dst, f"0x{self.spi:08x}",
            _algorithm(self.cipher, ESP_CIPHERS, "cipher"), f"0x{self.encryption_key.hex()}",
            _algorithm(self.integrity, ESP_INTEGRITY, "integrity"),
            f"0x{self.integrity_key.hex()}",
        )  # fmt: skip
        return ",".join(f'"{f}"' for f in fields)


def wireshark_key_tables(ike_keys: list[IkeKey], esp_sas: list[EspKey]) -> dict[str, str]:
    """File name -> text of ``ikev1_decryption_table``, ``esp_sa`` and ``preferences``."""
    return {
        "ikev1_decryption_table": "".join(k.line() + "\n" for k in ike_keys),
        "esp_sa": "".join(k.line() + "\n" for k in esp_sas),
        "preferences": PREFERENCES,
    }


def write_wireshark_keys(
    folder: str | Path, ike_keys: list[IkeKey], esp_sas: list[EspKey]
) -> list[Path]:
    """Write ``ikev1_decryption_table``, ``esp_sa`` and ``preferences`` into ``folder``.

    Returns the paths written. Point ``WIRESHARK_CONFIG_DIR`` at ``folder`` (or copy the files
    into a Wireshark profile) and open the capture: IKE and ESP appear decrypted.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = wireshark_key_tables(ike_keys, esp_sas)
    for name, text in files.items():
        (out / name).write_text(text)
    return [out / name for name in files]


def tshark_options(ike_keys: list[IkeKey], esp_sas: list[EspKey]) -> list[str]:
    """The same tables as tshark ``-o`` options (no config folder needed)."""
    args = ["-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"]
    for ike in ike_keys:
        args += ["-o", f"uat:ikev1_decryption_table:{ike.line()}"]
    for esp in esp_sas:
        args += ["-o", f"uat:esp_sa:{esp.line()}"]
    return args
