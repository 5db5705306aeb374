"""An attacker at the peer's address sends IKE fragments that never complete (run as a program).

::

    ip netns exec PEER python -m tests.realnet.fragments --target 10.1.1.1 --sas 10 \
        --fragments 63 --size 60000

Run in the peer's namespace, from its own UDP port (so the real peer's sockets are left
alone), it does what anyone who receives at the peer's address can: completes IKE_SA_INIT
with the router ``--sas`` times (a Branch2 proposal of :func:`tests.ikev2.harness.
peer_config`; each answer read and its keys derived by an
:class:`~vpnteach.ikev2.Ikev2Endpoint`), and on each half-open SA sends an IKE_AUTH request
cut into ``--fragments`` + 1 fragments of about ``--size`` bytes (RFC 7383 §2.5, each sealed
with SK_ei/SK_ai, so each passes its ICV check), all but the last. Prints one line of totals.
"""

from __future__ import annotations

import argparse
import socket
import time

from tests.ikev2.harness import B1, B2, peer_config
from vpnteach.crypto.rng import OsRng
from vpnteach.ikev2 import Ikev2Endpoint
from vpnteach.ikev2.sa import IkeSa
from vpnteach.ikev2.sk import seal_fragments
from vpnteach.wire.ikev2.constants import ExchangeType, Flags, NotifyType
from vpnteach.wire.ikev2.message import Ikev2Header
from vpnteach.wire.ikev2.payloads import NotifyPayload


def half_open(sock: socket.socket, target: str) -> IkeSa:
    """One IKE SA through IKE_SA_INIT with ``target``, as its initiator."""
    endpoint = Ikev2Endpoint(peer_config("Branch2"), OsRng())
    now = time.time()
    endpoint.initiate(target, now)
    (request,) = endpoint.datagrams_to_send(now)
    sock.sendto(request.data, (target, 500))
    answer, _ = sock.recvfrom(65535)
    endpoint.receive_datagram(answer, (target, 500), now)
    (sa,) = endpoint.sas.values()
    if sa.init is None:
        raise RuntimeError(f"IKE_SA_INIT did not complete: {dict(endpoint.stats)}")
    return sa


def fragments(sa: IkeSa, count: int, size: int) -> list[bytes]:
    """An IKE_AUTH request (Message ID 1) of Notify payloads in ``count`` fragments."""
    header = Ikev2Header(sa.spi_i, sa.spi_r, ExchangeType.IKE_AUTH, int(Flags.INITIATOR), 1)
    filler = [NotifyPayload(NotifyType.INITIAL_CONTACT, bytes(size - 100))] * count
    return seal_fragments(header, filler, sa.sk_out(), OsRng(), size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=B1)
    parser.add_argument("--source", default=B2)
    parser.add_argument("--sas", type=int, default=10)
    parser.add_argument("--fragments", type=int, default=63)
    parser.add_argument("--size", type=int, default=60000)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.source, 0))
    sock.settimeout(10)
    sent = octets = 0
    for _ in range(args.sas):
        pieces = fragments(half_open(sock, args.target), args.fragments + 1, args.size)
        for piece in pieces[:-1]:  # the last never goes: the message never completes
            sock.sendto(piece, (args.target, 500))
            sent, octets = sent + 1, octets + len(piece)
            time.sleep(0.004)  # the router's socket buffer holds only a few of 60 KB
    print(f"sas={args.sas} fragments={sent} bytes={octets}", flush=True)


if __name__ == "__main__":
    main()
