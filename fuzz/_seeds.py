"""Seed material for the fuzz targets: real messages, not invented ones.

* the datagrams of an in-process seeded run (Main Mode, Quick Mode, DPD) between the two
  peers of ``tests/ike/harness.py``, seed and modern profile (``fuzz/_endpoints.py``);
* the plaintext payload chains those runs encrypted (recorded as the endpoint decrypts them);
* every ISAKMP datagram and ESP packet in the strongSwan captures
  (``tests/fixtures/strongswan/*/capture.pcap``).

Everything is computed once per process (``functools.cache``).
"""

from __future__ import annotations

import functools
from pathlib import Path

from fuzz._endpoints import build_run
from fuzz._harness import ROOT
from vpnteach.net.pcap import ip_packet, read_pcap, udp_datagrams
from vpnteach.wire.natt import strip_non_esp_marker

FIXTURES = ROOT / "tests" / "fixtures" / "strongswan"


def ike_messages() -> list[bytes]:
    """Every ISAKMP message of both in-process runs and both captures (no non-ESP marker)."""
    found = []
    for modern in (False, True):
        for _, data, port in build_run(modern).datagrams:
            found.append(data[4:] if port == 4500 else data)
    return found + capture_ike_messages()


@functools.cache
def capture_ike_messages() -> list[bytes]:
    """The ISAKMP messages of the strongSwan captures, in capture order."""
    result = []
    for pcap in sorted(FIXTURES.glob("*/capture.pcap")):
        for datagram in udp_datagrams(pcap.read_bytes()):
            if 4500 in (datagram.sport, datagram.dport):
                kind, body = strip_non_esp_marker(datagram.payload)
                if kind == "ike":
                    result.append(body)
            elif 500 in (datagram.sport, datagram.dport):
                result.append(datagram.payload)
    return result


@functools.cache
def capture_ip_packets() -> list[bytes]:
    """The IPv4 packets of the captures (IKE and ESP, for the IP/ESP decoders)."""
    packets = []
    for pcap in sorted(FIXTURES.glob("*/capture.pcap")):
        header, records = read_pcap(pcap.read_bytes())
        found = (ip_packet(header.linktype, r.data) for r in records)
        packets += [p for p in found if p is not None]
    return packets


def plaintexts() -> list[tuple[int, bytes]]:
    """``(first payload type, padded plaintext)`` of every body both runs decrypted."""
    runs = (build_run(False), build_run(True))
    return [(m.header.next_payload, p) for run in runs for _, m, p in run.plaintexts]


def pcap_files() -> list[bytes]:
    """The capture files themselves."""
    return [p.read_bytes() for p in sorted(FIXTURES.glob("*/capture.pcap"))]


def config_files() -> list[Path]:
    """The seed's router configurations."""
    return sorted((ROOT / "assets" / "configs").glob("*.cfg"))
