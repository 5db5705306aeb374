"""``show interfaces [NAME]``: the status lines and the configuration part of IOS's answer.

The layout of IOS 12.4T's text for a static VTI (here with the seed's addresses)::

    Tunnel0 is up, line protocol is up
      Hardware is Tunnel
      Internet address is 10.0.0.1/30
      MTU 1514 bytes, BW 9 Kbit/sec, DLY 500000 usec,
         reliability 255/255, txload 1/255, rxload 1/255
      Encapsulation TUNNEL, loopback not set
      Keepalive not set
      Tunnel source 10.1.1.1 (Serial1/0), destination 10.2.2.1
      Tunnel protocol/transport IPSEC/IP
      Tunnel TTL 255
      Tunnel transmit bandwidth 8000 (kbps)
      Tunnel receive bandwidth 8000 (kbps)
      Tunnel protection via IPSec (profile "VTI")

Sources, all captured router output: the lines down to ``Tunnel protocol/transport IPSEC/IP``
as a 12.4T router in GNS3 prints them for a VTI (the infobozk/RouteAndPolicyVPN write-up, ``show
interfaces tunnel 1``: 12.4T's ``BW 9 Kbit/sec``, 12.4T's 1514-byte MTU and 500000 usec delay,
the source's interface in parentheses). After the protocol line, IPsec mode prints the TTL, the
two bandwidths and the protection line and no GRE sub-lines (AWS Site-to-Site VPN User Guide,
"Troubleshooting Cisco IOS customer gateway device", ``show interfaces tun1``; an Azure CSR's
``sh int tu0`` likewise; both later IOS, which add a ``Tunnel transport MTU`` line 12.4T does
not have). GRE mode's 12.4T block (``Tunnel protocol/transport GRE/IP`` with ``Key disabled,
sequencing disabled`` and ``Checksumming of packets disabled`` indented under it, then ``Tunnel
TTL 255`` and ``Fast tunneling enabled`` on lines of their own, the bandwidths, the protection
line) is a 12.4T GRE-over-IPsec tunnel's ``sh int tu0`` in a public lab write-up.

The first line is what ``show ip interface brief`` says in two columns: a ``shutdown``
interface is "administratively down"; a tunnel's line protocol is up only with its IPsec SAs
(``tunnels_up``). What follows the configuration part on IOS (the last input and output
times, queueing, the packet and error counters) is not modelled: the lab keeps no
per-interface counters. Other interfaces show the first three lines (``Hardware`` named by the
interface type: ``M4T`` and ``Gt96k FE`` as 3725/2691 routers in GNS3 labs print them for
``Serial1/0`` and ``FastEthernet0/0``). IOS follows ``Gt96k FE`` with ``, address is ... (bia
...)``, the interface's MAC address; the lab has no link layer, so that part is left out.

Not checked against a source: the text for an interface the router does not have (IOS refuses
the line; the words here are vpnteach's).
"""

from __future__ import annotations

from vpnteach.ios.argtypes import interface_rank
from vpnteach.ios.errors import ExecError
from vpnteach.ios.model import InterfaceConfig, RouterConfig
from vpnteach.ios.vti_model import IPSEC_MODE, is_tunnel

_HARDWARE = {
    "Serial": "M4T", "FastEthernet": "Gt96k FE", "Loopback": "Loopback", "Tunnel": "Tunnel",
}  # fmt: skip
"""``Hardware is ...`` by interface type, as a 3725 with an NM-4T serial module prints it
(the seed does not name its routers' model)."""


def show_interfaces(config: RouterConfig, name: str | None, tunnels_up: frozenset[str]) -> str:
    """``show interfaces [NAME]`` (every interface, in IOS's order, without a name).

    Raises:
        ExecError: ``name`` is not an interface of ``config`` (IOS's invalid input).
    """
    if name is not None and name not in config.interfaces:
        raise ExecError(f"% Invalid input detected: no interface {name} on {config.hostname}")
    names = [name] if name else sorted(config.interfaces, key=interface_rank)
    return "".join(_interface(config, config.interfaces[n], tunnels_up) for n in names)


def _interface(config: RouterConfig, i: InterfaceConfig, tunnels_up: frozenset[str]) -> str:
    status = "administratively down" if i.shutdown else "up"
    up = not i.shutdown and (i.name in tunnels_up if is_tunnel(i.name) else True)
    kind = i.name.rstrip("0123456789/.")
    lines = [f"{i.name} is {status}, line protocol is {'up' if up else 'down'}",
             f"  Hardware is {_HARDWARE.get(kind, kind)}"]  # fmt: skip
    borrowed = config.interfaces.get(i.unnumbered or "")
    if i.ip_interface is not None:
        lines.append(f"  Internet address is {i.ip_interface.with_prefixlen}")
    elif borrowed is not None and borrowed.address is not None:
        lines.append(f"  Interface is unnumbered. Using address of {borrowed.name} "
                     f"({borrowed.address})")  # fmt: skip
    return "\n".join(lines + (_tunnel_lines(config, i) if is_tunnel(i.name) else [])) + "\n"


def _tunnel_lines(config: RouterConfig, i: InterfaceConfig) -> list[str]:
    lines = [
        "  MTU 1514 bytes, BW 9 Kbit/sec, DLY 500000 usec,",
        "     reliability 255/255, txload 1/255, rxload 1/255",
        "  Encapsulation TUNNEL, loopback not set",
        "  Keepalive not set",
    ]
    source = config.interfaces.get(i.tunnel_source or "")
    where = f"{source.address} ({source.name})" if source and source.address else i.tunnel_source
    if i.tunnel_source is not None:
        lines.append(f"  Tunnel source {where}, destination {i.tunnel_destination or ''}")
    else:
        lines.append(f"  Tunnel source UNKNOWN, destination {i.tunnel_destination or ''}")
    if i.tunnel_mode == IPSEC_MODE:  # GRE's key, sequencing and checksum do not apply
        lines += ["  Tunnel protocol/transport IPSEC/IP", "  Tunnel TTL 255"]
    else:
        lines += [
            "  Tunnel protocol/transport GRE/IP",
            "    Key disabled, sequencing disabled",
            "    Checksumming of packets disabled",
            "  Tunnel TTL 255",
            "  Fast tunneling enabled",
        ]
    lines += ["  Tunnel transmit bandwidth 8000 (kbps)", "  Tunnel receive bandwidth 8000 (kbps)"]
    if i.tunnel_protection is not None:
        lines.append(f'  Tunnel protection via IPSec (profile "{i.tunnel_protection}")')
    return lines
