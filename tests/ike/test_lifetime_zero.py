"""An offered lifetime of 0 is "no limit from the peer": the local lifetime applies.

strongSwan with ``rekey_time = 0`` and ``reauth_time = 0`` offers an ISAKMP SA Life-Duration of
0; IOS then logs "Acceptable atts:actual life: 0" and fills in its own policy's lifetime
("Fill atts in sa life_in_seconds:86400", the seed's log). The same holds for Quick Mode.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ike.harness import B1, B2, SEED_POLICY, Pair, branch_config
from vpnteach.ike import main_mode, quick_mode
from vpnteach.ike.events import Phase1Complete, Phase2Complete, SaDeleted
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import ike_transform_attributes, select_ike_transform
from vpnteach.wire.attributes import DataAttribute
from vpnteach.wire.constants import IkeAttribute, IpsecAttribute, LifeType

SHORT = replace(SEED_POLICY, lifetime=600)


def _zero_life(attrs: tuple[DataAttribute, ...]) -> tuple[DataAttribute, ...]:
    """Phase 1 attributes with the Life-Duration replaced by 0, as charon sends them."""
    return tuple(
        DataAttribute.variable(a.type, bytes(4)) if a.type == IkeAttribute.LIFE_DURATION else a
        for a in attrs
    )


def test_a_phase1_life_duration_of_0_takes_the_policy_lifetime() -> None:
    offered = _zero_life(ike_transform_attributes(SEED_POLICY))
    selection = select_ike_transform([(1, offered)], [SHORT])
    assert selection.suite is not None and selection.suite.lifetime == 600


def test_a_shorter_offered_lifetime_still_wins() -> None:
    offered = ike_transform_attributes(replace(SEED_POLICY, lifetime=300))
    selection = select_ike_transform([(1, offered)], [SHORT])
    assert selection.suite is not None and selection.suite.lifetime == 300


@pytest.fixture
def zero_offering_initiator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Branch1 offers Life-Duration 0 in MM1 and SA Life-Duration 0 (seconds) in QM1."""

    def ike(policy: IsakmpPolicy) -> tuple[DataAttribute, ...]:
        return _zero_life(ike_transform_attributes(policy))

    esp = quick_mode.esp_transform_attributes

    def esp_zero(*args: object, **kw: object) -> tuple[DataAttribute, ...]:
        attrs = esp(*args, **kw)  # type: ignore[arg-type]
        # only the seconds: kilobytes stay as offered (their 0 already meant "local")
        kinds = [a.int_value if a.type == IpsecAttribute.SA_LIFE_TYPE else None for a in attrs]
        return tuple(
            DataAttribute.integer(a.type, 0)
            if a.type == IpsecAttribute.SA_LIFE_DURATION and kinds[i - 1] == LifeType.SECONDS
            else a
            for i, a in enumerate(attrs)
        )

    monkeypatch.setattr(main_mode, "ike_transform_attributes", ike)
    monkeypatch.setattr(quick_mode, "esp_transform_attributes", esp_zero)


@pytest.mark.usefixtures("zero_offering_initiator")
def test_the_responder_keeps_an_isakmp_sa_offered_with_lifetime_0_for_its_policy_lifetime() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2", policy=SHORT))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    ev2 = pair.events(pair.b2)
    p1 = next(e for e in ev2 if isinstance(e, Phase1Complete))
    assert p1.suite.lifetime == 600
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.negotiated is not None
    offered = {a.type: a for a in sa.negotiated.attributes}
    assert offered[IkeAttribute.LIFE_DURATION].int_value == 0  # what Branch1 really sent
    timer = pair.b2.get_timer()
    assert timer is not None and timer == pytest.approx(pair.now + 600, abs=1)
    pair.b2.handle_timer(pair.now + 1)
    assert pair.b2.isakmp_sa(B1) is not None
    assert not any(isinstance(e, SaDeleted) for e in pair.events(pair.b2))
    assert "lifetime expired" not in pair.b2.debug_log()


@pytest.mark.usefixtures("zero_offering_initiator")
def test_a_quick_mode_sa_lifetime_of_0_seconds_takes_the_crypto_map_lifetime() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    for events in (pair.events(pair.b1), pair.events(pair.b2)):
        p2 = next(e for e in events if isinstance(e, Phase2Complete))
        assert p2.suite.lifetime_seconds == 3600  # the seed's "lifetime 3600 s" default
        assert p2.inbound.lifetime_seconds == 3600
