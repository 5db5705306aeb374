"""``Lab.seed(ike=2)``: the seed's tunnel negotiated with IKEv2 (RFC 7296) from IOS FlexVPN
configuration, ESP carrying the ping. The ESP is checked independently of the engine: the
captured packets are opened with ``cryptography``'s AES-CBC and Python's HMAC-SHA-256
(RFC 4303 §2, RFC 3602, RFC 4868 §2.3) using the keys the peer installed.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.lab.ikev2_tools import PING, v2
from tests.lab.wirecount import count
from tests.tshark import tshark_complaints, tshark_rows
from vpnteach.esp.sa import Direction, IpsecSa
from vpnteach.gateway import Ikev2Gateway
from vpnteach.ikev2.events import ChildSaEstablished, IkeSaEstablished
from vpnteach.ios.errors import ExecError
from vpnteach.lab import Lab
from vpnteach.labs.seed import SeedLabError


@pytest.fixture(scope="module")
def run() -> tuple[Lab, str]:
    lab = Lab.seed(ike=2)
    lab.capture("WAN")
    return lab, lab.branch1.exec(PING)


def test_the_first_ping_brings_the_tunnel_up_with_certificates(run: tuple[Lab, str]) -> None:
    lab, output = run
    assert output.splitlines()[-2] == ".!!!!"  # the first echo starts IKE, as in the seed
    established = [e for e in lab.branch1.events if isinstance(e, IkeSaEstablished)]
    assert len(established) == 1 and established[0].role == "initiator"
    assert established[0].peer_identity == "10.2.2.1"
    assert "AES-CBC-256" in established[0].suite and "/14" in established[0].suite
    for name in ("Branch1", "Branch2"):
        assert v2(lab, name).v2.stats["dropped"] == 0
    assert lab.branch1.exec(PING).splitlines()[-1].startswith("Success rate is 100 percent")


def test_the_two_routers_agree_on_the_child_sa_pair(run: tuple[Lab, str]) -> None:
    lab, _ = run
    (ours,) = [e for e in lab.branch1.events if isinstance(e, ChildSaEstablished)]
    (theirs,) = [e for e in lab.branch2.events if isinstance(e, ChildSaEstablished)]
    assert (ours.spi_in, ours.spi_out) == (theirs.spi_out, theirs.spi_in)
    assert ours.encr_key_out == theirs.encr_key_in and ours.integ_key_in == theirs.integ_key_out
    assert str(ours.local_ts) == "192.168.11.0/24" and str(ours.remote_ts) == "192.168.22.0/24"


def test_the_wan_carries_ike_and_esp_only(run: tuple[Lab, str]) -> None:
    lab, _ = run
    capture = lab.captures["WAN1"]
    assert count(capture, "10.1.1.1", "10.2.2.1", 50) >= 4  # ESP (RFC 4303)
    assert count(capture, "10.2.2.1", "10.1.1.1", 50) >= 4
    assert count(capture, "10.1.1.1", "10.2.2.1", 17) >= 2  # IKE_SA_INIT + IKE_AUTH on UDP 500
    assert count(capture, "192.168.11.1", "192.168.22.1", 1) == 0  # no ICMP in clear


def _inbound_sa(lab: Lab, name: str, spi: int) -> IpsecSa:
    sas = [s for s in v2(lab, name).installed if s.spi == spi]
    assert len(sas) == 1 and sas[0].direction is Direction.INBOUND
    return sas[0]


def test_an_esp_packet_opens_with_the_peers_keys_outside_the_engine(run: tuple[Lab, str]) -> None:
    lab, _ = run
    esp = next(
        r.packet for r in lab.captures["WAN1"].records if r.packet[9] == 50 and r.packet[12:16]
        == bytes([10, 1, 1, 1])
    )  # fmt: skip
    body = esp[(esp[0] & 0x0F) * 4 :]
    spi = int.from_bytes(body[:4], "big")
    sa = _inbound_sa(lab, "Branch2", spi)
    icv = body[-16:]
    expected = hmac.new(sa.integrity_key, body[:-16], hashlib.sha256).digest()[:16]
    assert icv == expected  # HMAC-SHA-256-128 (RFC 4868 §2.3)
    iv, ciphertext = body[8:24], body[24:-16]
    decryptor = Cipher(algorithms.AES(sa.encryption_key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(ciphertext) + decryptor.finalize()
    pad_length, next_header = plain[-2], plain[-1]
    inner = plain[: -2 - pad_length]
    assert next_header == 4  # IP-in-IP: tunnel mode (RFC 4303 §2.6)
    assert inner[12:16] == bytes([192, 168, 11, 1]) and inner[16:20] == bytes([192, 168, 22, 1])
    assert inner[9] == 1 and inner[20] == 8  # ICMP echo request


def test_show_crypto_ikev2_sa_lists_the_ready_sa_with_the_negotiated_suite(
    run: tuple[Lab, str],
) -> None:
    lab, _ = run
    shown = lab.branch2.exec("show crypto ikev2 sa")
    row = next(line for line in shown.splitlines() if "READY" in line)
    assert row.split()[:3] == ["1", "10.2.2.1/500", "10.1.1.1/500"]
    assert "Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:14" in shown
    assert "Auth sign: RSA, Auth verify: RSA" in shown
    detail = lab.branch2.exec("sh cry ikev2 sa det")
    sa = next(iter(v2(lab, "Branch2").v2.sas.values()))
    assert f"Local spi: {sa.spi_r.hex().upper()}" in detail
    assert f"Remote spi: {sa.spi_i.hex().upper()}" in detail
    assert "Initiator of SA : No" in detail and "Remote id: 10.1.1.1" in detail
    isakmp = lab.branch2.exec("show crypto isakmp sa").splitlines()
    assert isakmp[:3] == ["IPv4 Crypto ISAKMP SA", isakmp[1], ""]  # headings, no ISAKMP SA


def test_pre_shared_keys_from_a_flexvpn_keyring() -> None:
    lab = Lab.seed(ike=2, auth="pre-share")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    assert "Auth sign: PSK, Auth verify: PSK" in lab.branch1.exec("show crypto ikev2 sa")
    assert "pre-shared-key cisco123" in lab.branch1.exec("show running-config")


def test_a_wrong_pre_shared_key_brings_nothing_up() -> None:
    lab = Lab.seed(ike=2, auth="pre-share")
    lab.branch2.configure("crypto ikev2 keyring KEYS\n peer Branch1\n  pre-shared-key wrong\n")
    assert lab.branch1.exec(PING).splitlines()[-1].startswith("Success rate is 0 percent")
    assert not [e for e in lab.branch1.events if isinstance(e, ChildSaEstablished)]


def test_debug_crypto_ikev2_prints_the_moves_of_the_exchange() -> None:
    lab = Lab.seed(ike=2)
    assert lab.branch2.exec("debug crypto ikev2") == "IKEv2 default debugging is on\n"
    lab.branch1.exec(PING)
    said = lab.branch2.read_console()
    assert "IKEv2:(SESSION ID = 1,SA ID = 1):Received valid IKE_SA_INIT request" in said
    assert "State IDLE -> R_WAIT_AUTH (IKE_SA_INIT request)" in said
    assert "State R_WAIT_AUTH -> READY (IKE_AUTH request)" in said
    assert said.startswith("*Jun  6 10:21:50.")


def test_rsa_encr_is_refused_for_ikev2() -> None:
    with pytest.raises(SeedLabError, match="IKEv1 only"):
        Lab.seed(ike=2, auth="rsa-encr")
    with pytest.raises(SeedLabError, match="IKE version"):
        Lab.seed(ike=3)


V2_FIELDS = ["isakmp.exchangetype", "isakmp.auth.method", "isakmp.ts.start_ipv4", "esp.spi",
             "esp.icv_good", "icmp.type"]  # fmt: skip


def test_tshark_decrypts_the_ikev2_exchanges_and_the_esp_with_our_tables(
    tshark: str, tmp_path: Path
) -> None:
    lab = Lab.seed(ike=2)
    lab.capture("WAN")
    lab.branch1.exec(PING)
    written = {p.name for p in lab.export_pcap(tmp_path)}
    assert {"WAN1.pcap", "ikev2_decryption_table", "esp_sa", "preferences"} <= written
    rows = tshark_rows(tmp_path / "WAN1.pcap", tmp_path, V2_FIELDS)
    # IKE_AUTH (35), decrypted: the AUTH method (1: RSA signature) and TSi are only inside SK
    auth = [r for r in rows if r[0] == "35" and r[1]]
    assert [r[1] for r in auth] == ["1", "1"]
    assert all(r[2].startswith("192.168.11.0") for r in auth)
    esp = [r for r in rows if r[3]]
    assert len(esp) == 8 and [r[4] for r in esp] == ["1"] * 8
    assert [r[5] for r in esp] == ["8", "0"] * 4
    assert tshark_complaints(tmp_path / "WAN1.pcap", tmp_path).strip() == ""


@pytest.mark.parametrize("pfs", [14, 2])  # the IKE SA's group, and another one (set pfs group2)
def test_the_soft_lifetime_rekeys_the_child_sa_with_create_child_sa_and_pfs(pfs: int) -> None:
    lab = Lab.seed(ike=2, pfs=pfs)
    for router in (lab.branch1, lab.branch2):
        router.configure("crypto map CRYPTO 10\n set security-association lifetime seconds 120\n")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    lab.run(150)  # past the soft lifetime (RFC 4301 §4.4.2.1)
    assert lab.branch1.exec(PING).splitlines()[-2] == "!!!!!"
    children = [e for e in lab.branch1.events if isinstance(e, ChildSaEstablished)]
    assert len(children) == 2 and children[1].pfs_group == pfs
    assert children[1].rekeyed_spi == children[0].spi_in
    handlers = [m.handler for m in v2(lab, "Branch1").v2.moves]
    assert handlers[3:] == [
        "send_rekey_child_sa", "receive_create_child_sa_response", "receive_informational_response"
    ]  # fmt: skip
    live = {sa.spi for sa in v2(lab, "Branch1").sad.sas()}
    assert live == {
        int.from_bytes(children[1].spi_in, "big"),
        int.from_bytes(children[1].spi_out, "big"),
    }


FLEXVPN_TYPED = """crypto ikev2 proposal PROP
 encryption aes-cbc-128
 integrity sha1
 group 14
