"""``receive_datagram`` drops only the package's own input errors; a bug propagates.

A datagram that does not decode, decrypt, fit the payload rules, arrive in state or pass the
protocol checks raises a :class:`~vpnteach.wire.errors.InputError` inside the engine and is
counted as a drop; any other exception (a bug) reaches the caller, so the tests fail on it
(the real router process logs it with its traceback: tests/realnet/test_router_units.py).
"""

from __future__ import annotations

import pytest

from tests.ike.harness import B1, B2, Pair, branch_config
from vpnteach.ike import main_mode
from vpnteach.ike.context import IkeError
from vpnteach.ike.machine import TransitionError
from vpnteach.ike.protection import ProtectionError
from vpnteach.ike.rules import PayloadRuleError
from vpnteach.wire.errors import DecodeError, InputError


def _mm1() -> tuple[Pair, bytes]:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    return pair, pair.b1.datagrams_to_send(pair.now)[0].data


def test_the_input_errors_share_one_base_class() -> None:
    for error in (DecodeError, ProtectionError, PayloadRuleError, TransitionError, IkeError):
        assert issubclass(error, InputError) and issubclass(error, ValueError)


def test_a_bug_in_a_handler_propagates_instead_of_becoming_a_counted_drop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair, mm1 = _mm1()

    def planted(*args: object, **kwargs: object) -> object:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(main_mode, "offered_policies", planted)
    with pytest.raises(RuntimeError, match="planted bug"):
        pair.b2.receive_datagram(mm1, (B1, 500), pair.now)
    assert not any(key.startswith("dropped") for key in pair.b2.stats)


def test_a_truncated_mm1_is_a_counted_drop_that_names_the_decode_error() -> None:
    pair, mm1 = _mm1()
    pair.b2.receive_datagram(mm1[:30], (B1, 500), pair.now)
    assert pair.b2.stats["dropped_DecodeError"] == 1
    assert "dropping message: ISAKMP header" in pair.b2.debug_log()


def test_a_main_mode_message_after_phase_1_is_out_of_state_by_the_table() -> None:
    pair, mm1 = _mm1()
    pair.b2.receive_datagram(mm1, (B1, 500), pair.now)
    pair.run()
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.established
    # The MM1 with its last byte changed (not a retransmission): the Main Mode table has no
    # row for a peer's Main Mode message in IKE_P1_COMPLETE.
    changed = mm1[:-1] + bytes([mm1[-1] ^ 1])
    pair.b2.receive_datagram(changed, (B1, 500), pair.now)
    assert pair.b2.stats["out_of_state"] == 1 and pair.b2.stats["dropped_TransitionError"] == 1
    assert sa.established
