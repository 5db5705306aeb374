"""The sans-IO gateway on its own: two gateways, datagrams and packets carried by hand.

No simulated network here: what one gateway emits is handed to the other, as a real router
process on TUN + UDP would. This pins down the glue (acquire -> IKE, Phase 2 -> SAD, lifetimes
-> rekey, Delete -> removal) independently of the lab.
"""

from __future__ import annotations

import functools

import pytest

from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.sa import Direction
from vpnteach.gateway import (
    Deliver,
    Discard,
    Gateway,
    GatewayConfigError,
    SasInstalled,
    SasRemoved,
    Transmit,
    is_esp,
)
from vpnteach.gateway.invalid_spi import INVALID_SPI_BURST, INVALID_SPI_WINDOW
from vpnteach.ios import RouterConfig, apply_commands, parse_config
from vpnteach.labs.seed_configs import SEED_CONFIGS
from vpnteach.pki.seed import SEED_CLOCK, SeedPki, build_seed_pki
from vpnteach.wire.ip import IpProtocol, UdpDatagram, icmp_echo, ipv4_packet

T0 = SEED_CLOCK.timestamp()
WAN = "Serial1/0"


@functools.lru_cache(maxsize=1)
def pki() -> SeedPki:
    return build_seed_pki(3)


def config(name: str, extra: str = "") -> RouterConfig:
    cfg = parse_config(SEED_CONFIGS[name])
    return apply_commands(cfg, extra) if extra else cfg


class Pair:
    """Branch1 and Branch2 gateways with a hand-carried WAN between them."""

    def __init__(self, extra: str = "", *, udp: bool = False) -> None:
        rng, force = SeededRng("gateway-test"), {"force_udp_encapsulation": udp}
        self.b1 = Gateway(
            config("Branch1", extra), pki().routers["Branch1"], rng.fork("1"), **force
        )
        self.b2 = Gateway(
            config("Branch2", extra), pki().routers["Branch2"], rng.fork("2"), **force
        )
        self.now = T0

    def carry(self, limit: int = 30) -> int:
        """Deliver IKE datagrams both ways until none is left; return how many."""
        total = 0
        for _ in range(limit):
            moved = 0
            for src, dst in ((self.b1, self.b2), (self.b2, self.b1)):
                for d in src.datagrams_to_send(self.now):
                    dst.receive_datagram(
                        d.data, (src.local_address, d.local_port), self.now, d.addr[1]
                    )
                    moved += 1
            total += moved
            if not moved:
                return total
            self.now += 0.01
        return total

    def up(self) -> None:
        first = self.b1.outbound(echo(), WAN, self.now)
        assert isinstance(first, Discard) and "IKE triggered" in first.reason
        assert self.carry() == 9  # MM1..MM6, QM1..QM3

    def events(self, gw: Gateway) -> list[object]:
        out: list[object] = []
        while (e := gw.next_event()) is not None:
            out.append(e)
        return out


def echo(seq: int = 0, src: str = "192.168.11.1", dst: str = "192.168.22.1") -> bytes:
    return icmp_echo(src, dst, identifier=1, sequence=seq, data=b"\xab\xcd" * 36)


def test_first_packet_triggers_ike_and_the_next_one_travels_in_esp() -> None:
    pair = Pair()
    pair.up()
    sent = pair.b1.outbound(echo(1), WAN, pair.now)
    assert isinstance(sent, Transmit) and sent.protected and sent.packet[9] == 50
    got = pair.b2.inbound(sent.packet, WAN, pair.now)
    assert got == Deliver(echo(1), decrypted=True)
    reply = pair.b2.outbound(echo(1, "192.168.22.1", "192.168.11.1"), WAN, pair.now)
    assert isinstance(reply, Transmit) and reply.protected
    assert pair.b1.inbound(reply.packet, WAN, pair.now) == Deliver(
        echo(1, "192.168.22.1", "192.168.11.1"), decrypted=True
    )
    installed = [e for e in pair.events(pair.b1) if isinstance(e, SasInstalled)]
    assert len(installed) == 1 and installed[0].peer == "10.2.2.1"


