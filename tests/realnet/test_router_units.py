"""The router process's pure parts, without root: framing, PKI files, commands."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require
from tests.gateway.test_gateway import WAN, echo
from tests.gateway.test_gateway import Pair as GatewayPair
from tests.realnet.harness import write_configs
from vpnteach.gateway import Discard, Transmit
from vpnteach.gateway.fastpath import FastPath
from vpnteach.ios import apply_commands, parse_config
from vpnteach.ios.errors import ExecError
from vpnteach.labs.seed import variant_commands
from vpnteach.labs.seed_configs import SEED_CONFIGS
from vpnteach.net.tun import TunDevice, TunError
from vpnteach.router.cli import build_parser, load_config
from vpnteach.router.commands import run_command
from vpnteach.router.framing import is_esp_in_udp, udp_outer_packet, wan_datagram
from vpnteach.router.pki import RouterPkiError, enroll_files, load_pki
from vpnteach.router.process import (
    RouterProcess,
    RouterSetupError,
    lan_interface,
    remote_networks,
)
from vpnteach.wire.ip import IpProtocol, ipv4_packet

SPI = bytes.fromhex("c0ffee01")


def test_esp_in_udp_payload_round_trips_through_the_outer_packet() -> None:
    payload = SPI + bytes(range(40))
    outer = udp_outer_packet("10.2.2.1", 4500, "10.1.1.1", 4500, payload)
    out = wan_datagram(outer)
    assert out is not None
    assert (out.dst, out.dst_port, out.src_port, out.payload) == ("10.1.1.1", 4500, 4500, payload)


def test_plain_esp_goes_to_the_raw_socket_without_the_ip_header() -> None:
    esp = SPI + bytes(24)
    out = wan_datagram(ipv4_packet("10.1.1.1", "10.2.2.1", 50, esp))
    assert out is not None and out.src_port is None and out.payload == esp


def test_anything_else_is_not_sent_on_the_wan() -> None:
    assert wan_datagram(ipv4_packet("10.1.1.1", "10.2.2.1", IpProtocol.ICMP, bytes(8))) is None
    assert wan_datagram(b"\x60" + bytes(39)) is None  # IPv6


@pytest.mark.parametrize(
    ("payload", "port", "esp"),
    [(SPI + bytes(8), 4500, True), (bytes(4) + bytes(28), 4500, False), (b"\xff", 4500, False),
     (SPI + bytes(8), 500, False)],
    ids=["spi-on-4500", "non-esp-marker", "nat-keepalive", "port-500"],
)  # fmt: skip
def test_rfc3948_tells_esp_from_ike_on_port_4500(payload: bytes, port: int, esp: bool) -> None:
    assert is_esp_in_udp(payload, port) is esp


def test_enrolled_files_verify_with_openssl_and_load_into_the_router_pki(tmp_path: Path) -> None:
    require(shutil.which("openssl") is not None, "needs the openssl command")
    enroll_files(tmp_path, ["Branch1"], seed="units")
    # independent check: `openssl verify -CAfile ca.cert.pem branch1.cert.pem`
    proc = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tmp_path / "ca.cert.pem"),
         str(tmp_path / "branch1.cert.pem")], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip().endswith(": OK"), proc.stdout
    config = parse_config(SEED_CONFIGS["Branch1"])
    import datetime as dt

    pki = load_pki(config, tmp_path, dt.timezone.utc)
    tp = pki.trustpoints["WIN2003"]
    assert tp.certificate is not None and tp.ca_certificate is not None
    assert pki.keys["BRANCH_KEY"].public_der() == tp.certificate.public_key().public_bytes(*_spki())


def _spki() -> tuple[object, object]:
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    import datetime as dt

    enroll_files(tmp_path, ["Branch2"], seed="units")
    with pytest.raises(RouterPkiError, match=r"branch1\.cert\.pem"):
        load_pki(parse_config(SEED_CONFIGS["Branch1"]), tmp_path, dt.timezone.utc)


def test_the_lan_interface_is_the_one_without_a_crypto_map() -> None:
    assert str(lan_interface(parse_config(SEED_CONFIGS["Branch2"]))) == "192.168.22.1/24"
    wan_only = SEED_CONFIGS["Branch1"].replace(
        "interface FastEthernet0/0\n ip address 192.168.11.1 255.255.255.0\n", ""
    )
    with pytest.raises(RouterSetupError, match="no LAN interface"):
        lan_interface(parse_config(wan_only))


def test_a_static_vti_routes_its_ip_routes_into_the_tun_not_the_any_any_selectors() -> None:
    vti = variant_commands("Branch1", "modern", None, "pre-share", ike=2, form="vti")
    config = apply_commands(parse_config(SEED_CONFIGS["Branch1"]), vti)
    assert next(iter(config.interfaces)) == "Serial1/0"  # first, and no crypto map on it now
    assert str(lan_interface(config)) == "192.168.11.1/24"  # the tunnel's source is the WAN
    router = RouterProcess(config)
    assert remote_networks(router.gateway) == ["192.168.22.0/24"]  # not 0.0.0.0/0
    shown = run_command(router, "show crypto ipsec sa")
    assert shown.startswith(
        "interface: Tunnel0\n    Crypto map tag: Tunnel0-head-0, local addr 10.1.1.1"
    )
    brief = run_command(router, "show ip interface brief").splitlines()
    assert brief[-1].split()[-3:] == ["manual", "up", "down"]  # no IPsec SA yet


def test_a_second_config_file_is_applied_on_top_like_configure_terminal(tmp_path: Path) -> None:
    config = load_config([str(p) for p in write_configs(tmp_path, "Branch1", "modern")])
    policy = config.isakmp_policies[10]
    assert (policy.encryption, policy.key_length, policy.group) == ("aes", 256, 14), policy


def test_exec_commands_answer_without_starting_the_io() -> None:
    router = RouterProcess(parse_config(SEED_CONFIGS["Branch1"]))
    assert "IPv4 Crypto ISAKMP SA" in run_command(router, "sh cry isa sa")
    assert "current outbound spi: 0x0(0)" in run_command(router, "show crypto ipsec sa")
    assert run_command(router, "debug crypto ipsec") == "Crypto IPSEC debugging is on\n"
    with pytest.raises(ExecError, match=r"Branch1#show crypto bogus\n {20}\^"):
        run_command(router, "show crypto bogus")


def test_the_control_socket_takes_output_modifiers_like_the_console() -> None:
    router = RouterProcess(parse_config(SEED_CONFIGS["Branch1"]))
    assert run_command(router, "sh run | sec crypto isakmp") == (
        "crypto isakmp policy 10\n encr 3des\n hash md5\n"
    )
    assert run_command(router, "show crypto ipsec sa | i spi") == (
        "     current outbound spi: 0x0(0)\n"
    )
    with pytest.raises(ExecError, match=r"Branch1#sh run \| bogus x\n {17}\^"):
        run_command(router, "sh run | bogus x")
    with pytest.raises(ExecError, match=r'Invalid regular expression "\[a"'):
        run_command(router, "sh run | i [a")
    assert "M - Manually configured" in run_command(router, "show crypto key pubkey-chain rsa")
    with pytest.raises(ExecError, match="without --pki"):
        run_command(router, "show crypto key mypubkey rsa")


def test_force_udp_encap_is_the_ike_engines_flag_and_survives_a_reconfiguration() -> None:
    config = parse_config(SEED_CONFIGS["Branch1"])
    assert not RouterProcess(config).gateway.ike.config.force_udp_encapsulation
    router = RouterProcess(config, force_udp_encap=True)
    assert router.gateway.ike.config.force_udp_encapsulation
    router.gateway.reconfigure(config, 0.0)
    assert router.gateway.ike.config.force_udp_encapsulation
    assert router.gateway.ike.ctx.config is router.gateway.ike.config


def test_a_tun_name_longer_than_ifnamsiz_is_refused_before_opening() -> None:
    with pytest.raises(TunError, match="longer than 15"):
        TunDevice("a-much-too-long-name")


def test_the_cli_knows_run_show_and_enroll() -> None:
    parser = build_parser()
    args = parser.parse_args(["run", "--config", "b1.cfg", "--force-udp-encap", "--initiate"])
    assert args.force_udp_encap and args.initiate and args.tun == "vt0"
    assert parser.parse_args(["show", "--control", "c", "show", "clock"]).words == ["show", "clock"]
    assert parser.parse_args(["enroll", "--pki", "d", "Branch1"]).hostnames == ["Branch1"]


def test_the_learner_topology_has_fixed_names_and_the_seed_addresses() -> None:
    from vpnteach.net.netns import learner_topology

    topo = learner_topology()
    assert (topo.left.ns, topo.left.wan_dev, topo.left.wan_cidr) == (
        "branch1",
        "b1-wan",
        "10.1.1.1/24",
    )
    assert (topo.right.ns, topo.right.wan_dev, topo.right.wan_cidr) == (
        "branch2",
        "b2-wan",
        "10.2.2.1/24",
    )


class _Socket:
    """A socket double that returns ``datagrams`` once each (from ``source``), then would
    block; what is sent is kept in ``sent``."""

    def __init__(self, *datagrams: bytes, source: str = "10.2.2.1") -> None:
        self.queue, self.source = list(datagrams), source
        self.sent: list[bytes] = []

    def recvfrom(self, size: int) -> tuple[bytes, tuple[str, int]]:
        return self.recv(size), (self.source, 500)

    def recv(self, size: int) -> bytes:
        if not self.queue:
            raise BlockingIOError
        return self.queue.pop(0)

    def sendto(self, data: bytes, addr: tuple[str, int]) -> int:
        self.sent.append(data)
        return len(data)


class _Writer(list[bytes]):
    """The TUN writer double: what would be written to the LAN."""

    def put(self, packet: bytes) -> None:
        self.append(packet)

    def flush(self) -> None:
        pass

    dropped = errors = 0


def _qm3_and_first_esp() -> tuple[GatewayPair, bytes, bytes]:
    """Branch1 and Branch2 in process up to QM3, which is held back, and Branch1's first ESP
    packet on the SAs it installed on QM2."""
    pair = GatewayPair()
    assert isinstance(pair.b1.outbound(echo(), WAN, pair.now), Discard)  # IKE triggered
    from_b1 = 0
    while True:
        for d in pair.b1.datagrams_to_send(pair.now):
            from_b1 += 1
            if from_b1 == 5:  # MM1, MM3, MM5, QM1, QM3
                esp = pair.b1.outbound(echo(1), WAN, pair.now)
                assert isinstance(esp, Transmit) and esp.protected
                return pair, d.data, esp.packet
            pair.b2.receive_datagram(d.data, ("10.1.1.1", 500), pair.now, 500)
        for d in pair.b2.datagrams_to_send(pair.now):
            pair.b1.receive_datagram(d.data, ("10.2.2.1", 500), pair.now, 500)
        pair.now += 0.01


def _responder(pair: GatewayPair, *on_udp500: bytes) -> tuple[RouterProcess, _Writer]:
    router = RouterProcess(parse_config(SEED_CONFIGS["Branch2"]), log=io.StringIO())
    router.gateway, router._fast = pair.b2, FastPath(pair.b2)
    router.udp[500] = _Socket(*on_udp500, source="10.1.1.1")  # type: ignore[assignment]
    router._lan_writer = writer = _Writer()  # type: ignore[assignment]
    return router, writer


def test_esp_read_before_the_event_loop_read_qm3_still_finds_its_sa() -> None:
    """QM3 waits on UDP 500 (the event loop's socket) when the data-plane thread reads the
    first ESP packet on the new SAs, which the responder installs on QM3 (RFC 2409 §5.5): the
    data plane reads UDP 500 first, so the packet is delivered, not dropped as unknown."""
    pair, qm3, esp = _qm3_and_first_esp()
    router, writer = _responder(pair, qm3)
    router.raw = _Socket(esp)  # type: ignore[assignment]
    router._on_raw_esp()
    assert writer == [echo(1)]
    assert not [k for k in router.stats if k.startswith("discard")], router.stats


def test_without_qm3_the_same_esp_packet_is_dropped_as_unknown() -> None:
    pair, _, esp = _qm3_and_first_esp()
    router, writer = _responder(pair)
    router.raw = _Socket(esp)  # type: ignore[assignment]
    router._on_raw_esp()
    assert writer == []
    assert [k for k in router.stats if k.startswith("discard")], router.stats


def test_a_bug_while_receiving_is_logged_with_its_traceback_and_the_router_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = io.StringIO()
    router = RouterProcess(parse_config(SEED_CONFIGS["Branch1"]), log=log)
    receive = router.gateway.receive_datagram
    calls: list[bytes] = []

    def planted(data: bytes, addr: tuple[str, int], now: float, port: int = 500) -> None:
        calls.append(data)
        if len(calls) == 1:
            raise RuntimeError("planted bug\n*Mar  1 00:00:00: %CRYPTO-6-FORGED: a line of its own")
        receive(data, addr, now, port)

    monkeypatch.setattr(router.gateway, "receive_datagram", planted)
    router.udp[500] = _Socket(b"first", b"garbage")  # type: ignore[assignment]
    router._on_udp(500)
    assert calls == [b"first", b"garbage"]  # the second datagram was still read and handled
    assert router.stats["internal_error"] == 1
    text = log.getvalue()
    assert "%VPNTEACH-3-INTERNAL_ERROR: datagram from 10.2.2.1:500 on UDP 500" in text
    lines = text.splitlines()
    assert "    Traceback (most recent call last):" in lines  # one indented line each, not "?"
    assert "    RuntimeError: planted bug" in lines
    # A newline inside the exception's text (peer data, say) does not start a log line.
    assert not any(line.startswith("*Mar") for line in lines)
    assert "    *Mar  1 00:00:00: %CRYPTO-6-FORGED: a line of its own" in lines
    assert router.gateway.ike.stats["dropped_DecodeError"] == 1  # bad input: a counted drop
