"""Proposal matching: IOS order of checks, seed log attribute lines, ESP and proxy checks."""

from __future__ import annotations

import re
from ipaddress import IPv4Network

from tests.ike.seed_log import MAIN_MODE_LOG, QUICK_MODE_LOG
from tests.ike.test_policy import SEED_ACL
from vpnteach.ike.policy import (
    DEFAULT_POLICY,
    CryptoMapEntry,
    IsakmpPolicy,
    ProxyIdentity,
    TransformSet,
)
from vpnteach.ike.proposal import (
    EspOffer,
    IkeSuite,
    encapsulation_mode,
    esp_transform_attributes,
    ike_transform_attributes,
    proxies_acceptable,
    select_esp_transform,
    select_ike_transform,
)
from vpnteach.wire.attributes import DataAttribute
from vpnteach.wire.constants import EncapsulationMode, IkeAttribute

SEED_POLICY = IsakmpPolicy(
    priority=10, encryption="3des", authentication="rsa-sig", hash="md5", group=1
)
TS = TransformSet("TS", ("esp-3des", "esp-md5-hmac"))
SEED_MAP = CryptoMapEntry("CRYPTO", 10, SEED_ACL, "10.2.2.1", (TS,))


def _seed_lines(log: str, first: str, last: str) -> list[str]:
    """The 'ISAKMP: <text>' attribute lines of the seed log between two markers."""
    block = log[log.index(first) : log.index(last)]
    return [m.group(1).strip() for m in re.finditer(r"\d: ISAKMP: (.+)", block)]


def test_seed_policy_attributes_print_as_in_the_seed_log() -> None:
    # Source: the seed log, "Checking ISAKMP transform 1 against priority 10 policy" block.
    expected = _seed_lines(MAIN_MODE_LOG, "Checking ISAKMP transform 1", "atts are acceptable")
    selection = select_ike_transform([(1, ike_transform_attributes(SEED_POLICY))], [SEED_POLICY])
    assert selection.accepted
    check = selection.checks[0]
    assert check.against == "priority 10 policy"
    assert list(check.lines) == expected
    assert selection.suite == IkeSuite(5, None, 1, 3, 1, 86400)


def test_life_duration_86400_travels_as_a_4_byte_variable_attribute() -> None:
    life = ike_transform_attributes(SEED_POLICY)[-1]
    assert life.type == IkeAttribute.LIFE_DURATION and not life.tv
    assert life.value == bytes.fromhex("00015180")


def test_responder_walks_its_policies_by_priority_then_offered_transforms() -> None:
    mine = [
        IsakmpPolicy(priority=20, encryption="aes", hash="sha", group=2),
        IsakmpPolicy(priority=10, encryption="3des", hash="sha", group=2),
    ]
    offered = [
        (
            1,
            ike_transform_attributes(
                IsakmpPolicy(priority=1, encryption="aes", hash="sha", group=2)
            ),
        ),
        (
            2,
            ike_transform_attributes(
                IsakmpPolicy(priority=2, encryption="3des", hash="sha", group=2)
            ),
        ),
    ]
    selection = select_ike_transform(offered, mine)
    order = [(c.transform_number, c.against) for c in selection.checks]
    assert order == [(1, "priority 10 policy"), (2, "priority 10 policy")]
    assert selection.transform_number == 2
    assert selection.policy is not None and selection.policy.priority == 10
    assert selection.checks[0].problem == "Encryption algorithm offered does not match policy!"


def test_no_common_policy_gives_no_selection_and_every_check_is_recorded() -> None:
    offered = [(1, ike_transform_attributes(SEED_POLICY))]
    mine = [IsakmpPolicy(priority=10, encryption="aes", hash="sha256", group=14), DEFAULT_POLICY]
    selection = select_ike_transform(offered, mine)
    assert not selection.accepted
    assert [c.against for c in selection.checks] == ["priority 10 policy", "priority 65535 policy"]
    assert all(not c.acceptable for c in selection.checks)


def test_offered_lifetime_longer_than_policy_is_refused_shorter_is_taken() -> None:
    short = IsakmpPolicy(priority=10, encryption="3des", hash="md5", lifetime=3600)
    selection = select_ike_transform([(1, ike_transform_attributes(SEED_POLICY))], [short])
    assert not selection.accepted
    assert "longer than policy" in (selection.checks[0].problem or "")
    reverse = select_ike_transform([(1, ike_transform_attributes(short))], [SEED_POLICY])
    assert reverse.suite is not None and reverse.suite.lifetime == 3600


