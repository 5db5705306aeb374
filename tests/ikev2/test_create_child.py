"""CREATE_CHILD_SA: Child SA rekey with and without PFS, started by either end (RFC 7296
§1.3.3, §2.17), then the old pair deleted by the side that rekeyed (§2.8)."""

from __future__ import annotations

import pytest

from tests.ikev2.harness import B1, B2, pair
from vpnteach.ikev2.events import ChildSaDeleted, ChildSaEstablished, ChildSaFailed
from vpnteach.wire.ikev2 import decode_message
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType


@pytest.mark.parametrize("pfs", [None, 14], ids=["no-pfs", "pfs-modp2048"])
@pytest.mark.parametrize("who", ["initiator", "responder"])
def test_rekey_gives_mirrored_new_keys_and_deletes_the_old_pair(who: str, pfs: int | None) -> None:
    p = pair()
    old = p.establish()
    rekeyer, peer = (p.a, B2) if who == "initiator" else (p.b, B1)
    assert rekeyer.rekey_child_sa(peer, p.now, pfs)
    p.run()
    new_a = [e for e in p.events["a"][2:] if isinstance(e, ChildSaEstablished)]
    new_b = [e for e in p.events["b"][2:] if isinstance(e, ChildSaEstablished)]
    assert len(new_a) == len(new_b) == 1
    ca, cb = new_a[0], new_b[0]
    assert (ca.spi_in, ca.spi_out) == (cb.spi_out, cb.spi_in)
    assert (ca.encr_key_out, ca.integ_key_out) == (cb.encr_key_in, cb.integ_key_in)
    assert ca.encr_key_out not in (old.encr_key_out, old.encr_key_in)
    assert ca.rekeyed_spi == old.spi_in and ca.pfs_group == cb.pfs_group == pfs
    # §2.17: "initiator" is whoever sent the CREATE_CHILD_SA request, not the IKE SA's
    ours = ca if who == "initiator" else cb
    assert ours.encr_key_out == rekeyer.trace.find("ESP encryption key i->r").value
    keymat = rekeyer.trace.find("KEYMAT")
    assert keymat.formula == (
        "prf+(SK_d, Ni | Nr)" if pfs is None else "prf+(SK_d, g^ir (new) | Ni | Nr)"
    )
    for side in ("a", "b"):
        deleted = [e for e in p.events[side] if isinstance(e, ChildSaDeleted)]
        assert len(deleted) == 1 and {deleted[0].spi_in, deleted[0].spi_out} == {
            old.spi_in,
            old.spi_out,
        }
    sa_a, sa_b = p.a.ike_sa(B2), p.b.ike_sa(B1)
    assert sa_a is not None and sa_b is not None
    assert [c.spi_in for c in sa_a.children] == [ca.spi_in]
    assert [c.spi_in for c in sa_b.children] == [cb.spi_in]
    kinds = [decode_message(d).header.exchange_type for _, d in p.wire[4:]]
    assert kinds == [ExchangeType.CREATE_CHILD_SA] * 2 + [ExchangeType.INFORMATIONAL] * 2


def test_a_pfs_group_we_do_not_accept_is_answered_with_invalid_ke_payload() -> None:
    p = pair(b_esp=("aes256-sha256-modp3072",))
    p.establish()
    assert p.a.rekey_child_sa(B2, p.now, 14)
    p.run()
    failed = [e for e in p.events["a"] if isinstance(e, ChildSaFailed)]
    assert failed and failed[0].notify_type == NotifyType.INVALID_KE_PAYLOAD
    sa = p.a.ike_sa(B2)
    assert sa is not None and len(sa.children) == 1  # the old pair stays


def test_only_one_request_at_a_time() -> None:
    p = pair()
    p.establish()
    assert p.a.rekey_child_sa(B2, p.now)
    assert not p.a.rekey_child_sa(B2, p.now)  # window size 1 (§2.3): the first is pending
    assert not p.a.check_liveness(B2, p.now)


def test_esp_proposals_with_a_pfs_group_still_agree_in_ike_auth_and_rekey_with_it() -> None:
    p = pair(esp=("aes256gcm16-modp2048",))
    p.establish()  # IKE_AUTH carries no DH transform (§1.2), yet the answer matches our proposal
    assert p.b.rekey_child_sa(B1, p.now, 14)
    p.run()
    rekeyed = [e for e in p.events["a"] if isinstance(e, ChildSaEstablished)][-1]
    assert rekeyed.pfs_group == 14 and rekeyed.encr_id == 20