crypto ikev2 profile PROF
 match identity remote address {peer} 255.255.255.255
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint WIN2003
crypto ipsec transform-set TS2 esp-aes esp-sha-hmac
crypto map CRYPTO 10 ipsec-isakmp
 set transform-set TS2
 set ikev2-profile PROF
"""


def test_flexvpn_typed_into_the_ikev1_seed_lab_switches_the_tunnel_to_ikev2() -> None:
    lab = Lab.seed()  # IKEv1, as the tutorial has it
    for router, peer in ((lab.branch1, "10.2.2.1"), (lab.branch2, "10.1.1.1")):
        router.configure(FLEXVPN_TYPED.format(peer=peer))
        assert isinstance(router.gateway, Ikev2Gateway)
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    shown = lab.branch1.exec("show crypto ikev2 sa")
    assert "Encr: AES-CBC, keysize: 128, PRF: SHA1, Hash: SHA96, DH Grp:14" in shown
    assert "transform: esp-128-aes esp-sha-hmac" in lab.branch1.exec("show crypto ipsec sa")


def test_a_transform_set_ikev2_cannot_negotiate_is_named_when_asked() -> None:
    lab = Lab.seed()
    text = FLEXVPN_TYPED.format(peer="10.2.2.1").replace(" set transform-set TS2\n", "")
    lab.branch1.configure(text)  # the seed's TS is esp-3des esp-md5-hmac
    assert lab.branch1.gateway is None
    with pytest.raises(ExecError, match="transform-set TS: IKEv2 here negotiates ESP with esp-aes"):
        lab.branch1.exec("show crypto ikev2 sa")


def test_clear_crypto_sa_and_clear_crypto_isakmp_then_traffic_negotiates_again() -> None:
    lab = Lab.seed(ike=2)
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    for command in ("clear crypto sa", "clear crypto isakmp"):
        lab.branch1.exec(command)
        assert not v2(lab, "Branch2").sad.sas()  # the peer acted on our Delete (§1.4.1)
        assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!", command
        pairs = [len(v2(lab, name).sad.sas()) for name in ("Branch1", "Branch2")]
        assert pairs == [2, 2], command  # one Child SA pair on each side, the same one
    ready = [s for s in v2(lab, "Branch1").v2.sas.values() if s.established]
    assert len(ready) == 1
