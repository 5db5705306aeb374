"""The seed scenario between two vpnteach endpoints, compared with the seed's debug log."""

from __future__ import annotations

from dataclasses import replace

from tests.ike.harness import B2, Pair, branch_config
from tests.ike.seed_log import SEED_MOVES, SHOW_CRYPTO_ISAKMP_SA, seed_lines_missing
from vpnteach.ike.events import Phase1Complete, Phase2Complete
from vpnteach.ike.records import MoveRecorded
from vpnteach.ike.states import IkeState

S = IkeState


def seed_pair() -> Pair:
    return Pair.make(branch_config("Branch1"), branch_config("Branch2"))


def _moves(records: list[MoveRecorded]) -> list[tuple[str, str, str]]:
    return [(str(m.input), m.old_state.value, m.new_state.value) for m in records]


def test_initiator_moves_equal_the_seed_log_exactly() -> None:
    pair = seed_pair()
    pair.b1.initiate(B2, pair.now)
    pair.run()
    seed = [(f"{a}, {b}", old, new) for a, b, old, new in SEED_MOVES]
    assert len(seed) == 13
    assert _moves(pair.b1.recorder.moves()) == seed


def test_responder_moves_follow_ios_responder_names() -> None:
    pair = seed_pair()
    pair.b1.initiate(B2, pair.now)
    pair.run()
    # Source: public IOS-XE responder debug logs (IKE_R_MM1..5, IKE_QM_SPI_STARVE, ...).
    assert [new for _, _, new in _moves(pair.b2.recorder.moves())] == [
        "IKE_R_MM1", "IKE_R_MM1", "IKE_R_MM2", "IKE_R_MM3", "IKE_R_MM3", "IKE_R_MM4",
        "IKE_R_MM5", "IKE_R_MM5", "IKE_P1_COMPLETE", "IKE_P1_COMPLETE",
        "IKE_QM_SPI_STARVE", "IKE_QM_IPSEC_INSTALL_AWAIT", "IKE_QM_R_QM2",
        "IKE_QM_PHASE2_COMPLETE",
    ]  # fmt: skip


def test_initiator_debug_log_contains_every_seed_line_in_order() -> None:
    pair = seed_pair()
    pair.b1.initiate(B2, pair.now)
    pair.run()
    assert seed_lines_missing(pair.b1.debug_log()) == []


def test_state_after_every_message() -> None:
    pair = seed_pair()
    pair.b1.initiate(B2, pair.now)
    expected = [
        # after delivering: MM1 -> b2, then MM2 -> b1 (same step), ...
        (S.IKE_I_MM3, S.IKE_R_MM2, None, None),
        (S.IKE_I_MM5, S.IKE_R_MM4, None, None),
        (S.IKE_P1_COMPLETE, S.IKE_P1_COMPLETE, S.IKE_QM_I_QM1, None),
        (S.IKE_P1_COMPLETE, S.IKE_P1_COMPLETE, S.IKE_QM_PHASE2_COMPLETE, S.IKE_QM_R_QM2),
        (S.IKE_P1_COMPLETE, S.IKE_P1_COMPLETE, S.IKE_QM_PHASE2_COMPLETE, S.IKE_QM_PHASE2_COMPLETE),
    ]
    for want in expected:
        assert pair.step() > 0
        sa1, sa2 = pair.b1.isakmp_sa(B2), pair.b2.isakmp_sa("10.1.1.1")
        assert sa1 is not None and sa2 is not None
        node1 = next(iter(sa1.nodes.values())).state if sa1.nodes else None
        node2 = next(iter(sa2.nodes.values())).state if sa2.nodes else None
        assert (sa1.state, sa2.state, node1, node2) == want
    assert pair.step() == 0


def test_both_peers_derive_mirrored_ipsec_sas() -> None:
    pair = seed_pair()
    pair.b1.initiate(B2, pair.now)
    pair.run()
    ev1, ev2 = pair.events(pair.b1), pair.events(pair.b2)
    assert [type(e) for e in ev1] == [Phase1Complete, Phase2Complete]
    assert [type(e) for e in ev2] == [Phase1Complete, Phase2Complete]
    p1, p2 = ev1[1], ev2[1]
    assert isinstance(p1, Phase2Complete) and isinstance(p2, Phase2Complete)
    assert p1.outbound == replace(p2.inbound, direction="outbound")
    assert p1.inbound.spi == p2.outbound.spi and p1.outbound.spi == p2.inbound.spi
    assert p1.inbound.spi != p1.outbound.spi
    assert len(p1.outbound.enc_key) == 24 and len(p1.outbound.auth_key) == 16  # 3DES, HMAC-MD5
    assert p1.inbound.enc_key != p1.outbound.enc_key
    for endpoint in (pair.b1, pair.b2):  # both Quick Mode nonces were really sent
        sa = next(iter(endpoint.sas.values()))
        node = next(iter(sa.nodes.values()))
        assert len(node.ni_b) == len(node.nr_b) == 20 and node.ni_b != node.nr_b
    assert str(p1.outbound.src_proxy) == "192.168.11.0/24"
    assert (p1.suite.lifetime_seconds, p1.suite.lifetime_kilobytes) == (3600, 4608000)
    e1 = ev1[0]
    assert isinstance(e1, Phase1Complete) and e1.peer_identity == "Branch2.amit.com"


def test_every_key_is_recorded_as_a_fact() -> None:
    pair = seed_pair()
    pair.b1.initiate(B2, pair.now)
    pair.run()
    names = {f.name for f in pair.b1.trace}
    for name in ("g^xi", "g^xy", "SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Ka",
                 "HASH_I", "HASH_R", "SIG", "HASH(1)", "HASH(2)", "HASH(3)"):  # fmt: skip
        assert name in names
    assert pair.b1.trace.find("SKEYID_e").value == pair.b2.trace.find("SKEYID_e").value
    ka = pair.b1.trace.find("Ka").value
    assert isinstance(ka, bytes) and len(ka) == 24  # 3DES key expanded (RFC 2409 App. B)


def test_show_crypto_isakmp_sa_after_the_seed_run_equals_the_seed() -> None:
    pair = seed_pair()
    pair.b1.initiate(B2, pair.now)
    pair.run()
    ours = [" ".join(x.split()) for x in pair.b1.show_crypto_isakmp_sa().splitlines() if x]
    seed = [" ".join(x.split()) for x in SHOW_CRYPTO_ISAKMP_SA.splitlines()[1:]]
    assert ours == seed
