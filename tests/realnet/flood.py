"""The soak's attacker: forged datagrams to a router from a raw socket, paced (run as a program).

::

    ip netns exec ATTACKER python -m tests.realnet.flood --target 10.1.1.1 --peer 10.2.2.1 \
        --spoof 10.66.128.0/17 --garbage 100000 --mm1 20000 --mm1-template mm1.bin \
        --esp 20000 --rate 5000

Three kinds, interleaved so that they all arrive while traffic flows:

* garbage: random bytes (8 to 200) to UDP 500 or 4500 from random spoofed sources;
* MM1s: the template (a real MM1 the router accepts) with a fresh CKY-I (RFC 2408 §3.1, the
  header's first 8 bytes) from random spoofed sources, so each one is a new responder SA;
* spoofed ESP from the peer's address with random SPIs (RFC 4303 §2.1), half as IP protocol
  50, half in UDP 4500 (RFC 3948 §2.2: a non-zero SPI where the non-ESP marker would be).

IP_HDRINCL (``IPPROTO_RAW``) lets the source be anything; the kernel fills in the IP checksum
and the total length. The UDP checksum is left 0 (allowed over IPv4, RFC 768). Prints one line
of totals at the end.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import socket
import struct
import time
from pathlib import Path

UDP, ESP = 17, 50


def ipv4(src: str, dst: str, protocol: int, payload: bytes) -> bytes:
    """An IPv4 header (no options, TTL 64) + ``payload``; checksum and length by the kernel."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, protocol, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))  # fmt: skip
    return header + payload


def udp(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    """An IPv4/UDP packet with checksum 0 (RFC 768: no checksum)."""
    return ipv4(src, dst, UDP, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


def packets(args: argparse.Namespace, rng: random.Random) -> list[tuple[str, bytes]]:
    """Every packet to send, shuffled: ``(kind, bytes)``."""
    spoof = ipaddress.ip_network(args.spoof)
    base, size = int(spoof.network_address), spoof.num_addresses

    def source() -> str:  # a host address of the network (the address itself for a /32)
        return str(ipaddress.ip_address(base + (rng.randrange(1, size - 1) if size > 2 else 0)))

    template = Path(args.mm1_template).read_bytes() if args.mm1 else b""
    out: list[tuple[str, bytes]] = []
    for _ in range(args.garbage):
        data = rng.randbytes(rng.randrange(8, 200))
        out.append(("garbage", udp(source(), args.target, 500, rng.choice((500, 4500)), data)))
    for _ in range(args.mm1):
        mm1 = rng.randbytes(8) + template[8:]
        out.append(("mm1", udp(source(), args.target, 500, 500, mm1)))
    for i in range(args.esp):
        esp = struct.pack("!II", rng.randrange(256, 2**32), 1) + rng.randbytes(48)
        if i % 2:
            out.append(("esp", ipv4(args.peer, args.target, ESP, esp)))
        else:
            out.append(("esp", udp(args.peer, args.target, 4500, 4500, esp)))
    rng.shuffle(out)
    return out


def send(todo: list[tuple[str, bytes]], target: str, rate: float) -> dict[str, int]:
    """Send ``todo`` at about ``rate`` packets a second; count what was sent and refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent: dict[str, int] = {}
    start = time.monotonic()
    for i, (kind, packet) in enumerate(todo):
        if i % 100 == 0 and (ahead := start + i / rate - time.monotonic()) > 0:
            time.sleep(ahead)
        try:
            sock.sendto(packet, (target, 0))
            sent[kind] = sent.get(kind, 0) + 1
        except OSError:
            sent["send_error"] = sent.get("send_error", 0) + 1
    sent["seconds"] = int(time.monotonic() - start)
    sock.close()
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--peer", required=True, help="the source of the spoofed ESP")
    parser.add_argument("--spoof", required=True, help="network of the spoofed IKE sources")
    parser.add_argument("--garbage", type=int, default=0)
    parser.add_argument("--mm1", type=int, default=0)
    parser.add_argument("--mm1-template", default="")
    parser.add_argument("--esp", type=int, default=0)
    parser.add_argument("--rate", type=float, default=5000.0)
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    args = parser.parse_args()
    todo = packets(args, random.Random(args.seed))
    sent = send(todo, args.target, args.rate)
    print(" ".join(f"{k}={v}" for k, v in sorted(sent.items())), flush=True)


if __name__ == "__main__":
    main()
