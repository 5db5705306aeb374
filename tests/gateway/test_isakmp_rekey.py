"""ISAKMP SA lifetimes: a busy tunnel gets a new Main Mode before the old SA expires.

Either side replaces the ISAKMP SA (the SA's initiator first, the responder later if the
initiator did not), only when the IPsec SAs with that peer carry traffic; the new Main Mode
sends no INITIAL-CONTACT (RFC 2407 §4.6.3.3: it would tell the peer to drop every SA with us),
the IPsec SAs stay, and the old SA's expiry is announced with a Delete naming its cookies.
"""

from __future__ import annotations

from tests.gateway.test_gateway import Pair
from tests.gateway.test_lifetimes import _pair, _ping
from vpnteach.ike.events import Phase1Complete, SaDeleted
from vpnteach.wire.constants import ProtocolId

SHORT_P1 = "crypto isakmp policy 10\n lifetime 120\n"


def _established(pair: Pair) -> tuple[bytes, float]:
    sa = pair.b1.ike.isakmp_sa("10.2.2.1")
    assert sa is not None and sa.expires is not None
    return sa.cky_i, sa.expires


def test_the_initiator_replaces_a_busy_isakmp_sa_and_the_old_one_is_deleted_aloud() -> None:
    pair = _pair(SHORT_P1, SHORT_P1)
    pair.up()
    _ping(pair, 1)
    ipsec = {sa.spi for sa in pair.b1.sad.sas()}
    old, expires = _established(pair)
    pair.now = expires - 30
    pair.b1.handle_timer(pair.now)
    pair.b2.handle_timer(pair.now)
    assert pair.carry() == 6  # a new Main Mode, started by Branch1
    assert pair.b1.ike.debug_log().count("Send initial contact") == 1  # the first MM5 only
    new = [e for e in pair.events(pair.b2) if isinstance(e, Phase1Complete)][-1]
    assert new.cky_i != old and new.role == "responder"
    pair.now = expires + 1
    pair.b1.handle_timer(pair.now)
    pair.b2.handle_timer(pair.now)
    pair.carry()
    deleted = [e for e in pair.events(pair.b1) if isinstance(e, SaDeleted)]
    assert {(d.protocol_id, d.spis[0][:8]) for d in deleted} == {(ProtocolId.PROTO_ISAKMP, old)}
    for gw in (pair.b1, pair.b2):
        live = [sa for sa in gw.ike.sas.values() if not sa.dead]
        assert [sa.cky_i for sa in live] == [new.cky_i]
    assert {sa.spi for sa in pair.b1.sad.sas()} == ipsec  # the IPsec SAs stayed
    _ping(pair, 2)
    pair.b1.ike.initiate("10.2.2.1", pair.now)  # and a Quick Mode runs over the new SA
    assert pair.carry() == 3


def test_the_responder_replaces_it_if_the_initiator_did_not() -> None:
    pair = _pair(SHORT_P1, SHORT_P1)
    pair.up()
    _ping(pair, 1)
    old, expires = _established(pair)
    pair.now = expires - 15
    pair.b2.handle_timer(pair.now)  # Branch1 never got its turn
    assert pair.carry() == 6
    sa = pair.b2.ike.isakmp_sa("10.1.1.1")
    assert sa is not None and sa.cky_i == old  # the old one serves until it expires
    started = [s for s in pair.b2.ike.sas.values() if s.cky_i != old]
    assert len(started) == 1 and started[0].established and started[0].role.value == "initiator"


def test_an_idle_isakmp_sa_is_left_to_expire_with_a_delete() -> None:
    pair = _pair(SHORT_P1, SHORT_P1)
    pair.up()
    _, expires = _established(pair)
    for at in (expires - 30, expires - 15):
        pair.now = at
        pair.b1.handle_timer(pair.now)
        pair.b2.handle_timer(pair.now)
        assert pair.carry() == 0
    pair.now = expires + 1
    pair.b1.handle_timer(pair.now)
    assert pair.carry() == 1  # the Delete
    assert pair.b2.ike.isakmp_sa("10.1.1.1") is None
