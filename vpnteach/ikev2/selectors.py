"""Traffic selectors of the first Child SA and their narrowing (RFC 7296 §2.9, §3.13).

The initiator proposes TSi (its side) and TSr (the peer's); the responder may narrow them to
a subset its policy allows and answers with what it accepts. Here a policy is one IPv4
network per side (the seed's LANs, 192.168.11.0/24 <-> 192.168.22.0/24): a responder accepts
when each proposed side covers its configured network and answers with that network, or, when
the peer asks for less (one block inside the policy on each side, say two hosts), with what
it asked for; an initiator accepts an answer that lies inside what it proposed.
"""

from __future__ import annotations

import ipaddress

from vpnteach.wire.ikev2.constants import TsType
from vpnteach.wire.ikev2.payloads import TrafficSelector, TsPayload

Network = ipaddress.IPv4Network


def ts_payload(network: Network, payload_type: int) -> TsPayload:
    """A TSi/TSr payload with one selector: ``network``, any protocol, all ports."""
    return TsPayload((TrafficSelector.ipv4_network(network),), payload_type)


def _range(ts: TrafficSelector) -> tuple[int, int] | None:
    if ts.ts_type != TsType.TS_IPV4_ADDR_RANGE or len(ts.starting_address) != 4:
        return None
    return int.from_bytes(ts.starting_address, "big"), int.from_bytes(ts.ending_address, "big")


def _any_port(ts: TrafficSelector) -> bool:
    return ts.ip_protocol_id == 0 and ts.start_port == 0 and ts.end_port == 0xFFFF


def covers(payload: TsPayload, network: Network) -> bool:
    """Some selector of ``payload`` includes all of ``network`` (any protocol and port)."""
    first, last = int(network.network_address), int(network.broadcast_address)
    for ts in payload.traffic_selectors:
        r = _range(ts)
        if r is not None and _any_port(ts) and r[0] <= first and last <= r[1]:
            return True
    return False


def narrowed_network(payload: TsPayload, policy: Network) -> Network | None:
    """The network an answer's selectors stand for, if it is one CIDR block inside
    ``policy`` (what an initiator accepts, §2.9), else ``None``."""
    if len(payload.traffic_selectors) != 1:
        return None
    ts = payload.traffic_selectors[0]
    r = _range(ts)
    if r is None:
        return None
    first, last = (ipaddress.IPv4Address(v) for v in r)
    blocks = list(ipaddress.summarize_address_range(first, last)) if first <= last else []
    if len(blocks) != 1 or not blocks[0].subnet_of(policy):
        return None
    return blocks[0]


def responder_selectors(
    tsi: TsPayload, tsr: TsPayload, local: Network, remote: Network
) -> tuple[Network, Network] | None:
    """The (local, remote) networks a responder answers a proposal with (§2.9): its policy's
    when the proposal covers them, the proposal's own when it is one block inside the policy
    on each side, else ``None`` (TS_UNACCEPTABLE). TSi is the initiator's side: our remote."""
    if covers(tsi, remote) and covers(tsr, local):
        return local, remote
    narrow_local, narrow_remote = narrowed_network(tsr, local), narrowed_network(tsi, remote)
    if narrow_local is None or narrow_remote is None:
        return None
    return narrow_local, narrow_remote
