"""The seed tutorial as a lab: topology, configurations, enrollment timeline, variants.

Topology (the seed's addresses; the seed leaves the path between the two serial subnets
unsaid, and both configs route ``0.0.0.0/0`` to ``.2`` of their subnet, so a small provider
router ``ISP`` owns ``10.1.1.2`` and ``10.2.2.2``; the CA ``WIN2003`` sits in the central
office behind it, reachable from both branches)::

    PC1 192.168.11.10 --LAN1-- Fa0/0 Branch1 S1/0 10.1.1.1 --WAN1-- 10.1.1.2 S1/0 ISP
    PC2 192.168.22.10 --LAN2-- Fa0/0 Branch2 S1/0 10.2.2.1 --WAN2-- 10.2.2.2 S1/1 ISP
    WIN2003 192.168.1.9 --HQ-- 192.168.1.1 Fa0/0 ISP

The provider knows no route to the branch LANs: their traffic can only cross inside ESP.

Timeline (the seed's own dates): the clock starts ``Jun 5 2010 04:05:00 AEST``; the routers
load ``branch1.cfg`` / ``branch2.cfg`` unchanged (the ``crypto key generate rsa`` line makes
the key pair); each runs ``crypto pki authenticate WIN2003`` and ``crypto pki enroll WIN2003``
over the network so that its request reaches the CA when the seed's certificates say it did
(Branch2 04:08:38.250, Branch1 04:10:18.000, hence the seed's serial numbers and validity);
then the clock runs to ``Jun 6 2010 10:21:50.071``, the seed's first ``debug`` line, where the
lab is handed over. Variants are applied as configuration commands on top of the seed files;
``auth="rsa-encr"`` (RFC 2409 §5.2) also needs each router's public key in the other's
``crypto key pubkey-chain rsa``, pasted from ``show crypto key mypubkey rsa`` once the keys
exist (:func:`paste_peer_keys`).

``form="vti"``: a static VTI does not wait for traffic (IOS negotiates as soon as the tunnel
interface is up, :mod:`vpnteach.gateway.vti_keepup`), so both ``Tunnel0`` stay ``shutdown``
while the routers enroll (else the tunnel would come up in the night of Jun 5 and rekey 30
times before the handover) and are brought up at the seed's IKE time (:func:`tunnels_up`):
Branch2's a second early (its IKE_SA_INIT finds nobody), Branch1's at ``10:21:50.071``, so
Branch1 negotiates, as in the seed; the lab is handed over with the tunnel up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING

from vpnteach.ios import apply_commands, parse_config
from vpnteach.labs.seed_configs import SEED_CONFIGS
from vpnteach.pki.ca import AEST, SEED_CA_NAME, seed_ca
from vpnteach.pki.keys import fork
from vpnteach.pki.seed import SEED_CLOCK, SEED_ENROLL_TIMES

if TYPE_CHECKING:
    from vpnteach.lab import Lab

ENROLL_START = dt.datetime(2010, 6, 5, 4, 5, 0, tzinfo=AEST)
IKE_START = SEED_CLOCK + dt.timedelta(milliseconds=71)
WAN_DELAY = 0.002
LAN_DELAY = 0.0005
AUTHENTICATE_LEAD = dt.timedelta(seconds=8)
PRE_SHARED_KEY = "cisco123"
PEERS = {"Branch1": "10.2.2.1", "Branch2": "10.1.1.1"}

ISP_CFG = """hostname ISP
!
interface Serial1/0
 ip address 10.1.1.2 255.255.255.0
!
interface Serial1/1
 ip address 10.2.2.2 255.255.255.0
!
interface FastEthernet0/0
 ip address 192.168.1.1 255.255.255.0
!
end
"""

PROFILES: dict[str, str] = {
    "seed": "",
    "modern": """crypto key generate rsa general-keys modulus 2048 label BRANCH_KEY exportable
crypto isakmp policy 10
 encryption aes 256
 hash sha256
 group 14
crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac
""",
}
# The modern profile with AES-GCM for ESP (RFC 4106): one combined transform, no HMAC.
PROFILES["modern-gcm"] = PROFILES["modern"].replace("esp-aes 256 esp-sha256-hmac", "esp-gcm 256")
"""Configuration commands applied on top of the seed files for each profile."""


AUTH_METHODS = ("rsa-sig", "pre-share", "rsa-encr")
"""The ``auth=`` values: certificates, ``crypto isakmp key``, or keys in the pubkey chain."""

IKEV2_COMMANDS = """crypto ikev2 proposal PROP
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy POL
 proposal PROP
crypto ikev2 profile PROF
 match identity remote address {peer} 255.255.255.255
 identity local address {local}
 authentication remote {auth}
 authentication local {auth}
crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac
crypto map CRYPTO 10 ipsec-isakmp
 set ikev2-profile PROF
