"""What a peer chooses must not grow the endpoint's tables or forge lines of its output.

* An FQDN identity is the peer's bytes: a newline or an ANSI escape in it becomes one ``?``
  wherever the identity is shown (``show crypto ikev2 sa detailed``, the reason of a failed
  negotiation), as strongSwan's ``chunk_printable`` does, so it cannot start a line of its
  own (a router's ``show`` output keeps its newlines, :func:`~vpnteach.wire.printable.
  printable_lines`).
* An exception inside a handler is a bug, counted by its type: its text (which may quote the
  peer) is kept once, not as one counter per distinct text; ``show router counters`` says
  how many (``ikev2 internal errors``).
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.ikev2.harness import B1, B2, Pair, pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.ikev2 import endpoint
from vpnteach.ikev2.config import Identity
from vpnteach.ikev2.context import Context, Received
from vpnteach.ikev2.events import NegotiationFailed
from vpnteach.ikev2.sa import IkeSa
from vpnteach.ikev2.show import show_crypto_ikev2_sa
from vpnteach.ikev2.sk import seal
from vpnteach.ikev2.transitions import State
from vpnteach.router.commands import ikev2_counters
from vpnteach.wire.ikev2.constants import ExchangeType, Flags, IdType
from vpnteach.wire.ikev2.message import Ikev2Header

FORGED = b"evil\n%CRYPTO-4-FORGED: trust me\x1b[31m"


def _with_identity(p: Pair, data: bytes) -> None:
    """Branch1 (``a``) calls itself ``data`` (ID_FQDN) in IKE_AUTH."""
    peer = dataclasses.replace(p.a.config.peers[0], local_id=Identity(IdType.ID_FQDN, data))
    p.a.ctx.config = dataclasses.replace(p.a.config, peers=(peer,))


def test_a_control_character_in_the_peers_fqdn_is_a_question_mark_in_show() -> None:
    p = pair(seed="peer-text", b_remote_id=False)  # Branch2 accepts any identity the PSK proves
    _with_identity(p, FORGED)
    p.a.initiate(B2, p.now)
    p.run()
    (sa,) = p.b.sas.values()
    assert sa.established
    shown = show_crypto_ikev2_sa(p.b.sas.values(), B2, p.now, detail=True)
    assert "Remote id: evil?%CRYPTO-4-FORGED: trust me?[31m\n" in shown, shown
    assert "\x1b" not in shown
    assert not [line for line in shown.splitlines() if line.startswith("%CRYPTO")]


def test_a_refused_fqdn_is_quoted_with_question_marks_in_the_failure() -> None:
    p = pair(seed="peer-text")  # Branch2 wants 10.1.1.1 (ID_IPV4_ADDR)
    _with_identity(p, FORGED)
    p.a.initiate(B2, p.now)
    p.run()
    (failed,) = [e for e in p.events["b"] if isinstance(e, NegotiationFailed)]
    assert "evil?%CRYPTO-4-FORGED: trust me?[31m" in failed.reason, failed.reason


def test_handler_bugs_are_counted_by_type_not_by_text(monkeypatch: pytest.MonkeyPatch) -> None:
    p = pair(seed="peer-text")
    p.a.initiate(B2, p.now)
    p.run()
    (a_sa,), (b_sa,) = p.a.sas.values(), p.b.sas.values()
    calls = iter(range(1000))

    def buggy(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
        raise RuntimeError(f"a bug quoting the peer, call {next(calls)}")

    monkeypatch.setitem(endpoint.HANDLERS, "receive_informational_request", buggy)
    counters = len(p.b.stats)
    mid = b_sa.expected_request_id
    header = Ikev2Header(
        a_sa.spi_i, a_sa.spi_r, ExchangeType.INFORMATIONAL, int(Flags.INITIATOR), mid
    )
    rng = SeededRng("bugs")
    for _ in range(300):  # authentic requests, each one a new text in the bug's message
        p.b.receive_datagram(seal(header, [], a_sa.sk_out(), rng), (B1, 500), p.now)
    assert p.b.stats["dropped internal_error RuntimeError"] == 300
    assert ikev2_counters(p.b)["ikev2 internal errors"] == 300  # show router counters
    assert len(p.b.stats) <= counters + 2, sorted(p.b.stats)
    assert p.b.last_internal_error == "RuntimeError: a bug quoting the peer, call 299"
    assert b_sa.expected_request_id == mid  # and the SA did not move
