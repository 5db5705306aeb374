"""The seed's dialogues at the configuration prompt: answers change what follows.

IOS 12.4's texts (Cisco IOS Security Configuration Guide, "Configuring Certificate Enrollment
for a PKI"; "Deploying RSA Keys Within a PKI"). Saying yes to the IP-address question puts the
address in the certificate, and IKE then identifies the router by its address (ID_IPV4_ADDR);
refusing it, as the seed's operator did, leads to the seed's "My ID configured as IPv4 Addr,
but Addr not in Cert!" at MM5.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from tests.lab.console_session import branch_lines, type_lines
from vpnteach.ios.console import Console
from vpnteach.lab import Lab
from vpnteach.labs.console import blank_seed_lab, console_for

PING = "ping 192.168.22.1 source 192.168.11.1"


def _configured_lab(branch1_ip_answer: list[str]) -> tuple[Lab, Console, str]:
    lab = blank_seed_lab()
    type_lines(
        console_for(lab.branch2), branch_lines(2, "10.1.1.1", "192.168.22", "192.168.11", False)
    )
    lines = branch_lines(1, "10.2.2.1", "192.168.11", "192.168.22", False)
    at = lines.index("crypto pki enroll WIN2003") + 4  # after password, again, serial
    lines[at : at + 1] = branch1_ip_answer
    console = console_for(lab.branch1)
    return lab, console, type_lines(console, lines)


def test_an_address_in_the_subject_makes_ike_use_it_as_the_id() -> None:
    lab, console, typed = _configured_lab(["yes", "Serial1/0"])
    assert "Enter Interface name or IP Address[]: Serial1/0" in typed
    typed += type_lines(console, ["debug crypto isakmp", PING])
    assert typed.splitlines()[-2].endswith(".!!!!")
    assert "Addr not in Cert!" not in typed
    assert "using id type ID_IPV4_ADDR" in typed
    cert = lab.branch1.pki.trustpoint("WIN2003").certificate
    assert cert is not None
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["10.1.1.1"]


def test_refusing_the_address_gives_the_seeds_addr_not_in_cert() -> None:
    _, console, typed = _configured_lab(["no"])
    typed += type_lines(console, ["debug crypto isakmp", PING])
    assert "My ID configured as IPv4 Addr, but Addr not in Cert!" in typed
    assert "using id type ID_FQDN" in typed


def test_refusing_the_ca_certificate_stores_nothing_and_enroll_says_why() -> None:
    lab = blank_seed_lab()
    console = console_for(lab.branch1)
    lines = branch_lines(1, "10.2.2.1", "192.168.11", "192.168.22", False)
    setup = lines[: lines.index("crypto pki authenticate WIN2003")]
    typed = type_lines(console, [*setup, "crypto pki authenticate WIN2003", "maybe", "no"])
    assert "% Please answer 'yes' or 'no'." in typed
    assert "% Certificate not accepted" in typed
    assert not lab.branch1.pki.trustpoint("WIN2003").authenticated
    typed = type_lines(console, ["crypto pki enroll WIN2003"])
    assert "Branch1(config)#crypto pki enroll WIN2003\n%" in typed
    assert console.prompt == "Branch1(config)#"  # no dialogue started


def test_passwords_that_differ_are_asked_again_and_never_echoed() -> None:
    lab = blank_seed_lab()
    console = console_for(lab.branch1)
    lines = branch_lines(1, "10.2.2.1", "192.168.11", "192.168.22", False)
    setup = lines[: lines.index("crypto pki enroll WIN2003")]
    type_lines(console, setup)
    typed = type_lines(console, ["crypto pki enroll WIN2003", "one", "two", "three", "three"])
    assert "% Password mismatch - please try again." in typed
    assert "one" not in typed.replace("one per line", "") and "three" not in typed
    assert console.prompt.startswith("% Include the router serial number")


def test_crypto_key_generate_rsa_without_a_modulus_asks_for_it() -> None:
    lab = blank_seed_lab()
    console = console_for(lab.branch1, enabled=True)
    typed = type_lines(
        console, ["configure terminal", "hostname Branch1", "ip domain-name amit.com"]
    )
    typed = type_lines(console, ["crypto key generate rsa", "768", "1280"])
    assert "The name for the keys will be: Branch1.amit.com" in typed
    assert "How many bits in the modulus [1024]: 768" in typed
    assert "% Key modulus: a modulus of 1024-4096 bits, a multiple of 256" in typed
    assert "% Generating 1280 bit RSA keys, keys will be non-exportable...[OK]" in typed
    assert lab.branch1.pki.keys["Branch1.amit.com"].modulus == 1280
    # the model's limit is the grammar's: a weak modulus is refused at the line, not deep inside
    typed = type_lines(console, ["crypto key generate rsa modulus 768 label WEAK"])
    assert "^\n% Invalid input detected at '^' marker." in typed


def test_running_config_saved_to_a_file_loads_into_a_blank_router(tmp_path: Path) -> None:
    lab, console, _ = _configured_lab(["no"])
    path = tmp_path / "branch1.cfg"
    saved = type_lines(console, [f"copy running-config {path}"])
    assert "[OK]" in saved and path.read_text() == lab.branch1.config.to_text()
    fresh = console_for(blank_seed_lab().branch1, enabled=True)
    loaded = type_lines(fresh, [f"copy {path} running-config", "show running-config"])
    assert "bytes copied" in loaded and fresh.prompt == "Branch1#"
    assert loaded.split("Branch1#show running-config\n", 1)[1] == lab.branch1.config.to_text()
    path.write_text("hostname Other\ncrypto isakmp policy 10\n encryption 3dez\n")
    refused = type_lines(fresh, [f"copy {path} running-config"])
    assert "line 3" in refused and "^" in refused and fresh.prompt == "Branch1#"  # none applied


def test_debug_lines_of_the_responder_wait_on_its_console(tmp_path: Path) -> None:
    lab, b1, _ = _configured_lab(["no"])
    b2 = console_for(lab.branch2, enabled=True)
    type_lines(b2, ["debug crypto isakmp"])
    type_lines(b1, [PING])
    shown = type_lines(b2, ["show clock"])  # the lines printed meanwhile come with the next output
    assert "IKE_R_MM1" in shown and "IKE_QM_PHASE2_COMPLETE" in shown
    assert "IKE_R_MM1" not in type_lines(b2, ["show clock"])  # printed once
