"""Phase 1 RESPONDER-LIFETIME (RFC 2407 §4.6.3.1, protocol ISAKMP), as IOS sends it.

IOS 12.4 refuses an ISAKMP transform whose lifetime is longer than its policy's
(:mod:`vpnteach.ike.proposal`), so the one offer it shortens is a Life-Duration of 0 ("no
limit", strongSwan with ``rekey_time = 0``): it fills in its policy's lifetime and, once the
initiator's first phase-2 message shows it read MM6, tells it in an encrypted informational.
The initiator ends its ISAKMP SA then.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ike.harness import B1, B2, SEED_POLICY, Pair, branch_config
from tests.ike.test_lifetime_zero import zero_offering_initiator  # noqa: F401 (a fixture)
from vpnteach.ike.events import NotificationReceived, SaDeleted
from vpnteach.ike.lifetimes import RESPONDER_LIFETIME
from vpnteach.wire.constants import ProtocolId

SHORT = replace(SEED_POLICY, lifetime=600)


@pytest.mark.usefixtures("zero_offering_initiator")
def test_a_responder_that_filled_in_its_lifetime_tells_the_initiator_which_ends_its_sa() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2", policy=SHORT))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    told = [
        e
        for e in pair.events(pair.b1)
        if isinstance(e, NotificationReceived) and e.notify_type == RESPONDER_LIFETIME
    ]
    phase1 = [e for e in told if e.protocol_id == ProtocolId.PROTO_ISAKMP]
    assert len(phase1) == 1
    sa1, sa2 = pair.b1.isakmp_sa(B2), pair.b2.isakmp_sa(B1)
    assert sa1 is not None and sa2 is not None
    assert phase1[0].spi == sa1.cookies.spi
    # RFC 2409 Appendix A: Life Type (11) seconds, Life Duration (12) 600, TV form
    assert phase1[0].data == bytes.fromhex("800b0001800c0258")
    assert sa1.expires is not None and sa2.expires is not None
    assert sa1.expires == pytest.approx(sa2.expires, abs=1)  # both end at 600 s, not 86400
    assert sa1.suite is not None and sa1.suite.lifetime == 600
    assert "Sending NOTIFY RESPONDER_LIFETIME protocol 1: our lifetime is 600 seconds" in (
        pair.b2.debug_log()
    )
    assert "processing NOTIFY RESPONDER_LIFETIME protocol 1: lifetime now 600 seconds" in (
        pair.b1.debug_log()
    )
    pair.now = sa1.expires + 0.5
    pair.b1.handle_timer(pair.now)  # the initiator's SA expires: a Delete (cookies) to the peer
    pair.step()
    deleted = [e for e in pair.events(pair.b2) if isinstance(e, SaDeleted) and e.by_peer]
    assert [d.protocol_id for d in deleted] == [ProtocolId.PROTO_ISAKMP]
    assert deleted[0].spis == (sa1.cookies.spi,)


def test_matching_lifetimes_send_no_phase1_responder_lifetime() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    assert "RESPONDER_LIFETIME" not in pair.b2.debug_log()
    assert not any(isinstance(e, NotificationReceived) for e in pair.events(pair.b1))


@pytest.mark.usefixtures("zero_offering_initiator")
def test_the_phase1_responder_lifetime_waits_for_the_initiators_quick_mode() -> None:
    """Its IV follows MM6 (RFC 2409 Appendix B): sent before the initiator has read MM6, a
    multi-threaded peer could decrypt it with the wrong IV (charon did, and dropped it)."""
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2", policy=SHORT))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    # (sender, exchange type: byte 18 of the ISAKMP header, RFC 2408 §3.1)
    flow = [(who, d.data[18]) for who, d in pair.log]
    informational = flow.index(("b2", 5))
    first_qm1 = flow.index(("b1", 32))
    last_mm = max(i for i, (who, x) in enumerate(flow) if (who, x) == ("b2", 2))
    assert last_mm < first_qm1 < informational, flow
    assert not pair.b2.ctx.lifetime_owed  # paid once, then forgotten


@pytest.mark.usefixtures("zero_offering_initiator")
def test_an_sa_deleted_before_its_quick_mode_owes_nothing() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2", policy=SHORT))
    pair.b1.initiate(B2, pair.now)
    for _ in range(3):  # MM1..MM6: three steps, each carrying both directions' messages
        pair.step()
    assert pair.b2.ctx.lifetime_owed
    pair.b2.delete_isakmp_sa(None, pair.now)
    assert not pair.b2.ctx.lifetime_owed
