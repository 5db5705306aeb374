"""The ISAKMP SA is a few small pieces, each present once Main Mode has produced it.

Issue 13 item 5: no bag of optional fields, a typed role, no temporary mutation. The pieces
are checked after every step of the seed run (RFC 2409 §5.1: MM1..MM6) and of an Aggressive
Mode run (§5.4: AM1..AM3), against what each message of the RFC makes known.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

from tests.ike.harness import B1, B2, Pair, branch_config
from vpnteach.ike.authenticators import PreShareAuthenticator, RsaSigAuthenticator
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.sa import IsakmpSa, Role
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import AGGRESSIVE_MODE, MAIN_MODE, QUICK_MODE

S = IkeState
PSK = "cisco123"
PSK_POLICY = IsakmpPolicy(priority=10, encryption="3des", authentication="pre-share", hash="md5")


def _pieces(sa: IsakmpSa) -> tuple[bool, ...]:
    """Which pieces exist: negotiated, own KE, keying, our ID, the peer's ID."""
    return (
        sa.negotiated is not None,
        sa.exchange is not None,
        sa.keying is not None,
        sa.my_id_b is not None,
        sa.peer_id is not None,
    )


def test_isakmp_sa_has_at_most_15_fields() -> None:
    names = [f.name for f in dataclasses.fields(IsakmpSa)]
    assert len(names) <= 15, names
    assert len(names) == len(set(names))


def test_every_piece_of_the_sa_is_typed_not_a_string_or_a_bag_of_optionals() -> None:
    hints = {f.name: str(f.type) for f in dataclasses.fields(IsakmpSa)}
    assert hints["role"] == "Role"
    # at most the pieces that are learnt during Main Mode may be absent
    optional = {name for name, hint in hints.items() if "None" in hint}
    assert optional == {"negotiated", "exchange", "keying", "my_id_b", "peer_id", "nat", "expires"}


def test_main_mode_pieces_appear_when_rfc_2409_makes_them_known() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    i = pair.b1.isakmp_sa(B2)
    assert i is not None and i.role is Role.INITIATOR and _pieces(i) == (False,) * 5
    assert i.sai_b and i.cky_r == bytes(8)  # MM1 sent: the offer, no responder cookie yet
    pair.step()  # MM1 -> responder, MM2 -> initiator, which sends MM3 (its KE and Ni)
    r = pair.b2.isakmp_sa(B1)
    assert r is not None and r.role is Role.RESPONDER
    assert _pieces(r) == (True, False, False, False, False)  # the transform, nothing secret
    assert _pieces(i) == (True, True, False, False, False)
    assert i.cky_r == r.cky_r != bytes(8)
    pair.step()  # MM3 -> responder (keys), MM4 -> initiator (keys), which sends MM5 (its ID)
    assert _pieces(r) == (True, True, True, False, False)
    assert _pieces(i) == (True, True, True, True, False)
    assert i.keying is not None and r.keying is not None
    assert i.keying.keys == r.keying.keys and i.conn_id == r.conn_id == 1001
    assert (i.keying.g_xi, i.keying.g_xr) == (r.keying.g_xi, r.keying.g_xr)
    assert not i.established and not r.established
    pair.step()  # MM5 -> responder (the initiator's ID, proven), MM6 -> initiator
    assert _pieces(r) == _pieces(i) == (True,) * 5 and r.established and i.established
    assert i.peer_id is not None and i.peer_id.text == "Branch2.amit.com"
    assert i.my_id_b == (r.peer_id.id_b if r.peer_id else None)
    assert isinstance(i.negotiated and i.negotiated.authenticator, RsaSigAuthenticator)


def test_aggressive_mode_commits_to_a_method_without_setting_a_provisional_suite() -> None:
    c1 = branch_config("Branch1", policy=PSK_POLICY, psk=PSK, pki=False)
    c2 = branch_config("Branch2", policy=PSK_POLICY, psk=PSK, pki=False)
    pair = Pair.make(dataclasses.replace(c1, aggressive_mode_peers=(B2,)), c2)
    pair.b1.initiate(B2, pair.now)
    i = pair.b1.isakmp_sa(B2)
    assert i is not None and i.state == S.IKE_I_AM1
    # AM1 carried KE, Ni and IDii: our half of the exchange exists, the negotiation does not
    assert _pieces(i) == (False, True, False, True, False)
    pair.step()  # AM1 -> responder (keys and IDii at once), AM2 -> initiator (done), AM3 out
    r = pair.b2.isakmp_sa(B1)
    assert r is not None and r.state == S.IKE_R_AM2
    assert _pieces(r) == (True, True, True, True, True)
    assert i.established and _pieces(i) == (True, True, True, True, True)
    assert i.negotiated is not None
    assert isinstance(i.negotiated.authenticator, PreShareAuthenticator)
    # RFC 2409 §5.4 (pre-shared key): SKEYID = prf(pre-shared-key, Ni_b | Nr_b), HMAC-MD5 here
    assert i.keying is not None
    skeyid = hmac.new(PSK.encode(), i.keying.ni_b + i.keying.nr_b, hashlib.md5).digest()
    assert i.keying.keys.skeyid == skeyid


def test_role_orders_own_and_peer_values_as_initiator_then_responder() -> None:
    assert Role.INITIATOR.i_r("ours", "theirs") == ("ours", "theirs")
    assert Role.RESPONDER.i_r("ours", "theirs") == ("theirs", "ours")
    assert (Role.INITIATOR.letter, Role.RESPONDER.letter) == ("I", "R")


def test_the_tables_name_their_roles_as_the_role_enum_does() -> None:
    # the endpoint hands sa.role / node.role to TransitionTable.expected, which compares it
    # with each row's role: a renamed member would make every message out of state
    roles = {m.role for t in (MAIN_MODE, AGGRESSIVE_MODE, QUICK_MODE) for m in t.moves}
    assert roles - {"both"} == {r.value for r in Role}
    assert all(Role(r) == r for r in roles - {"both"})
