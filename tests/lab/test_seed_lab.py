"""The seed tutorial, run end to end in one process: enrollment, IKE, the ping, the counters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ike.seed_log import MOVE, SEED_MOVES, SHOW_CRYPTO_ISAKMP_SA, seed_lines_missing
from tests.lab.conftest import PING, PingedLab
from tests.lab.wirecount import count, outer
from vpnteach.ios.errors import ExecError
from vpnteach.lab import Lab
from vpnteach.labs.seed_configs import SEED_CONFIGS

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "configs"
SEED_TEXT = Path("/work/shared/seed/ipsec-vpn-digital-certificates.txt")
ESP, ICMP = 50, 1


def _words(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_embedded_configs_are_the_asset_files_byte_for_byte() -> None:
    for name, text in SEED_CONFIGS.items():
        assert (ASSETS / f"{name.lower()}.cfg").read_text() == text


def test_enrollment_gives_both_branches_the_seed_serials_and_validity(
    seed_run: PingedLab,
) -> None:
    # Source: the seed tutorial's `show crypto pki certificates` on Branch1 and Branch2.
    b1, b2 = "AEST Jun 5 2010", "AEST Jun 5 2011"
    expected = {
        "Branch1": ("0x614C662A000000000009", f"04:00:18 {b1}", f"04:10:18 {b2}"),
        "Branch2": ("0x614AE084000000000008", f"03:58:38 {b1}", f"04:08:38 {b2}"),
    }
    for name, (serial, start, end) in expected.items():
        text = seed_run.lab.router(name).exec("show crypto pki certificates")
        assert f"Certificate Serial Number: {serial}" in text
        assert f"start date: {start}" in text and f"end   date: {end}" in text
        assert f"hostname={name}.amit.com" in text


def test_enrollment_went_over_the_network_to_the_ca() -> None:
    lab = Lab.seed()
    assert lab.ca_service is not None
    kinds = [type(r).__name__ for r in lab.ca_service.requests]
    assert kinds == ["GetCACert", "PKCSReq", "GetCACert", "PKCSReq"]  # Branch2, then Branch1
    assert "Trustpoint CA certificate accepted." in "\n".join(lab.branch1.transcript)
    assert "%PKI-6-CERTRET: Certificate received" in "\n".join(lab.branch1.transcript)


def test_lab_is_handed_over_at_the_seeds_first_log_line() -> None:
    lab = Lab.seed()
    assert lab.branch1.exec("show clock").strip() == "*10:21:50.071 AEST Sun Jun 6 2010"


def test_first_ping_loses_one_packet_while_ike_runs_then_succeeds(seed_run: PingedLab) -> None:
    lines = seed_run.ping_output.splitlines()
    assert lines[:3] == [
        "Type escape sequence to abort.",
        "Sending 5, 100-byte ICMP Echos to 192.168.22.1, timeout is 2 seconds:",
        "Packet sent with a source address of 192.168.11.1 ",
    ]
    assert lines[-2] == ".!!!!"
    assert re.fullmatch(
        r"Success rate is 80 percent \(4/5\), round-trip min/avg/max = \d+/\d+/\d+ ms", lines[-1]
    )


def test_initiator_transitions_equal_the_seed_log(seed_run: PingedLab) -> None:
    gateway = seed_run.lab.branch1.gateway
    assert gateway is not None
    ours = [
        (str(m.input).split(", ")[0], str(m.input).split(", ")[1], m.old_state.value,
         m.new_state.value)
        for m in gateway.ike.recorder.moves()
    ]  # fmt: skip
    assert len(SEED_MOVES) == 13
    assert ours == SEED_MOVES


def test_the_debug_log_printed_by_ping_shows_the_seed_transitions(seed_run: PingedLab) -> None:
    printed = MOVE.findall(seed_run.ping_output)
    assert printed == SEED_MOVES
    first = seed_run.ping_output.splitlines()[3]
    assert first == "Jun 6 10:21:50.071: ISAKMP:(0): SA request profile is (NULL)"


def test_without_debug_the_ping_prints_no_log() -> None:
    lab = Lab.seed()
    out = lab.branch1.exec(PING)
    assert "ISAKMP" not in out and out.splitlines()[-2] == ".!!!!"


def test_counters_equal_the_esp_packets_on_the_wire(seed_run: PingedLab) -> None:
    wan = seed_run.wan
    sent = count(wan, "10.1.1.1", "10.2.2.1", ESP)
    received = count(wan, "10.2.2.1", "10.1.1.1", ESP)
    assert (sent, received) == (4, 4)
    b1 = seed_run.lab.branch1.exec("show crypto ipsec sa")
    assert f"#pkts encaps: {sent}, #pkts encrypt: {sent}, #pkts digest: {sent}" in b1
    assert f"#pkts decaps: {received}, #pkts decrypt: {received}, #pkts verify: {received}" in b1
    assert "#send errors 1, #recv errors 0" in b1  # the first echo, dropped for the acquire
    b2 = seed_run.lab.branch2.exec("show crypto ipsec sa")
    assert f"#pkts encaps: {received}," in b2 and f"#pkts decaps: {sent}," in b2
    assert "#send errors 0, #recv errors 0" in b2


def test_the_provider_never_sees_a_lan_address(seed_run: PingedLab) -> None:
    for record in seed_run.wan.records:
        src, dst, _ = outer(record.packet)
        assert not src.startswith("192.168.") and not dst.startswith("192.168.")
    assert count(seed_run.wan, "192.168.11.1", "192.168.22.1", ICMP) == 0


def test_show_crypto_isakmp_sa_equals_the_seeds(seed_run: PingedLab) -> None:
    ours = _words("Branch1# show crypto isakmp sa\n" + seed_run.lab.branch1.exec("sh cry isa sa"))
    assert ours == _words(SHOW_CRYPTO_ISAKMP_SA)


def test_show_crypto_ipsec_sa_has_the_seeds_lines(seed_run: PingedLab) -> None:
    text = SEED_TEXT.read_text() if SEED_TEXT.exists() else None
    if text is None:
        pytest.skip("the seed tutorial text is not on this machine")
    start = text.index("Branch1# show crypto ipsec sa\n") + len("Branch1# show crypto ipsec sa\n")
    seed = _words(text[start : text.index("outbound pcp sas:", start) + len("outbound pcp sas:")])
    ours = _words(seed_run.lab.branch1.exec("show crypto ipsec sa"))

    def shape(line: str) -> str:
        # SPIs and remaining lifetimes are this run's; the seed's router called its serial
        # interface Serial0/0 in show output and Serial1/0 in its config.
        line = re.sub(r"0x[0-9A-F]{8}\(\d+\)", "SPI", line)
        line = re.sub(r"\(\d+/\d+\)", "(K/S)", line)
        return line.replace("Serial0/0", "Serial1/0")

    assert [shape(line) for line in ours] == [shape(line) for line in seed]


def test_configuration_show_commands_answer_from_the_loaded_config(seed_run: PingedLab) -> None:
    b1 = seed_run.lab.branch1
    assert "crypto map CRYPTO 10 ipsec-isakmp" in b1.exec("show running-config")
    assert "Peer = 10.2.2.1" in b1.exec("show crypto map")
    assert "Transform set TS: { esp-3des esp-md5-hmac  }" in b1.exec(
        "show crypto ipsec transform-set"
    )
    policy = b1.exec("show crypto isakmp policy")
    assert "Protection suite of priority 10" in policy and "Three key triple DES" in policy


def test_hosts_on_the_two_lans_reach_each_other_only_through_the_tunnel(
    seed_run: PingedLab,
) -> None:
    lab = seed_run.lab
    out = lab.ping("PC1", "192.168.22.10")
    assert out.splitlines()[-2] == "!!!!!"  # the SAs exist: no echo lost
    assert count(seed_run.wan, "192.168.11.10", "192.168.22.10", ICMP) == 0


def test_an_unknown_command_is_refused_like_ios() -> None:
    lab = Lab.seed()
    with pytest.raises(ExecError, match=r"Invalid input detected at '\^' marker"):
        lab.branch1.exec("show crypto nonsense")
    with pytest.raises(ExecError, match="configure"):
        lab.branch1.exec("configure terminal")


def test_same_seed_same_transcript_and_same_bytes() -> None:
    def run(seed: int) -> tuple[list[str], list[bytes]]:
        lab = Lab.seed(seed)
        wan = lab.capture("WAN")
        lab.branch1.exec("debug crypto isakmp")
        lab.branch1.exec(PING)
        lab.branch1.exec("show crypto ipsec sa")
        return lab.branch1.transcript, [r.packet for r in wan.records]

    first, second, other = run(7), run(7), run(8)
    assert first == second
    assert first[1] != other[1] and first[0] != other[0]


def test_the_console_shows_every_line_of_the_seeds_log_in_order(seed_run: PingedLab) -> None:
    assert seed_lines_missing(seed_run.ping_output) == []
