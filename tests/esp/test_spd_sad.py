"""SPD from the seed's crypto map and ACL, the SAD, and the "first ping is lost" acquire."""

from __future__ import annotations

from tests.esp._helpers import BRANCH1, BRANCH2, HOST1, HOST2, ping, sa_pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import Decapsulated, Dropped, DropReason
from vpnteach.esp.sa import Lifetime, SoftLifetimeExpired
from vpnteach.esp.sad import AcquireRequested, NotSent, Sad, Sent
from vpnteach.esp.spd import PolicyAction, Selectors, Spd, selectors_of
from vpnteach.ike.policy import AccessList, AclEntry, AddressMatch, CryptoMapEntry, TransformSet

TS = TransformSet("TS", ("esp-3des", "esp-md5-hmac"))
# The seed: access-list ACL permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255
ACL = AccessList(
    "ACL",
    (AclEntry("permit", AddressMatch("192.168.11.0", "0.0.0.255"),
              AddressMatch("192.168.22.0", "0.0.0.255")),),
)  # fmt: skip
CRYPTO_10 = CryptoMapEntry("CRYPTO", 10, ACL, BRANCH2, (TS,))
RNG = SeededRng("spd")


def branch1() -> tuple[Spd, Sad]:
    spd = Spd([CRYPTO_10])
    return spd, Sad(spd)


def test_seed_acl_protects_lan_to_lan_and_bypasses_the_rest() -> None:
    spd, _ = branch1()
    protect = spd.lookup_outbound(Selectors(HOST1, HOST2, 1))
    assert protect.action is PolicyAction.PROTECT and protect.flow is spd.flows[0]
    assert spd.lookup_outbound(Selectors(HOST1, "8.8.8.8", 1)).action is PolicyAction.BYPASS
    assert spd.lookup_outbound(Selectors(BRANCH1, BRANCH2, 17)).action is PolicyAction.BYPASS


def test_wildcard_masks_need_not_be_contiguous() -> None:
    odd = AddressMatch("192.168.0.1", "0.0.255.0")  # x.x.*.1: every ".1" host
    acl = AccessList("ODD", (AclEntry("permit", odd, AddressMatch.any()),))
    spd = Spd([CryptoMapEntry("M", 5, acl, BRANCH2, (TS,))])
    assert spd.lookup_outbound(Selectors("192.168.77.1", "1.2.3.4")).action is PolicyAction.PROTECT
    assert spd.lookup_outbound(Selectors("192.168.77.2", "1.2.3.4")).action is PolicyAction.BYPASS


def test_deny_skips_to_the_next_crypto_map_entry() -> None:
    lan1, lan2 = AddressMatch.network("192.168.11.0/24"), AddressMatch.network("192.168.22.0/24")
    deny_host = AclEntry("deny", AddressMatch.host(HOST1), lan2)
    first = CryptoMapEntry("M", 10, AccessList("A", (deny_host, AclEntry("permit", lan1, lan2))),
                           BRANCH2, (TS,))  # fmt: skip
    second = CryptoMapEntry("M", 20, AccessList("B", (AclEntry("permit", lan1, lan2),)),
                            "10.3.3.1", (TS,))  # fmt: skip
    spd = Spd([second, first])
    assert spd.lookup_outbound(Selectors(HOST1, HOST2)).flow.peer == "10.3.3.1"  # type: ignore[union-attr]
    assert spd.lookup_outbound(Selectors("192.168.11.2", HOST2)).flow.peer == BRANCH2  # type: ignore[union-attr]


def test_discard_lines_come_first() -> None:
    spd = Spd([CRYPTO_10], discard=[AclEntry("deny", AddressMatch.host(HOST1), AddressMatch.any())])
    assert spd.lookup_outbound(Selectors(HOST1, HOST2)).action is PolicyAction.DISCARD