def test_the_two_gateways_agree_on_spis_and_keys() -> None:
    pair = Pair()
    pair.up()
    b1 = {sa.direction: sa for sa in pair.b1.sad.sas()}
    b2 = {sa.direction: sa for sa in pair.b2.sad.sas()}
    for mine, theirs in ((b1[Direction.OUTBOUND], b2[Direction.INBOUND]),
                         (b2[Direction.OUTBOUND], b1[Direction.INBOUND])):  # fmt: skip
        assert mine.spi == theirs.spi
        assert mine.encryption_key == theirs.encryption_key
        assert mine.integrity_key == theirs.integrity_key
    assert len(pair.b1.ike_keys) == len(pair.b2.ike_keys) == 1
    assert pair.b1.ike_keys == pair.b2.ike_keys  # same CKY-I, same Ka


def test_ike_and_unprotected_traffic_bypass_and_other_interfaces_are_untouched() -> None:
    gw = Pair().b1
    udp = UdpDatagram(500, 500, b"x" * 40).encode("10.1.1.1", "10.2.2.1")
    ike = ipv4_packet("10.1.1.1", "10.2.2.1", IpProtocol.UDP, udp)
    assert gw.outbound(ike, WAN, T0) == Transmit(ike)
    other = echo(0, "10.1.1.1", "10.9.9.9")
    assert gw.outbound(other, WAN, T0) == Transmit(other)
    lan = echo()
    assert gw.outbound(lan, "FastEthernet0/0", T0) == Transmit(lan)
    assert gw.next_event() is None  # nothing was acquired


def test_a_cleartext_packet_that_should_have_been_protected_is_discarded() -> None:
    gw = Pair().b1
    verdict = gw.inbound(echo(0, "192.168.22.1", "192.168.11.1"), WAN, T0)
    assert isinstance(verdict, Discard) and "RECVD_PKT_NOT_IPSEC" in verdict.reason


def test_soft_lifetime_rekeys_with_quick_mode_and_hard_lifetime_removes_the_old_sas() -> None:
    pair = Pair(
        "crypto map CRYPTO 10 ipsec-isakmp\n set security-association lifetime seconds 120\n"
    )
    pair.up()
    old_out = pair.b1.sad.outbound_sa(pair.b1.sad.spd.flows[0])
    assert old_out is not None
    timer = pair.b1.get_timer()
    assert timer is not None and timer == pytest.approx(old_out.created_at + 90)
    pair.now = timer
    pair.b1.handle_timer(pair.now)
    pair.b2.handle_timer(pair.now)
    assert pair.carry() == 3  # Quick Mode only: the ISAKMP SA is reused
    new_out = pair.b1.sad.outbound_sa(pair.b1.sad.spd.flows[0])
    assert new_out is not None and new_out.spi != old_out.spi
    pair.now = old_out.created_at + 121
    pair.b1.handle_timer(pair.now)
    assert old_out not in pair.b1.sad.sas() and new_out in pair.b1.sad.sas()
    sent = pair.b1.outbound(echo(5), WAN, pair.now)
    assert isinstance(sent, Transmit) and sent.packet[20:24] == new_out.spi.to_bytes(4, "big")


def test_clear_crypto_sa_tells_the_peer_which_removes_its_pair_too() -> None:
    pair = Pair()
    pair.up()
    pair.events(pair.b2)
    assert pair.b1.clear_crypto_sa(pair.now) == 2
    assert pair.carry() == 1  # one informational Delete
    assert pair.b1.sad.sas() == [] and pair.b2.sad.sas() == []
    removed = [e for e in pair.events(pair.b2) if isinstance(e, SasRemoved)]
    assert len(removed) == 1 and removed[0].reason == "Delete from the peer"


def test_a_router_without_a_crypto_map_cannot_run_a_gateway() -> None:
    cfg = parse_config("hostname R\ninterface Serial1/0\n ip address 10.0.0.1 255.255.255.0\n")
    with pytest.raises(GatewayConfigError, match="no interface has a 'crypto map'"):
        Gateway(cfg)


def test_is_esp_recognises_esp_and_esp_in_udp_but_not_ike_on_4500() -> None:
    esp = ipv4_packet("10.2.2.1", "10.1.1.1", IpProtocol.ESP, b"\x00\x00\x10\x00" + bytes(28))
    assert is_esp(esp)
    in_udp = UdpDatagram(4500, 4500, b"\x00\x00\x10\x00" + bytes(28)).encode("10.2.2.1", "10.1.1.1")
    assert is_esp(ipv4_packet("10.2.2.1", "10.1.1.1", IpProtocol.UDP, in_udp))
    marker = UdpDatagram(4500, 4500, bytes(4) + bytes(28)).encode("10.2.2.1", "10.1.1.1")
    assert not is_esp(ipv4_packet("10.2.2.1", "10.1.1.1", IpProtocol.UDP, marker))
    assert not is_esp(b"\x45")


