"""The Wireshark key tables a router process keeps in ``vpnteach router run --keys DIR``.

With ``WIRESHARK_CONFIG_DIR=DIR``, Wireshark and tshark decrypt a capture of the router's WAN:

* ``ikev1_decryption_table``: ``CKY-I,Ka`` per ISAKMP SA (Wireshark derives the IVs itself);
* ``ikev2_decryption_table`` (IKEv2 only): SPIi, SPIr, SK_ei, SK_er, SK_ai, SK_ar and the
  algorithms per IKE SA (RFC 7296 §2.14; Wireshark never sees g^ir, so it needs every key),
  the SAs a CREATE_CHILD_SA rekey made (§1.3.2) included;
* ``esp_sa``: one row per direction of every ESP SA (RFC 4301 §4.4.2), and ``preferences``.

The process writes them through the directory descriptor it opened at start, mode 0600
(:func:`vpnteach.router.safefiles.write_file_at`).
"""

from __future__ import annotations

from vpnteach.gateway import Gateway, Ikev2Gateway
from vpnteach.gateway.wireshark import esp_sa_key
from vpnteach.ikev2.wireshark import TABLE_FILE
from vpnteach.net.sim.keys import IkeKey, wireshark_key_tables

KEY_FILES = frozenset({*wireshark_key_tables([], []), TABLE_FILE})
"""Every file name the router may write in its keys directory."""


def key_tables(gateway: Gateway) -> dict[str, str]:
    """File name -> text of the tables for every SA ``gateway`` still keeps the keys of."""
    ike = {cky: IkeKey(cky, ka) for cky, ka in gateway.ike_keys}
    esp = {(k.src, k.dst, k.spi): k for k in map(esp_sa_key, gateway.installed)}
    tables = wireshark_key_tables(list(ike.values()), list(esp.values()))
    if isinstance(gateway, Ikev2Gateway):
        tables[TABLE_FILE] = "".join(line + "\n" for line in dict.fromkeys(gateway.ikev2_keys))
    return tables
