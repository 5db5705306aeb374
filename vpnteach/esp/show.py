"""``show crypto ipsec sa``: the IOS text, rendered from the SPD's flows, the SAD and counters.

One block per flow (crypto map entry x permit line), as IOS prints it: the proxy identities,
the peer, the flow's counters (kept across rekeys), then the inbound and outbound ESP SAs with
their SPI, transform, settings, remaining lifetime (kilobytes/seconds) and status. Layout
follows the seed tutorial's output and IOS 12.4's indentation. ``detail=True`` adds the error
breakdown (``#pkts no sa (send)``, ``#pkts verify failed``, ``#pkts replay failed (rcv)``, ...)
in the wording of IOS's ``show crypto ipsec sa detail``.
"""

from __future__ import annotations

from vpnteach.esp.sa import IpsecSa, SaCounters
from vpnteach.esp.sad import Sad
from vpnteach.esp.spd import Flow


def show_crypto_ipsec_sa(
    sad: Sad, now: float, *, local_addr: str, interface: str = "Serial0/0", detail: bool = False,
    idb: str | None = None,
) -> str:  # fmt: skip
    """The ``show crypto ipsec sa`` text for every flow of ``sad``'s SPD at time ``now``;
    ``idb`` is the interface ESP leaves by ("ip mtu idb"), when not ``interface`` (a VTI's
    ``tunnel source``)."""
    lines = [f"interface: {interface}"]
    for flow in sad.spd.flows:
        lines += _flow_block(sad, flow, now, local_addr, idb or interface, detail)
    return "\n".join(lines) + "\n"


def _flow_block(
    sad: Sad, flow: Flow, now: float, local_addr: str, interface: str, detail: bool
) -> list[str]:
    sas = [sa for sa in sad.sas() if sad.flow_of(sa) is flow]
    inbound = [sa for sa in sas if sa.direction.value == "inbound"]
    outbound = [sa for sa in sas if sa.direction.value == "outbound"]
    current = sad.outbound_sa(flow)
    port = current.udp.peer_port if current is not None and current.udp else 500
    spi = f"0x{current.spi:08X}({current.spi})" if current is not None else "0x0(0)"
    lines = [
        f"    Crypto map tag: {flow.crypto_map.name}, local addr {local_addr}",
        "",
        "   protected vrf: (none)",
        f"   local  ident (addr/mask/prot/port): ({flow.local_ident.ios_text()})",
        f"   remote ident (addr/mask/prot/port): ({flow.remote_ident.ios_text()})",
        f"   current_peer {flow.peer} port {port}",
        "     PERMIT, flags={origin_is_acl,}",
        *_counter_lines(flow.counters, detail),
        "",
        f"     local crypto endpt.: {local_addr}, remote crypto endpt.: {flow.peer}",
        f"     path mtu 1500, ip mtu 1500, ip mtu idb {interface}",
        f"     current outbound spi: {spi}",
        "",
    ]
    for direction, group in (("inbound", inbound), ("outbound", outbound)):
        lines.append(f"     {direction} esp sas:")
        for sa in group:
            lines += _sa_lines(sa, now)
        lines += ["", f"     {direction} ah sas:", "", f"     {direction} pcp sas:", ""]
    return lines


def _counter_lines(c: SaCounters, detail: bool) -> list[str]:
    lines = [
        f"    #pkts encaps: {c.pkts_encaps}, #pkts encrypt: {c.pkts_encrypt}, "
        f"#pkts digest: {c.pkts_digest}",
        f"    #pkts decaps: {c.pkts_decaps}, #pkts decrypt: {c.pkts_decrypt}, "
        f"#pkts verify: {c.pkts_verify}",
        f"    #pkts compressed: {c.pkts_compressed}, #pkts decompressed: {c.pkts_decompressed}",
        f"    #pkts not compressed: {c.pkts_not_compressed}, "
        f"#pkts compr. failed: {c.pkts_compr_failed}",
        f"    #pkts not decompressed: {c.pkts_not_decompressed}, "
        f"#pkts decompress failed: {c.pkts_decompress_failed}",
    ]
    if detail:
        lines += [
            f"    #pkts no sa (send) {c.pkts_no_sa_send}, "
            f"#pkts invalid sa (rcv) {c.pkts_invalid_sa_rcv}",
            f"    #pkts encaps failed (send) {c.pkts_encaps_failed_send}, "
            f"#pkts decap failed (rcv) {c.pkts_decaps_failed_rcv}",
            f"    #pkts invalid prot (recv) {c.pkts_invalid_prot_rcv}, "
            f"#pkts verify failed: {c.pkts_verify_failed}",
            f"    #pkts invalid identity (recv) {c.pkts_invalid_identity_rcv}, "
            f"#pkts invalid len (rcv) {c.pkts_invalid_len_rcv}",
            f"    #pkts replay rollover (send): {c.pkts_replay_rollover_send}, "
            f"#pkts replay rollover (rcv) {c.pkts_replay_rollover_rcv}",
            f"    ##pkts replay failed (rcv): {c.pkts_replay_failed_rcv}",
        ]
    return [*lines, f"    #send errors {c.send_errors}, #recv errors {c.recv_errors}"]


def _sa_lines(sa: IpsecSa, now: float) -> list[str]:
    kilobytes, seconds = sa.remaining(now)
    settings = "Tunnel UDP-Encaps, " if sa.udp else "Tunnel, "
    return [
        f"      spi: 0x{sa.spi:08X}({sa.spi})",
        f"        transform: {sa.transform_text()} ,",
        f"        in use settings ={{{settings}}}",
        f"        conn id: {sa.conn_id}, flow_id: SW:{sa.conn_id}, crypto map: {sa.crypto_map}",
        f"        sa timing: remaining key lifetime (k/sec): ({kilobytes}/{seconds})",
        f"        IV size: {sa.iv_size} bytes",
        "        replay detection support: Y",
        f"        Status: {'ACTIVE' if sa.alive else 'EXPIRED'}",
    ]
