"""``show crypto session``: one block per peer of the crypto interface, the IKE SA and the
IPsec flows of the session with it, and the session's status.

The layout of IOS 15's answer, here for the seed's static VTI::

    Crypto session current status

    Interface: Tunnel0
    Profile: PROF
    Session status: UP-ACTIVE
    Peer: 10.2.2.1 port 500
      Session ID: 1
      IKEv2 SA: local 10.1.1.1/500 remote 10.2.2.1/500 Active
      IPSEC FLOW: permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0
            Active SAs: 2, origin: crypto map

Checked line by line against captured router output: a CSR1000v's two static VTIs in a public
Azure/Cisco BGP-over-IPsec lab write-up (``Profile``, ``Session ID``, ``IKEv2 SA: ... Active``,
the any-to-any ``IPSEC FLOW`` of a VTI and its ``origin: crypto map``, a blank line between
sessions); a crypto-map IKEv2 session in a public Azure write-up (``Profile`` there too); 12.4
GNS3 labs' IKEv1 sessions (``IKE SA: local .../500 remote .../500 Active``) and ``DOWN`` sessions
(the ``Peer`` line, then only the flow with ``Active SAs: 0``); a tunnel failover note's
``DOWN-NEGOTIATING`` session (the IKE SA listed ``Inactive``, ``Active SAs: 0``). IOS 12.4 pads
some lines with trailing blanks; vpnteach does not.

The status (Cisco's IPsec VPN Monitoring feature guide, "Summary Listing of Crypto Session
Status", lists these states; only its heading could be read here, so each meaning below is
checked against the captures instead): ``UP-ACTIVE`` (an IKE SA and IPsec SAs), ``UP-IDLE`` (an
IKE SA, no IPsec SA; no capture found), ``UP-NO-IKE`` (IPsec SAs, no IKE SA: a DMVPN hub's
captured ``Crypto Session Status: UP-NO-IKE`` has ``Active SAs: 2`` and no IKE line),
``DOWN-NEGOTIATING`` (an IKE SA being negotiated, listed ``Inactive``), ``DOWN`` (nothing).
``Profile`` and ``Session ID`` (the IKE SA's Tunnel-id) are printed for IKEv2 only; an IKEv1
session shows ``IKE SA:`` as IOS 12.4 does (15.x says ``IKEv1 SA:``). Not found in a source, so
kept as written: whether IOS prints ``Profile`` and ``Session ID`` for a session whose IKEv2 SA
is not yet up.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach.esp.spd import Flow
from vpnteach.gateway.gateway import Gateway
from vpnteach.gateway.ikev2_gateway import Ikev2Gateway
from vpnteach.ike.states import isakmp_sa_state
from vpnteach.ikev2.transitions import State


@dataclass(frozen=True)
class _IkeRow:
    local_port: int
    remote_port: int
    active: bool
    conn_id: int


def show_crypto_session(gateway: Gateway) -> str:
    """``show crypto session`` of ``gateway`` (every peer of its crypto interface)."""
    lines = ["Crypto session current status", ""]
    peers = dict.fromkeys(e.peer for e in gateway.crypto.entries)
    for peer in peers:
        lines += [*_session(gateway, peer), ""]
    return "\n".join(lines) + "\n"


def _session(gateway: Gateway, peer: str) -> list[str]:
    ike = _ike_rows(gateway, peer)
    flows = gateway.sad.spd.flows_to(peer)
    counts = [_active_sas(gateway, f) for f in flows]
    v2 = isinstance(gateway, Ikev2Gateway)
    up = [r for r in ike if r.active]
    port = up[0].remote_port if up else (ike[0].remote_port if ike else 500)
    lines = [f"Interface: {gateway.crypto.name}"]
    if v2 and gateway.crypto.ikev2_profile and up:
        lines.append(f"Profile: {gateway.crypto.ikev2_profile}")
    lines += [f"Session status: {_status(bool(up), bool(ike), sum(counts) > 0)}",
              f"Peer: {peer} port {port}"]  # fmt: skip
    for row in ike:
        lines += [f"  Session ID: {row.conn_id}"] if v2 and row.active else []
        name = "IKEv2 SA" if v2 else "IKE SA"
        state = "Active" if row.active else "Inactive"
        local = f"{gateway.crypto.address}/{row.local_port}"
        lines.append(f"  {name}: local {local} remote {peer}/{row.remote_port} {state}")
    for flow, count in zip(flows, counts, strict=True):
        ours, theirs = flow.local_ident.network, flow.remote_ident.network
        lines += [
            f"  IPSEC FLOW: permit ip {ours.network_address}/{ours.netmask} "
            f"{theirs.network_address}/{theirs.netmask}",
            f"        Active SAs: {count}, origin: crypto map",
        ]
    return lines


def _status(ike_up: bool, ike_any: bool, ipsec: bool) -> str:
    if ike_up:
        return "UP-ACTIVE" if ipsec else "UP-IDLE"
    if ipsec:
        return "UP-NO-IKE"
    return "DOWN-NEGOTIATING" if ike_any else "DOWN"


def _active_sas(gateway: Gateway, flow: Flow) -> int:
    """The flow's installed SAs, both directions (IOS counts the inbound and outbound ESP SA)."""
    return sum(1 for sa in gateway.sad.sas() if gateway.sad.flow_of(sa) is flow)


def _ike_rows(gateway: Gateway, peer: str) -> list[_IkeRow]:
    if isinstance(gateway, Ikev2Gateway):
        return [
            _IkeRow(sa.local_port, sa.peer[1], sa.established, sa.conn_id)
            for sa in gateway.v2.sas.values()
            if sa.peer[0] == peer and sa.state != State.EXIT
        ]
    return [
        _IkeRow(sa.local_port, sa.peer[1], isakmp_sa_state(sa.state) == "QM_IDLE", sa.conn_id)
        for sa in gateway.ike.sas.values()
        if sa.peer[0] == peer and not sa.dead
    ]
