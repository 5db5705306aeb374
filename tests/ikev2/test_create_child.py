"""CREATE_CHILD_SA: Child SA rekey with and without PFS, started by either end (RFC 7296
§1.3.3, §2.17), then the old pair deleted by the side that rekeyed (§2.8)."""

from __future__ import annotations

import pytest

from tests.ikev2.harness import B1, B2, Pair, pair
from vpnteach.ikev2.events import ChildSaDeleted, ChildSaEstablished, ChildSaFailed
from vpnteach.wire.ikev2 import decode_message
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType


def _up(p: Pair) -> ChildSaEstablished:
    p.a.initiate(B2, p.now)
    p.run()
    child = p.events["a"][1]
    assert isinstance(child, ChildSaEstablished)
    return child


@pytest.mark.parametrize("pfs", [None, 14], ids=["no-pfs", "pfs-modp2048"])
@pytest.mark.parametrize("who", ["initiator", "responder"])
def test_rekey_gives_mirrored_new_keys_and_deletes_the_old_pair(who: str, pfs: int | None) -> None:
    p = pair()
    old = _up(p)
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
    _up(p)
    assert p.a.rekey_child_sa(B2, p.now, 14)
    p.run()
    failed = [e for e in p.events["a"] if isinstance(e, ChildSaFailed)]
    assert failed and failed[0].notify_type == NotifyType.INVALID_KE_PAYLOAD
    sa = p.a.ike_sa(B2)
    assert sa is not None and len(sa.children) == 1  # the old pair stays


def test_only_one_request_at_a_time() -> None:
    p = pair()
    _up(p)
    assert p.a.rekey_child_sa(B2, p.now)
    assert not p.a.rekey_child_sa(B2, p.now)  # window size 1 (§2.3): the first is pending
    assert not p.a.check_liveness(B2, p.now)


def test_esp_proposals_with_a_pfs_group_still_agree_in_ike_auth_and_rekey_with_it() -> None:
    p = pair(esp=("aes256gcm16-modp2048",))
    _up(p)  # IKE_AUTH carries no DH transform (§1.2), yet the answer matches our proposal
    assert p.b.rekey_child_sa(B1, p.now, 14)
    p.run()
    rekeyed = [e for e in p.events["a"] if isinstance(e, ChildSaEstablished)][-1]
    assert rekeyed.pfs_group == 14 and rekeyed.encr_id == 20


@pytest.mark.parametrize("who", ["initiator", "responder"])
def test_ike_sa_rekey_moves_the_child_sas_and_deletes_the_old_ike_sa(who: str) -> None:
    from vpnteach.ikev2.events import IkeSaDeleted, IkeSaRekeyed

    p = pair()
    child = _up(p)
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
