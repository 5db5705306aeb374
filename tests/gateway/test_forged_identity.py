"""A newline or an escape sequence in an unauthenticated identity cannot forge a debug line.

Aggressive Mode sends the initiator's ID in the clear in AM1, before anything is
authenticated: whoever can send a UDP datagram chooses it. Here Branch1's AM1 is rewritten on
the way (same length, so every length field still holds) so that its FQDN carries a newline
followed by what looks like an IOS debug line, and an ANSI escape. The responder's
``debug crypto isakmp`` output must show the identity on its own line with ``?`` in place of
each unprintable character (strongSwan's ``chunk_printable``), no line of the attacker's
making, and no escape character at all.
"""

from __future__ import annotations

from tests.gateway.test_gateway import T0, config, pki
from vpnteach.crypto.rng import SeededRng
from vpnteach.gateway import Gateway
from vpnteach.labs.seed import variant_commands

FQDN = b"branch1.amit.com"
FORGED = b"a\nISAKMP: forge\x1b"  # as long as FQDN: the payload lengths stay right
AM_PEER = (
    "crypto isakmp peer address 10.2.2.1\n"
    " set aggressive-mode password cisco123\n"
    f" set aggressive-mode client-endpoint fqdn {FQDN.decode()}\n"
)


def test_a_forged_fqdn_in_am1_shows_as_one_line_with_question_marks() -> None:
    rng = SeededRng("forged-fqdn")
    b1_config = config("Branch1", variant_commands("Branch1", "seed", None, "pre-share") + AM_PEER)
    b2_config = config("Branch2", variant_commands("Branch2", "seed", None, "pre-share"))
    b1 = Gateway(b1_config, pki().routers["Branch1"], rng.fork("1"))
    b2 = Gateway(b2_config, pki().routers["Branch2"], rng.fork("2"))
    b1.initiate("10.2.2.1", T0)
    (am1,) = b1.datagrams_to_send(T0)
    assert am1.data.count(FQDN) == 1 and len(FORGED) == len(FQDN)
    b2.receive_datagram(am1.data.replace(FQDN, FORGED), ("10.1.1.1", 500), T0 + 0.01)
    log = b2.ike.debug_log()
    assert "FQDN name    : a?ISAKMP: forge?" in log
    assert "\x1b" not in log
    lines = log.splitlines()
    assert not [line for line in lines if line.partition(": ")[2].startswith("ISAKMP: forge")]
    assert sum("ISAKMP: forge" in line for line in lines) == 1  # only inside the FQDN line
