"""``debug crypto ipsec``: the IPsec side of the story, as IOS 12.4 prints it.

IOS logs the SPD/SAD half of an acquire separately from IKE: the request it hands to ISAKMP
(``IPSEC(sa_request)``), the SAs it creates from Quick Mode's keys (``IPSEC(create_sa)``) and
deletions. These lines are rendered from the gateway's own records (nothing is parsed back);
the formats, wrapped over indented lines as IOS prints them, follow IOS 12.x debug output as
published in Cisco's troubleshooting guides ("IPsec Troubleshooting: Understanding and Using
debug Commands", document 5409).
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach.esp.sa import IpsecSa
from vpnteach.esp.spd import Flow


@dataclass(frozen=True)
class IpsecLogLine:
    """One ``debug crypto ipsec`` message at ``time`` (epoch seconds), maybe several lines;
    ``ike_position`` is how many IKE records existed then, so that the two logs interleave in
    the order things happened."""

    time: float
    text: str
    ike_position: int = 0


def _proxy(flow_ident: str) -> str:
    return f"{flow_ident} (type=4)"


def sa_request(flow: Flow, local: str) -> str:
    """The acquire handed to IKE: what to negotiate with whom."""
    entry = flow.crypto_map
    ts = entry.transform_sets[0]
    return (
        "IPSEC(sa_request): ,\n"
        f"  (key eng. msg.) OUTBOUND local= {local}, remote= {flow.peer},\n"
        f"    local_proxy= {_proxy(flow.local_ident.ios_text())},\n"
        f"    remote_proxy= {_proxy(flow.remote_ident.ios_text())},\n"
        f"    protocol= ESP, transform= {ts.ios_text()}  ({ts.mode.capitalize()}),\n"
        f"    lifedur= {entry.sa_lifetime_seconds}s and {entry.sa_lifetime_kilobytes}kb,\n"
        "    spi= 0x0(0), conn_id= 0, keysize= 0, flags= 0x0"
    )


def create_sa(sa: IpsecSa) -> str:
    """One SA installed in the SAD (IOS prints one line per direction)."""
    dest = sa.peer if sa.direction.value == "outbound" else sa.local
    return (
        "IPSEC(create_sa): sa created,\n"
        f"  (sa) sa_dest= {dest}, sa_proto= 50,\n"
        f"    sa_spi= 0x{sa.spi:08X}({sa.spi}),\n"
        f"    sa_trans= {sa.transform_text()} , sa_conn_id= {sa.conn_id}"
    )


def delete_sa(sa: IpsecSa, reason: str) -> str:
    """One SA removed from the SAD, and why."""
    dest = sa.peer if sa.direction.value == "outbound" else sa.local
    return (
        "IPSEC(delete_sa): deleting SA,\n"
        f"  (sa) sa_dest= {dest}, sa_prot= 50,\n"
        f"    sa_spi= 0x{sa.spi:08X}({sa.spi}),\n"
        f"    sa_trans= {sa.transform_text()} , sa_conn_id= {sa.conn_id} ({reason})"
    )


def text(kind: str, detail: str) -> str:
    """A free-form IPsec line (lifetime events, drops)."""
    return f"IPSEC({kind}): {detail}"
