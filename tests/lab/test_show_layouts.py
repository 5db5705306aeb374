"""The layouts of ``show crypto ikev2 sa [detailed]`` and ``show interfaces`` in GRE mode,
line for line as captured IOS output prints them (the sources are in the docstrings of
:mod:`vpnteach.ikev2.show` and :mod:`vpnteach.ios.interfaces`)."""

from __future__ import annotations

from vpnteach.gateway.ikev2_gateway import Ikev2Gateway
from vpnteach.ikev2.show import show_crypto_ikev2_sa
from vpnteach.lab import Lab

HEADING = "Tunnel-id Local                 Remote                fvrf/ivrf            Status"
# IOS 15's counter rows: the next Message ID three times, "Remote" 15 columns after the value
INITIATOR_ROWS = """      Local req msg id:  2              Remote req msg id:  0
      Local next msg id: 2              Remote next msg id: 0
      Local req queued:  2              Remote req queued:  0
      Local window:      1              Remote window:      1
"""


def test_detailed_counters_carry_the_next_message_ids_in_ios_columns() -> None:
    lab = Lab.seed(ike=2, form="vti", auth="pre-share")
    initiator = lab.branch1.exec("show crypto ikev2 sa detailed")
    assert INITIATOR_ROWS in initiator  # IKE_SA_INIT and IKE_AUTH used IDs 0 and 1
    responder = lab.branch2.exec("show crypto ikev2 sa detailed")
    assert "      Local req msg id:  0              Remote req msg id:  2\n" in responder
    assert "NAT-T is not detected\n      Cisco Trust Security SGT is disabled\n" in initiator


def test_every_ikev2_sa_has_its_own_heading() -> None:
    lab = Lab.seed(ike=2, form="vti", auth="pre-share")
    gateway = lab.branch1.gateway
    assert isinstance(gateway, Ikev2Gateway)
    (sa,) = gateway.v2.sas.values()
    shown = show_crypto_ikev2_sa([sa, sa], "10.1.1.1", sa.created)
    assert shown.count(HEADING) == 2
    assert shown.splitlines()[:3] == [" IPv4 Crypto IKEv2  SA", "", HEADING]


def test_a_gre_mode_tunnel_shows_the_gre_lines_under_its_protocol_line() -> None:
    lab = Lab.seed(ike=2, form="vti", auth="pre-share")
    lab.branch1.configure("interface Tunnel0\n tunnel mode gre ip\n")
    shown = lab.branch1.exec("show interfaces Tunnel0")
    assert (
        "  Tunnel protocol/transport GRE/IP\n"
        "    Key disabled, sequencing disabled\n"
        "    Checksumming of packets disabled\n"
        "  Tunnel TTL 255\n"
        "  Fast tunneling enabled\n"
        "  Tunnel transmit bandwidth 8000 (kbps)\n"
    ) in shown
    ipsec = lab.branch2.exec("show interfaces Tunnel0")
    assert "  Tunnel protocol/transport IPSEC/IP\n  Tunnel TTL 255\n  Tunnel transmit" in ipsec