def test_cleartext_packet_that_should_be_protected_is_discarded_inbound() -> None:
    spd, _ = branch1()
    assert spd.lookup_inbound_clear(Selectors(HOST2, HOST1)).action is PolicyAction.DISCARD
    assert spd.lookup_inbound_clear(Selectors("8.8.8.8", HOST1)).action is PolicyAction.BYPASS


def test_selectors_of_reads_udp_ports() -> None:
    from vpnteach.wire.ip import UdpDatagram, ipv4_packet

    udp = UdpDatagram(1234, 53, b"x").encode(HOST1, HOST2)
    assert selectors_of(ipv4_packet(HOST1, HOST2, 17, udp)) == Selectors(HOST1, HOST2, 17, 1234, 53)


def test_first_ping_triggers_ike_is_dropped_and_counted_as_a_send_error() -> None:
    spd, sad = branch1()
    first = sad.send(ping(0), RNG, now=0)
    assert isinstance(first, NotSent) and isinstance(first.acquire, AcquireRequested)
    assert first.acquire.peer == BRANCH2 and first.acquire.selectors.dst == HOST2
    assert sad.next_event() == first.acquire
    second = sad.send(ping(1), RNG, now=0.5)
    assert isinstance(second, NotSent) and second.acquire is None  # no second acquire
    assert spd.flows[0].counters.send_errors == 2
    out, _ = sa_pair()
    sad.install(out, spd.flows[0])
    sent = sad.send(ping(2), RNG, now=1)
    assert isinstance(sent, Sent) and sent.action is PolicyAction.PROTECT and sent.sa is out
    assert spd.flows[0].counters.pkts_encaps == 1


def test_non_interesting_traffic_goes_out_in_the_clear() -> None:
    _, sad = branch1()
    packet = ping(src=HOST1, dst="8.8.8.8")
    assert sad.send(packet, RNG, now=0) == Sent(packet, PolicyAction.BYPASS)


def test_inbound_sa_is_found_by_spi_destination_and_protocol() -> None:
    spd2 = Spd([CryptoMapEntry("CRYPTO", 10, ACL, BRANCH1, (TS,))])
    sad2 = Sad(spd2)
    out, inb = sa_pair()
    sad2.install(inb, spd2.flows[0])
    assert sad2.lookup(inb.spi, BRANCH2, 50) is inb
    assert sad2.lookup(inb.spi, BRANCH1, 50) is None
    assert sad2.lookup(inb.spi, BRANCH2, 51) is None
    from vpnteach.esp.esp import encapsulate

    result = sad2.receive(encapsulate(out, ping(), RNG, now=0), now=0)
    assert isinstance(result, Decapsulated)
    sad2.remove(inb)
    lost = sad2.receive(encapsulate(out, ping(), RNG, now=0), now=0)
    assert isinstance(lost, Dropped) and lost.reason is DropReason.NO_SA
    assert sad2.invalid_spi_count == 1


def test_soft_expiry_event_then_rekeyed_sa_takes_over_and_counts_continue() -> None:
    spd, sad = branch1()
    old, _ = sa_pair(lifetime=Lifetime(600, 4608000))
    sad.install(old, spd.flows[0])
    assert isinstance(sad.send(ping(), RNG, now=0), Sent)
    assert sad.get_timer() == 570
    sad.handle_timer(570)
    event = sad.next_event()
    assert isinstance(event, SoftLifetimeExpired) and event.spi == old.spi
    new, _ = sa_pair(seed="rekeyed", spi=0x11111111, lifetime=Lifetime(600, 4608000))
    new.created_at = 570
    sad.install(new, spd.flows[0])
    sent = sad.send(ping(), RNG, now=571)
    assert isinstance(sent, Sent) and sent.sa is new
    assert spd.flows[0].counters.pkts_encaps == 2  # IOS counts per flow, across the rekey
    sad.handle_timer(600)
    assert old not in sad.sas() and new in sad.sas()