@pytest.mark.parametrize("who", ["initiator", "responder"])
def test_ike_sa_rekey_moves_the_child_sas_and_deletes_the_old_ike_sa(who: str) -> None:
    from vpnteach.ikev2.events import IkeSaDeleted, IkeSaRekeyed

    p = pair()
    child = p.establish()
    old_a = p.a.ike_sa(B2)
    assert old_a is not None
    old_keys = old_a.ike_keys
    rekeyer, peer = (p.a, B2) if who == "initiator" else (p.b, B1)
    assert rekeyer.rekey_ike_sa(peer, p.now)
    p.run()
    for side in ("a", "b"):
        rekeyed = [e for e in p.events[side] if isinstance(e, IkeSaRekeyed)]
        deleted = [e for e in p.events[side] if isinstance(e, IkeSaDeleted)]
        assert len(rekeyed) == 1 and len(deleted) == 1
        assert (deleted[0].spi_i, deleted[0].spi_r) == (old_a.spi_i, old_a.spi_r)
    new_a, new_b = p.a.ike_sa(B2), p.b.ike_sa(B1)
    assert new_a is not None and new_b is not None and len(p.a.sas) == len(p.b.sas) == 1
    assert (new_a.spi_i, new_a.spi_r) == (new_b.spi_i, new_b.spi_r) != (old_a.spi_i, old_a.spi_r)
    # the rekeying side is the new SA's original initiator (§2.18)
    assert (p.a.ike_sa(B2).role == "initiator") == (who == "initiator")  # type: ignore[union-attr]
    assert new_a.ike_keys == new_b.ike_keys and new_a.ike_keys.sk_d != old_keys.sk_d
    assert rekeyer.trace.find("SKEYSEED").formula == "prf(SK_d (old), g^ir (new) | Ni | Nr)"
    assert [c.spi_in for c in new_a.children] == [child.spi_in]
    # the new IKE SA works: its Message IDs start at 0 and it can rekey the Child SA
    assert p.a.rekey_child_sa(B2, p.now, 14)
    p.run()
    assert sum(isinstance(e, ChildSaEstablished) for e in p.events["b"]) == 2
    assert [decode_message(d).header.message_id for _, d in p.wire[-4:-2]] == [0, 0]


def _last(ep: object, name: str) -> bytes:
    values = [f.value for f in ep.trace if f.name == name]  # type: ignore[attr-defined]
    return values[-1]  # type: ignore[no-any-return]


def test_simultaneous_rekeys_keep_the_pair_without_the_lowest_nonce_on_both_sides() -> None:
    """RFC 7296 §2.8.1: both ends rekey the same Child SA at once; of the two new pairs, the
    one created by the exchange holding the lowest of the four nonces is deleted by its
    creator, the old one by the other end. Over several runs both ends win sometimes."""
    winners = set()
    for seed in range(8):
        p = pair(seed=f"collide-{seed}")
        old = p.establish()
        assert p.a.rekey_child_sa(B2, p.now) and p.b.rekey_child_sa(B1, p.now)
        sa_a, sa_b = p.a.ike_sa(B2), p.b.ike_sa(B1)
        assert sa_a is not None and sa_b is not None
        assert sa_a.pending_create is not None and sa_b.pending_create is not None
        a_spi, a_ni = sa_a.pending_create.spi_in, sa_a.pending_create.ni
        b_spi, b_ni = sa_b.pending_create.spi_in, sa_b.pending_create.ni
        p.run()
        a_nr, b_nr = _last(p.a, "Nr"), _last(p.b, "Nr")  # each one's answer to the other
        a_redundant = min(a_ni, b_nr) < min(b_ni, a_nr)
        (ca,), (cb,) = sa_a.children, sa_b.children
        assert (ca.spi_in, ca.spi_out) == (cb.spi_out, cb.spi_in)  # one pair, both sides
        assert old.spi_in not in (ca.spi_in, ca.spi_out)
        if a_redundant:  # Branch2's exchange made the survivor: Branch2 chose its SPI there
            assert cb.spi_in == b_spi, seed
        else:
            assert ca.spi_in == a_spi, seed
        winners.add("b" if a_redundant else "a")
        for name in ("a", "b"):
            kinds = p.kinds(name)
            assert kinds.count("ChildSaEstablished") == 3 and kinds.count("ChildSaDeleted") == 2
        assert not sa_a.deleting and not sa_b.deleting and sa_a.rekey_collision is None
        assert p.a.rekey_child_sa(B2, p.now)  # and the survivor rekeys as usual afterwards
        p.run()
        assert len(sa_a.children) == len(sa_b.children) == 1
    assert winners == {"a", "b"}


def test_a_rekey_of_a_pair_being_deleted_is_answered_with_temporary_failure() -> None:
    """RFC 7296 §2.25.1: Branch1 rekeyed the pair and its Delete is on the way when Branch2's
    rekey of the same pair arrives: TEMPORARY_FAILURE, and one new pair stands on both."""
    p = pair()
    p.establish()

    def deliver(src: object, dst: object, src_ip: str) -> None:
        for d in src.datagrams_to_send(p.now):  # type: ignore[attr-defined]
            dst.receive_datagram(d.data, (src_ip, d.local_port), p.now, d.addr[1])  # type: ignore[attr-defined]

    assert p.a.rekey_child_sa(B2, p.now)
    deliver(p.a, p.b, B1)  # Branch1's request
    deliver(p.b, p.a, B2)  # Branch2's answer: Branch1 sends its Delete of the old pair
    held = p.a.datagrams_to_send(p.now)  # that Delete, held back
    assert p.b.rekey_child_sa(B1, p.now, spi_out=p.b.ike_sa(B1).children[0].spi_out)  # type: ignore[union-attr]
    deliver(p.b, p.a, B2)
    for d in held:
        p.b.receive_datagram(d.data, (B1, d.local_port), p.now, d.addr[1])
    p.run()
    p._collect()
    failed = [e for e in p.events["b"] if isinstance(e, ChildSaFailed)]
    assert [e.notify_type for e in failed] == [NotifyType.TEMPORARY_FAILURE], p.kinds("b")
    sa_a, sa_b = p.a.ike_sa(B2), p.b.ike_sa(B1)
    assert sa_a is not None and sa_b is not None
    (ca,), (cb,) = sa_a.children, sa_b.children
    assert (ca.spi_in, ca.spi_out) == (cb.spi_out, cb.spi_in)