"""
"""``ike=2``: the seed's tunnel as Cisco's FlexVPN site-to-site example configures it (crypto
map form), AES-256-CBC/SHA-256/group 14 for the IKE SA and ESP AES-256-CBC + HMAC-SHA-256-128
(RFC 7296 and RFC 4868); the seed's ISAKMP policy stays, unused."""
LOCAL = {"Branch1": "10.1.1.1", "Branch2": "10.2.2.1"}
VTI_COMMANDS = """interface Serial1/0
 no crypto map
 exit
no crypto map CRYPTO
no ip access-list extended ACL
crypto ipsec profile VTI
 set transform-set TS
 set ikev2-profile PROF
interface Tunnel0
 ip address {tunnel} 255.255.255.252
 tunnel source Serial1/0
 tunnel mode ipsec ipv4
 tunnel destination {peer}
 tunnel protection ipsec profile VTI
ip route {lan} 255.255.255.0 Tunnel0
"""
"""``form="vti"``: the same IKEv2 tunnel in the form Cisco's FlexVPN site-to-site example
mostly shows: a static VTI (``interface Tunnel0``, ``tunnel mode ipsec ipv4``, ``tunnel
protection ipsec profile``) and a route into it instead of a crypto map and its ACL (both
removed); the
Child SA's traffic selectors are 0.0.0.0/0 both ways (RFC 7296 §2.9)."""
TUNNEL = {"Branch1": "10.0.0.1", "Branch2": "10.0.0.2"}
PEER_LAN = {"Branch1": "192.168.22.0", "Branch2": "192.168.11.0"}
FORMS = ("crypto-map", "vti")
"""The ``form=`` values of an ``ike=2`` lab: FlexVPN on a crypto map, or on a tunnel."""


class SeedLabError(ValueError):
    """An unknown profile or authentication method, or an impossible PFS group."""


def ikev2_commands(name: str, auth: str) -> str:
    """The FlexVPN lines of ``name`` for ``ike=2`` (:data:`IKEV2_COMMANDS`, plus a keyring
    and ``keyring local`` for pre-shared keys, ``pki trustpoint`` for certificates)."""
    if auth == "rsa-encr":
        raise SeedLabError("auth='rsa-encr' is IKEv1 only (RFC 7296 has no public key encryption)")
    text = IKEV2_COMMANDS.format(peer=PEERS[name], local=LOCAL[name], auth=auth)
    if auth == "pre-share":
        peer = "Branch2" if name == "Branch1" else "Branch1"
        return (
            f"crypto ikev2 keyring KEYS\n peer {peer}\n  address {PEERS[name]}\n"
            f"  pre-shared-key {PRE_SHARED_KEY}\n{text}crypto ikev2 profile PROF\n"
            " keyring local KEYS\n"
        )
    return text + "crypto ikev2 profile PROF\n pki trustpoint WIN2003\n"


def vti_commands(name: str, pfs: int | None) -> str:
    """The static VTI lines of ``name`` (:data:`VTI_COMMANDS`, with ``set pfs`` if asked)."""
    text = VTI_COMMANDS.format(tunnel=TUNNEL[name], peer=PEERS[name], lan=PEER_LAN[name])
    return text + (f"crypto ipsec profile VTI\n set pfs group{pfs}\n" if pfs else "")


def variant_commands(
    name: str, profile: str, pfs: int | None, auth: str, ike: int = 1, form: str = "crypto-map"
) -> str:
    """The IOS commands that turn the seed config of ``name`` into the asked-for variant."""
    if form not in FORMS or (form == "vti" and ike != 2):
        raise SeedLabError(f"form {form!r}: one of {', '.join(FORMS)}; 'vti' needs ike=2")
    if profile not in PROFILES:
        raise SeedLabError(f"unknown profile {profile!r}: choose one of {sorted(PROFILES)}")
    if auth not in AUTH_METHODS:
        raise SeedLabError(f"unknown auth {auth!r}: choose one of {', '.join(AUTH_METHODS)}")
    if ike not in (1, 2):
        raise SeedLabError(f"unknown IKE version {ike!r}: 1 (ISAKMP) or 2 (RFC 7296)")
    text = PROFILES[profile]
    if ike == 2:
        text += ikev2_commands(name, auth)
        if form == "vti":
            return text + vti_commands(name, pfs)
        return text + (f"crypto map CRYPTO 10 ipsec-isakmp\n set pfs group{pfs}\n" if pfs else "")
    if auth == "rsa-encr":
        text += "crypto isakmp policy 10\n authentication rsa-encr\n"
    if auth == "pre-share":
        text += "crypto isakmp policy 10\n authentication pre-share\n"
        text += f"crypto isakmp key {PRE_SHARED_KEY} address {PEERS[name]}\n"
    if pfs is not None:
        text += f"crypto map CRYPTO 10 ipsec-isakmp\n set pfs group{pfs}\n"
    return text


