"""Ring (vpnteach.trace): a plain list when unbounded, a trimming one when bounded, whichever
way the limit is set, and copies of an endpoint that records into one keep working.

A bounded ring is a ``_BoundedRing`` whose ``append`` trims; an unbounded one keeps
``list.append``. An earlier attempt bound ``self.append`` on the instance, and deep copies of
a lab's endpoint recursed without end (the fuzz snapshots grew to 7 GB): the copies here are
checked to finish and to behave like the original.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from tests.ike.harness import B2, Pair, branch_config
from vpnteach.trace import Ring


def test_an_unbounded_ring_appends_with_list_append_and_keeps_everything() -> None:
    ring: Ring[int] = Ring()
    for i in range(1000):
        ring.append(i)
    assert type(ring).append is list.append
    assert list(ring) == list(range(1000)) and ring.total == 1000 and ring.dropped == 0


@pytest.mark.parametrize("late", [False, True], ids=["limit at creation", "limit set later"])
def test_a_bounded_ring_keeps_between_limit_and_twice_limit_newest_items(late: bool) -> None:
    ring: Ring[int] = Ring() if late else Ring(3)
    if late:
        ring.limit = 3  # how the gateway bounds its recorder's ring
    for i in range(10):
        ring.append(i)
    # 7 items > 2 * 3: trimmed to the newest 3, then 3 more appended
    assert list(ring) == [4, 5, 6, 7, 8, 9] and ring.dropped == 4 and ring.total == 10
    assert ring.since(8) == [8, 9] and ring.since(0) == [4, 5, 6, 7, 8, 9]


def test_lifting_the_limit_makes_the_ring_keep_everything_again() -> None:
    ring: Ring[int] = Ring(2)
    ring.limit = None
    for i in range(100):
        ring.append(i)
    assert len(ring) == 100 and type(ring).append is list.append


def test_a_limit_below_one_is_refused_with_its_value() -> None:
    with pytest.raises(ValueError, match="at least 1 item, not 0"):
        Ring(0)
    ring: Ring[int] = Ring()
    with pytest.raises(ValueError, match="at least 1 item, not -5"):
        ring.limit = -5


@pytest.mark.parametrize(
    "clone", [copy.copy, copy.deepcopy, lambda r: pickle.loads(pickle.dumps(r))]
)
def test_copies_of_a_bounded_ring_go_on_trimming(clone: object) -> None:
    ring: Ring[int] = Ring(3)
    for i in range(10):
        ring.append(i)
    other = clone(ring)  # type: ignore[operator]
    for i in range(10, 13):
        other.append(i)
    # [4..9] + 10 -> 7 items > 6: trimmed to [8, 9, 10]; then 11, 12
    assert list(other) == [8, 9, 10, 11, 12] and other.dropped == 8 and other.total == 13


def test_a_deep_copy_of_a_keyed_endpoint_sends_what_the_original_sends() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"), seed=5)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    twin = copy.deepcopy(pair.b1)
    assert list(twin.recorder.records) == list(pair.b1.recorder.records)
    sent = []
    for endpoint in (pair.b1, twin):
        # an encrypted informational exchange under the ISAKMP SA's keys and IV chains
        endpoint.send_dpd(B2, pair.now + 1, sequence=7)
        sent.append([d.data for d in endpoint.datagrams_to_send(pair.now + 1)])
        endpoint.recorder.records.append(endpoint.recorder.records[-1])
    assert sent[0] and sent[0] == sent[1]
