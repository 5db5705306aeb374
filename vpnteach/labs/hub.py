"""A hub with N spokes: one crypto map entry per spoke on the hub, pre-shared keys.

The scaling scenario of issue 5's benchmark: every spoke ``SpokeI`` has a LAN
``172.16.0.0/24 + I`` and a /30 WAN link to a provider aggregation router ``AggA`` (32
spokes each, A = I // 32), the aggregation routers hang off the provider core ``ISP``, which
the hub's WAN link reaches (a tree keeps every router's interface count small); the hub's LAN is
``192.168.0.0/24`` and its crypto map ``HUB`` has entry ``I + 1`` (ACL ``SPOKEI``, ``set peer``
the spoke). Authentication is pre-shared keys, so no RSA key is generated per spoke and the
cost measured is IKE + ESP, not key generation. The configurations are IOS text, parsed like
the seed's.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from vpnteach.pki.ca import AEST
from vpnteach.pki.seed import SEED_CLOCK

if TYPE_CHECKING:
    from vpnteach.lab import Lab

HUB_WAN, ISP_HUB_SIDE = "10.0.0.1", "10.0.0.2"
HUB_LAN = "192.168.0.0"
KEY = "hub-and-spoke"
POLICY = """crypto isakmp policy 10
 encryption 3des
 authentication pre-share
 hash md5
 group 1
crypto ipsec transform-set TS esp-3des esp-md5-hmac
"""


def spoke_wan(i: int) -> tuple[str, str]:
    """(ISP side, spoke side) of spoke ``i``'s /30 WAN link."""
    net = IPv4Network((int(IPv4Address("10.128.0.0")) + 4 * i, 30))
    return str(net[1]), str(net[2])


def spoke_lan(i: int) -> str:
    """The network address of spoke ``i``'s /24 LAN."""
    return str(IPv4Address(int(IPv4Address("172.16.0.0")) + 256 * i))


def hub_config(spokes: int) -> str:
    """The hub's IOS configuration: one ACL, key and crypto map entry per spoke."""
    lines = ["hostname Hub", POLICY]
    for i in range(spokes):
        wan, lan = spoke_wan(i)[1], spoke_lan(i)
        lines += [
            f"crypto isakmp key {KEY} address {wan}",
            f"ip access-list extended SPOKE{i}",
            f" permit ip {HUB_LAN} 0.0.0.255 {lan} 0.0.0.255",
            f"crypto map HUB {i + 1} ipsec-isakmp",
            f" match address SPOKE{i}",
            f" set peer {wan}",
            " set transform-set TS",
        ]
    lines += [
        "interface Serial1/0",
        f" ip address {HUB_WAN} 255.255.255.252",
        " crypto map HUB",
        "interface FastEthernet0/0",
        " ip address 192.168.0.1 255.255.255.0",
        f"ip route 0.0.0.0 0.0.0.0 {ISP_HUB_SIDE}",
    ]
    return "\n".join(lines) + "\n"


def spoke_config(i: int) -> str:
    """Spoke ``i``'s IOS configuration (a mirror of the seed's branches, pre-share)."""
    isp, wan = spoke_wan(i)
    lan = spoke_lan(i)
    return f"""hostname Spoke{i}
{POLICY}crypto isakmp key {KEY} address {HUB_WAN}
ip access-list extended ACL
 permit ip {lan} 0.0.0.255 {HUB_LAN} 0.0.0.255
crypto map CRYPTO 10 ipsec-isakmp
 match address ACL
 set peer {HUB_WAN}
 set transform-set TS
interface Serial1/0
 ip address {wan} 255.255.255.252
 crypto map CRYPTO
interface FastEthernet0/0
 ip address {lan[:-1]}1 255.255.255.0
ip route 0.0.0.0 0.0.0.0 {isp}
"""


PER_AGG = 32


def agg_uplink(a: int) -> tuple[str, str]:
    """(core side, aggregation side) of aggregation router ``a``'s /30 uplink."""
    net = IPv4Network((int(IPv4Address("10.64.0.0")) + 4 * a, 30))
    return str(net[1]), str(net[2])


def isp_config(spokes: int) -> str:
    """The provider core: the hub's link, one uplink per aggregation router, their routes."""
    lines = ["hostname ISP", "interface Serial1/0", f" ip address {ISP_HUB_SIDE} 255.255.255.252"]
    for a in range((spokes + PER_AGG - 1) // PER_AGG):
        core, agg = agg_uplink(a)
        block = IPv4Network((int(IPv4Address("10.128.0.0")) + 4 * PER_AGG * a, 25))
        lines += [
            f"interface Serial3/{a}",
            f" ip address {core} 255.255.255.252",
            f"ip route {block.network_address} {block.netmask} {agg}",
        ]
    return "\n".join(lines) + "\n"


def agg_config(a: int, spokes: int) -> str:
    """Aggregation router ``a``: its uplink and its spokes' /30 links, default to the core."""
    core, agg = agg_uplink(a)
    lines = [f"hostname Agg{a}", "interface Serial1/0", f" ip address {agg} 255.255.255.252"]
    for i in range(PER_AGG * a, min(spokes, PER_AGG * (a + 1))):
        lines += [
            f"interface Serial2/{i % PER_AGG}",
            f" ip address {spoke_wan(i)[0]} 255.255.255.252",
        ]
    lines.append(f"ip route 0.0.0.0 0.0.0.0 {core}")
    return "\n".join(lines) + "\n"


def build_hub_lab(cls: type[Lab], spokes: int, seed: int | str | None, *, trace: bool) -> Lab:
    """The hub, the provider and ``spokes`` spokes, linked, clock at the seed's IKE time."""
    if not 1 <= spokes <= 16000:
        raise ValueError(f"spokes must be 1..16000, got {spokes}")
    lab = cls(seed, start=SEED_CLOCK, timezone=AEST, trace=trace)
    lab.add_router(hub_config(spokes), "hub.cfg")
    lab.add_router(isp_config(spokes), "isp.cfg")
    lab.connect("Hub Serial1/0", "ISP Serial1/0", "WAN")
    for a in range((spokes + PER_AGG - 1) // PER_AGG):
        lab.add_router(agg_config(a, spokes), f"agg{a}.cfg")
        lab.connect(f"Agg{a} Serial1/0", f"ISP Serial3/{a}", f"Core-Agg{a}")
    for i in range(spokes):
        lab.add_router(spoke_config(i), f"spoke{i}.cfg")
        lab.connect(
            f"Spoke{i} Serial1/0", f"Agg{i // PER_AGG} Serial2/{i % PER_AGG}", f"WAN-Spoke{i}"
        )
    return lab


def bring_up(lab: Lab, timeout: float = 60.0) -> int:
    """Every spoke initiates to the hub; run until all have IPsec SAs; return how many do."""
    now = lab.epoch(lab.network.now)
    spokes = [r for name, r in lab.routers.items() if name.startswith("Spoke")]
    for spoke in spokes:
        assert spoke.gateway is not None
        spoke.gateway.initiate(HUB_WAN, now)
        spoke.service()

    hub = lab.router("Hub").gateway
    assert hub is not None

    def pending() -> bool:
        # the hub installs its pair last (after QM3), so its count says when all are up
        return len(hub.sad.inbound) < len(spokes)

    lab.run_while(pending, timeout)
    return sum(1 for s in spokes if s.gateway is not None and s.gateway.sad.sas())