def build_seed_lab(
    cls: type[Lab],
    seed: int | str | None,
    *,
    profile: str = "seed",
    pfs: int | None = None,
    auth: str = "rsa-sig",
    trace: bool = True,
    ike: int = 1,
    form: str = "crypto-map",
) -> Lab:
    """Build, enroll and hand over the seed lab (see the module docstring)."""
    lab = cls(seed, start=ENROLL_START, timezone=AEST, trace=trace)
    for name in ("Branch1", "Branch2"):
        config = parse_config(SEED_CONFIGS[name], f"{name.lower()}.cfg")
        extra = variant_commands(name, profile, pfs, auth, ike, form)
        extra += SHUT_TUNNEL if form == "vti" else ""  # until the seed's IKE time (tunnels_up)
        if extra:
            config = apply_commands(config, extra, f"Lab.seed(profile={profile!r})")
        lab.add_router(config)
    add_seed_topology(lab)
    enroll_both(lab)
    if auth == "rsa-encr":
        paste_peer_keys(lab)
    if form == "vti":
        tunnels_up(lab)
    lab.run_until(IKE_START)
    return lab


def add_seed_topology(lab: Lab) -> None:
    """Around Branch1 and Branch2 (already added): the ISP router, PC1 and PC2 on the two LANs,
    the CA WIN2003 at HQ, and the links between them (see the module docstring)."""
    lab.add_router(ISP_CFG, "isp.cfg")
    lab.add_host("PC1", "192.168.11.10/24", "192.168.11.1")
    lab.add_host("PC2", "192.168.22.10/24", "192.168.22.1")
    lab.add_ca(seed_ca(fork(lab.rng, "ca")), "WIN2003", "192.168.1.9/24", "192.168.1.1")
    lab.connect("Branch1 Serial1/0", "ISP Serial1/0", "WAN1", delay=WAN_DELAY)
    lab.connect("ISP Serial1/1", "Branch2 Serial1/0", "WAN2", delay=WAN_DELAY)
    lab.connect("Branch1 FastEthernet0/0", "PC1 eth0", "LAN1", delay=LAN_DELAY)
    lab.connect("Branch2 FastEthernet0/0", "PC2 eth0", "LAN2", delay=LAN_DELAY)
    lab.connect("ISP FastEthernet0/0", "WIN2003 eth0", "HQ", delay=LAN_DELAY)


SHUT_TUNNEL = "interface Tunnel0\n shutdown\n"
VTI_HEAD_START = dt.timedelta(seconds=1)
"""How long before Branch1 Branch2's ``Tunnel0`` comes up in the VTI lab."""


def tunnels_up(lab: Lab) -> None:
    """``no shutdown`` on Branch2's then Branch1's ``Tunnel0`` (the module docstring), then
    the network runs until both tunnels' line protocols are up (at most 5 s)."""
    for name, when in (("Branch2", IKE_START - VTI_HEAD_START), ("Branch1", IKE_START)):
        lab.run_until(when)
        lab.router(name).configure("interface Tunnel0\n no shutdown\n")
    routers = (lab.branch1, lab.branch2)
    lab.run_while(lambda: not all(r.tunnels_up() for r in routers), 5.0)


def paste_peer_keys(lab: Lab) -> None:
    """rsa-encr the IOS way: each branch's ``show crypto key mypubkey rsa`` Key Data typed into
    the other's ``crypto key pubkey-chain rsa`` as ``addressed-key`` (a key already there for
    that address is replaced)."""
    for name, peer in (("Branch1", "Branch2"), ("Branch2", "Branch1")):
        shown = lab.router(peer).exec("show crypto key mypubkey rsa")
        lab.router(name).configure(pubkey_chain_text(PEERS[name], shown))


def pubkey_chain_text(address: str, shown: str) -> str:
    """The ``crypto key pubkey-chain rsa`` block for ``address`` whose ``key-string`` is the
    first ``Key Data`` of ``shown`` (a ``show crypto key mypubkey rsa`` output)."""
    data = shown.split(" Key Data:\n", 1)[1].splitlines()
    hex_lines = list(itertools.takewhile(lambda line: line.startswith("  "), data))
    return "\n".join(
        ["crypto key pubkey-chain rsa", f" addressed-key {address}", "  key-string",
         *hex_lines, "  quit", ""]
    )  # fmt: skip


def enroll_both(lab: Lab) -> None:
    """Branch2 then Branch1: authenticate the CA, then enroll, at the seed's times."""
    to_ca = WAN_DELAY + LAN_DELAY  # branch -> ISP -> WIN2003, no processing delay
    for name, arrives in SEED_ENROLL_TIMES.items():
        router = lab.router(name)
        lab.run_until(arrives - AUTHENTICATE_LEAD)
        router.exec(f"crypto pki authenticate {SEED_CA_NAME}")
        send_at = (arrives - lab.network.clock.start).total_seconds() - to_ca
        lab.network.run_until(send_at)
        router.exec(f"crypto pki enroll {SEED_CA_NAME}")