def test_aes_key_length_must_match() -> None:
    a128 = IsakmpPolicy(priority=1, encryption="aes")
    a256 = IsakmpPolicy(priority=1, encryption="aes 256")
    assert not select_ike_transform([(1, ike_transform_attributes(a128))], [a256]).accepted
    ok = select_ike_transform([(1, ike_transform_attributes(a256))], [a256])
    assert ok.suite is not None and ok.suite.key_length == 256
    assert "keylength of 256" in ok.checks[0].lines


def _offer(entry: CryptoMapEntry, ts: TransformSet, nat_t: bool = False) -> EspOffer:
    attrs = esp_transform_attributes(ts, entry, nat_t)
    return EspOffer(1, b"\xac\x4d\x6e\xb3", 1, ts.transform_id, attrs)


def test_seed_esp_transform_prints_as_in_the_seed_log() -> None:
    # Source: the seed log, "Checking IPSec proposal 1" block of Quick Mode message 2.
    expected = _seed_lines(QUICK_MODE_LOG, "Checking IPSec proposal 1", "atts are acceptable")
    selection = select_esp_transform([_offer(SEED_MAP, TS)], SEED_MAP)
    assert selection.accepted and selection.transform_set == TS
    assert list(selection.checks[0].lines) == expected
    suite = selection.suite
    assert suite is not None
    assert (suite.lifetime_seconds, suite.lifetime_kilobytes) == (3600, 4608000)


def test_esp_mismatch_and_pfs_rules() -> None:
    other = TransformSet("AES", ("esp-aes", "esp-sha-hmac"))
    assert not select_esp_transform([_offer(SEED_MAP, other)], SEED_MAP).accepted
    pfs_map = CryptoMapEntry("CRYPTO", 10, SEED_ACL, "10.2.2.1", (TS,), pfs_group=2)
    # Local PFS group 2 requires the offer to carry group 2.
    refused = select_esp_transform([_offer(SEED_MAP, TS)], pfs_map)
    assert "PFS group None offered" in (refused.checks[0].problem or "")
    # Without local PFS, IOS accepts an offered group.
    offered_pfs = select_esp_transform([_offer(pfs_map, TS)], SEED_MAP)
    assert offered_pfs.suite is not None and offered_pfs.suite.pfs_group == 2


def test_nat_t_turns_tunnel_into_udp_encapsulated_tunnel() -> None:
    assert encapsulation_mode(TS, True) == EncapsulationMode.UDP_ENCAPSULATED_TUNNEL
    assert int(EncapsulationMode.UDP_ENCAPSULATED_TUNNEL) == 3
    offer = _offer(SEED_MAP, TS, nat_t=True)
    assert select_esp_transform([offer], SEED_MAP, nat_t=True).accepted
    assert not select_esp_transform([offer], SEED_MAP, nat_t=False).accepted


def test_shorter_esp_lifetime_wins() -> None:
    attrs = list(esp_transform_attributes(TS, SEED_MAP))
    attrs[2] = DataAttribute.basic(2, 1800)
    offer = EspOffer(1, b"\0\0\0\1", 1, TS.transform_id, tuple(attrs))
    suite = select_esp_transform([offer], SEED_MAP).suite
    assert suite is not None and suite.lifetime_seconds == 1800


def test_responder_accepts_mirrored_proxies_only() -> None:
    # Branch2's ACL is the mirror of Branch1's: permit 192.168.22.0/24 -> 192.168.11.0/24.
    from vpnteach.ike.policy import AccessList, AclEntry, AddressMatch

    mirror = AccessList(
        "ACL",
        (
            AclEntry(
                "permit",
                AddressMatch.network("192.168.22.0/24"),
                AddressMatch.network("192.168.11.0/24"),
            ),
        ),
    )
    branch2 = CryptoMapEntry("CRYPTO", 10, mirror, "10.1.1.1", (TS,))
    idci = ProxyIdentity(IPv4Network("192.168.11.0/24"))
    idcr = ProxyIdentity(IPv4Network("192.168.22.0/24"))
    assert proxies_acceptable(branch2, idci, idcr)
    assert not proxies_acceptable(branch2, idcr, idci)
    assert not proxies_acceptable(branch2, ProxyIdentity(IPv4Network("10.0.0.0/8")), idcr)
