"""The 64-packet anti-replay window (RFC 4303 §3.4.3), against a plain set-based model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpnteach.esp.replay import ReplayVerdict, ReplayWindow


def test_first_packets_are_new_and_their_repeats_are_duplicates() -> None:
    w = ReplayWindow()
    assert [w.accept(s) for s in (1, 2, 3)] == [ReplayVerdict.NEW] * 3
    assert w.check(2) is ReplayVerdict.DUPLICATE
    assert w.received() == [3, 2, 1]


def test_a_late_packet_inside_the_window_is_accepted_once() -> None:
    w = ReplayWindow()
    w.accept(10)
    assert w.accept(5) is ReplayVerdict.IN_WINDOW
    assert w.accept(5) is ReplayVerdict.DUPLICATE


def test_window_edges_at_64() -> None:
    w = ReplayWindow()
    w.accept(100)
    assert w.check(37) is ReplayVerdict.IN_WINDOW  # 100 - 63: the leftmost slot
    assert w.check(36) is ReplayVerdict.TOO_OLD  # 100 - 64: just outside


def test_a_big_jump_forgets_the_old_window() -> None:
    w = ReplayWindow()
    for s in range(1, 50):
        w.accept(s)
    assert w.accept(1_000_000) is ReplayVerdict.NEW
    assert w.received() == [1_000_000]
    assert w.check(49) is ReplayVerdict.TOO_OLD
    assert w.check(999_999) is ReplayVerdict.IN_WINDOW


def test_check_does_not_move_the_window() -> None:
    w = ReplayWindow()
    w.accept(5)
    assert w.check(500) is ReplayVerdict.NEW
    assert w.top == 5 and w.check(4) is ReplayVerdict.IN_WINDOW


def test_sequence_zero_is_rejected() -> None:
    assert not ReplayWindow().check(0).ok


def test_windows_smaller_than_32_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        ReplayWindow(size=16)


@given(st.lists(st.integers(min_value=1, max_value=300), max_size=200))
def test_window_agrees_with_a_set_model(seqs: list[int]) -> None:
    w, seen, top = ReplayWindow(), set(), 0
    for s in seqs:
        if s in seen and s > top - 64:
            expected = ReplayVerdict.DUPLICATE
        elif s > top:
            expected = ReplayVerdict.NEW
        elif s <= top - 64:
            expected = ReplayVerdict.TOO_OLD
        else:
            expected = ReplayVerdict.IN_WINDOW
        assert w.accept(s) is expected
        if expected.ok:
            seen.add(s)
            top = max(top, s)
