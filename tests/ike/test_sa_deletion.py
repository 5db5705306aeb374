"""The end of an ISAKMP SA is a recorded move to IOS's IKE_DEST_SA, with IOS's log lines.

Reference (a public IOS 15 ``debug crypto isakmp`` of a received Delete, blog post "Cisco IOS
VPN error: peer does not do paranoid keepalives", 2013)::

    ISAKMP:(9577):deleting SA reason "No reason" state (I) QM_IDLE       (peer 77.77.77.77)
    ISAKMP:(9577):Input = IKE_MESG_INTERNAL, IKE_PHASE1_DEL
    ISAKMP:(9577):Old State = IKE_P1_COMPLETE  New State = IKE_DEST_SA
"""

from __future__ import annotations

import re

import pytest

from tests.ike.harness import B1, B2, Pair, branch_config
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.records import MoveRecorded
from vpnteach.ike.states import PHASE1_DEL, TIMER_EXPIRED, IkeState
from vpnteach.ike.transitions import MAIN_MODE, to_dot

S = IkeState
# the IOS line above, with IOS's column padding of the state collapsed
DELETING = re.compile(r'deleting SA reason "(?P<reason>[^"]+)" state \((?P<role>[IR])\) '
                      r"(?P<state>\w+) \(peer (?P<peer>[\d.]+)\)")  # fmt: skip


def _last_move(ep: IkeEndpoint) -> tuple[str, S, S]:
    move: MoveRecorded = ep.recorder.moves()[-1]
    return str(move.input), move.old_state, move.new_state


def _deleting(ep: IkeEndpoint) -> list[tuple[str, str, str, str]]:
    found = DELETING.finditer(ep.debug_log())
    return [(m["reason"], m["role"], m["state"], m["peer"]) for m in found]


def _established() -> Pair:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    return pair


def test_a_received_delete_moves_the_sa_to_ike_dest_sa_as_ios_logs_it() -> None:
    pair = _established()
    pair.b1.delete_isakmp_sa(B2, pair.now)
    pair.run()
    assert _last_move(pair.b2) == (str(PHASE1_DEL), S.IKE_P1_COMPLETE, S.IKE_DEST_SA)
    assert str(PHASE1_DEL) == "IKE_MESG_INTERNAL, IKE_PHASE1_DEL"
    # IOS logs the reason before the move and again after it
    assert _deleting(pair.b2) == [("No reason", "R", "QM_IDLE", B1)] * 2
    log = pair.b2.debug_log()
    assert log.index("Input = IKE_MESG_INTERNAL, IKE_PHASE1_DEL") < log.rindex("deleting SA")
    assert "Old State = IKE_P1_COMPLETE New State = IKE_DEST_SA" in log


def test_clear_crypto_isakmp_moves_our_own_sa_to_ike_dest_sa() -> None:
    pair = _established()
    pair.b1.delete_isakmp_sa(B2, pair.now)
    assert _last_move(pair.b1) == (str(PHASE1_DEL), S.IKE_P1_COMPLETE, S.IKE_DEST_SA)
    assert _deleting(pair.b1)[0] == ("clear crypto isakmp", "I", "QM_IDLE", B2)


def test_retransmission_give_up_is_death_by_retransmission_from_the_timer() -> None:
    ep = IkeEndpoint(branch_config("Branch1"), name="lonely")
    now = 0.0
    ep.initiate(B2, now)
    while (t := ep.get_timer()) is not None:
        now = t
        ep.handle_timer(now)
    assert _last_move(ep) == (str(TIMER_EXPIRED), S.IKE_I_MM1, S.IKE_DEST_SA)
    assert str(TIMER_EXPIRED) == "IKE_MESG_FROM_TIMER, IKE_TIMER_EXPIRED"
    assert _deleting(ep)[0] == ("Death by retransmission P1", "I", "MM_NO_STATE", B2)
    assert ep.isakmp_sa(B2) is None


def test_lifetime_expiry_ends_both_sides_in_ike_dest_sa() -> None:
    short = IsakmpPolicy(priority=10, encryption="3des", hash="md5", lifetime=600)
    pair = Pair.make(branch_config("Branch1", policy=short), branch_config("Branch2", policy=short))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    timer = pair.b1.get_timer()
    assert timer is not None
    pair.now = timer
    pair.b1.handle_timer(timer)
    pair.run()
    assert _last_move(pair.b1) == (str(TIMER_EXPIRED), S.IKE_P1_COMPLETE, S.IKE_DEST_SA)
    assert _last_move(pair.b2) == (str(PHASE1_DEL), S.IKE_P1_COMPLETE, S.IKE_DEST_SA)
    assert _deleting(pair.b1)[0][0] == "ISAKMP SA lifetime expired"


def test_a_refused_proposal_ends_both_sas_in_ike_dest_sa() -> None:
    other = IsakmpPolicy(priority=10, encryption="aes 256", hash="sha")
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2", policy=other))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    assert _last_move(pair.b2)[1:] == (S.IKE_R_MM1, S.IKE_DEST_SA)
    assert _last_move(pair.b1)[1:] == (S.IKE_I_MM1, S.IKE_DEST_SA)  # NO_PROPOSAL_CHOSEN came
    assert "phase 1 SA policy not acceptable" in _deleting(pair.b2)[0][0]


def test_an_sa_is_deleted_once_and_dies_only_from_live_states() -> None:
    pair = _established()
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None
    pair.b2.ctx.destroy(sa, "first")
    pair.b2.ctx.destroy(sa, "second")  # already dead: nothing more is recorded
    assert [r for r, *_ in _deleting(pair.b2)] == ["first", "first"]
    assert not MAIN_MODE.allows(S.IKE_DEST_SA, PHASE1_DEL)


@pytest.mark.parametrize("state", [s for s in MAIN_MODE.states() if s is not S.IKE_DEST_SA])
def test_every_main_mode_state_has_a_move_to_ike_dest_sa(state: IkeState) -> None:
    assert MAIN_MODE.lookup(state, PHASE1_DEL).next_state is S.IKE_DEST_SA
    assert f'"{state.value}" -> "IKE_DEST_SA"' in to_dot(MAIN_MODE)
