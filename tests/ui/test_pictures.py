"""The course's pictures are drawn from the lab's own data, and say the same in text.

References: the WAN capture (ESP packet sizes on the wire), RFC 2409 §5/§5.5 (which payloads
each message carries). The topology picture is vpnteach.ui.topology's (tests/ui/test_topology.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.ui.wellformed import assert_well_formed
from vpnteach.lab import Lab
from vpnteach.stepper import StepKind, Stepper
from vpnteach.stepper.step import Step
from vpnteach.ui.pictures import (
    esp_fields,
    esp_layout_html,
    esp_layout_svg,
    sequence_entries,
    sequence_html,
)


def expand(summary: str) -> list[str]:
    """``"KE, VID×3"`` -> ``["KE", "VID", "VID", "VID"]``."""
    out: list[str] = []
    for part in summary.split(", "):
        name, _, count = part.partition("×")
        out += [name] * int(count or 1)
    return out


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab.seed(seed=2010)


@pytest.fixture(scope="module")
def steps(lab: Lab) -> list[Step]:
    return list(Stepper.for_lab(lab))


def test_each_phase_sequence_has_its_messages_and_their_payloads(steps: list[Step]) -> None:
    main = sequence_entries(steps, "main")
    quick = sequence_entries(steps, "quick")
    assert [e.label for e in main] == [f"MM{n}" for n in range(1, 7)]
    assert [e.label for e in quick] == ["QM1", "QM2", "QM3"]
    # RFC 2409 §5: MM1/MM2 carry SA, MM3/MM4 KE and NONCE, MM5/MM6 ID and SIG (rsa-sig)
    payloads = {e.label: expand(e.payloads) for e in main + quick}
    assert payloads["MM1"][0] == payloads["MM2"][0] == "SA"
    assert payloads["MM3"][:2] == payloads["MM4"][:2] == ["KE", "NONCE"]
    assert {"ID", "CERT", "SIG"} <= set(payloads["MM5"]) and {"ID", "SIG"} <= set(payloads["MM6"])
    assert payloads["QM3"] == ["HASH"] and payloads["QM1"][:3] == ["HASH", "SA", "NONCE"]
    assert main[0].sender == "Branch1" and main[1].sender == "Branch2"
    assert_well_formed(sequence_html(steps, "quick"))
    with pytest.raises(ValueError, match="phase must be one of"):
        sequence_entries(steps, "phase3")


def test_esp_layout_sizes_add_up_to_the_packet_on_the_wire(lab: Lab) -> None:
    fresh = Lab.seed(seed=2010)
    wan = fresh.capture("WAN")
    fresh.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    on_wire = [r.packet for r in wan.records if r.packet[9] == 50]  # IP protocol 50: ESP
    packet = next(s for s in Stepper.for_lab(lab) if s.kind is StepKind.ESP_PACKET).payload
    fields = esp_fields(packet.value)  # type: ignore[union-attr]
    assert sum(size for _, size, _ in fields) == len(on_wire[0])
    sizes = {name: size for name, size, _ in fields}
    assert sizes["IV"] == 8 and sizes["ICV"] == 12 and sizes["SPI"] == 4  # 3DES, HMAC-MD5-96
    # RFC 4303 §2.4: payload + padding + 2 trailer bytes fill whole cipher blocks
    assert (sizes["inner IPv4 packet"] + sizes["Padding"] + 2) % 8 == 0
    ET.fromstring(esp_layout_svg(packet.value))  # type: ignore[union-attr]
    assert "encrypted and authenticated" in esp_layout_html(packet.value)  # type: ignore[union-attr]