def test_sas_the_sad_expires_leave_no_trace_in_the_pair_maps() -> None:
    pair = Pair(
        "crypto map CRYPTO 10 ipsec-isakmp\n set security-association lifetime seconds 120\n"
    )
    pair.up()
    first = {sa.sa_id for sa in pair.b1.sad.sas()}
    assert len(pair.b1.pairs) == 2
    pair.now += 90
    pair.b1.handle_timer(pair.now)
    pair.b2.handle_timer(pair.now)
    pair.carry()  # the rekey: a second pair
    assert len(pair.b1.pairs) == 4
    pair.now += 31
    pair.b1.handle_timer(pair.now)  # the first pair's hard lifetime
    left = pair.b1.sad.sas()
    assert len(left) == 2 and not first & {sa.sa_id for sa in left}
    assert len(pair.b1.pairs) == 2
    assert all(pair.b1.pairs.with_partners([sa]) != [sa] for sa in left)  # still paired


def test_spoofed_esp_with_random_spis_gets_a_bounded_number_of_invalid_spi_notifies() -> None:
    pair = Pair()
    pair.up()
    rng = SeededRng("spoof")
    for _ in range(5000):
        spi = int.from_bytes(rng.random_bytes(4), "big") | 1
        esp = ipv4_packet(
            "10.1.1.1", "10.2.2.1", IpProtocol.ESP, spi.to_bytes(4, "big") + bytes(28)
        )
        assert isinstance(pair.b2.inbound(esp, WAN, pair.now), Discard)
    notifies = pair.b2.datagrams_to_send(pair.now)
    assert len(notifies) == INVALID_SPI_BURST
    assert len(pair.b2.invalid_spi) == INVALID_SPI_BURST  # the table stays bounded too
    assert pair.b2.invalid_spi.suppressed == 5000 - INVALID_SPI_BURST
    pair.now += INVALID_SPI_WINDOW  # a window later, one more is allowed
    pair.b2.inbound(esp, WAN, pair.now)
    assert len(pair.b2.datagrams_to_send(pair.now)) == 1


@pytest.mark.parametrize("transform", ["", "crypto ipsec transform-set TS esp-gcm 256\n"])
def test_inbound_esp_on_the_udp_payload_is_inbound_on_the_whole_packet(transform: str) -> None:
    """What a UDP 4500 socket hands the router (RFC 3948) gives the same verdicts, counters and
    invalid-SPI recovery as the whole outer packet."""
    pairs = [Pair(transform, udp=True), Pair(transform, udp=True)]
    for pair in pairs:
        pair.up()
    verdicts = []
    for whole, pair in ((True, pairs[0]), (False, pairs[1])):
        first, second = (pair.b1.outbound(echo(n), WAN, pair.now) for n in (1, 2))
        assert isinstance(first, Transmit) and isinstance(second, Transmit) and first.protected
        forged, stranger = bytearray(second.packet), bytearray(first.packet)
        forged[-20] ^= 1  # in the ciphertext or the ICV: fails the ICV check
        stranger[28:32] = b"\xde\xad\xbe\xef"  # an SPI nobody chose
        got = []
        packets = (first.packet, first.packet, bytes(forged), second.packet, bytes(stranger))
        for packet in packets:  # delivered, replayed, forged, delivered, no SA
            if whole:
                got.append(pair.b2.inbound(packet, WAN, pair.now))
            else:
                got.append(pair.b2.inbound_esp(packet[28:], ("10.1.1.1", 4500), pair.now))
        verdicts.append(got)
        assert got[0] == Deliver(echo(1), decrypted=True) and got[3] == Deliver(echo(2), True)
        assert isinstance(got[1], Discard) and "replayed" in got[1].reason
        assert isinstance(got[2], Discard) and "ICV" in got[2].reason
        assert isinstance(got[4], Discard) and "no SA" in got[4].reason
        sent = pair.b2.datagrams_to_send(pair.now)  # the INVALID-SPI notify (IOS recovery)
        assert len(sent) == 1 and sent[0].addr[0] == "10.1.1.1"
    assert verdicts[0] == verdicts[1]
    shows = [p.b2.show_crypto_ipsec_sa(p.now, detail=True) for p in pairs]
    assert shows[0].split("spi:")[0] == shows[1].split("spi:")[0]  # the same counters
