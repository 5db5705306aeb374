"""Fuzz the pcap reader (vpnteach.net.pcap): ``read_pcap`` and ``udp_datagrams``.

Only ``PcapError`` may escape. Seeds: the strongSwan captures and a file this package wrote
(micro- and nanosecond timestamps, Ethernet and raw IP link types).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main
from fuzz._seeds import pcap_files
from vpnteach.net.pcap import (
    LinkType,
    PcapError,
    encode_pcap,
    ipv4_udp_packet,
    read_pcap,
    udp_datagrams,
)

NAME = "pcap"


def test_one_input(data: bytes) -> None:
    """One input: a whole pcap file."""
    try:
        read_pcap(data)
        udp_datagrams(data)
    except PcapError:
        pass


def seeds() -> list[bytes]:
    """The captures, cut to their first records (libFuzzer's default -max_len is 4096)."""
    found = [f[:4096] for f in pcap_files()]
    packet = ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 500, b"x" * 40)
    for linktype in (LinkType.EN10MB, LinkType.RAW):
        for nanosecond in (False, True):
            found.append(encode_pcap([(1_500_000_000, packet)], linktype, nanosecond=nanosecond))
        found.append(encode_pcap([(0, packet)], linktype, snaplen=48))  # a short snaplen
    return found


if __name__ == "__main__":
    main(NAME, test_one_input, seeds)
