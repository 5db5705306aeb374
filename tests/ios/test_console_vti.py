"""Golden console cases for FlexVPN's tunnel-interface form (``crypto ipsec profile``,
``interface Tunnel0`` and its ``tunnel`` lines, ``ip route ... Tunnel0``) on the seed lab's
Branch1: ``?``, Tab, abbreviation, incomplete and invalid input, and the refusals that name
what is wrong.

The commands are those of Cisco's "FlexVPN Site-to-Site Configuration Example" (document
115782: ``crypto ipsec profile default`` / ``set ikev2-profile default`` / ``interface
Tunnel0`` / ``tunnel source`` / ``tunnel destination`` / ``tunnel protection ipsec profile
default``) and of the IOS XE Security Configuration Guide, "IPsec Virtual Tunnel Interfaces"
(``tunnel mode ipsec ipv4``; a static VTI's one IPsec SA has the selectors "IP any any"). The
``tunnel`` lines exist on a tunnel interface only (on ``Serial1/0`` they are invalid input, as
on IOS); ``interface Tunnel0`` is prompted ``(config-if)#``. Help lines are IOS 15's ``?``
wording; the error behaviour is the IOS CLI's (Configuration Fundamentals, "Using the Cisco IOS
Command-Line Interface").
"""

from __future__ import annotations

import pytest

from tests.ios.golden_console import L, check_golden
from vpnteach.ios import IosConfigError, parse_config
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for

CONFIG = ["enable", "configure terminal"]
SETUP = {
    "exec": ["enable"],
    "config": CONFIG,
    "config-if": [*CONFIG, "interface Serial1/0"],
    "ipsec-profile": [*CONFIG, "crypto ipsec profile VTI"],
    "config-if-tunnel": [*CONFIG, "crypto ipsec profile VTI", "interface Tunnel0"],
}
INVALID = "% Invalid input detected at '^' marker."
PROMPT = len("Branch1(config-if)#")

CASES: list[tuple[str, str, str, str]] = [
    (
        "exec",
        "?",
        "show ip interface ",
        "  brief  Brief summary of IP status and configuration\n\n",
    ),
    ("exec", "tab", "sh ip int br", "sh ip int brief "),
    # a partial interface type: IOS lists the types it begins, as for a partial keyword
    ("exec", "?", "show interfaces tu", "Tunnel  \n\n"),
    ("exec", "?", "sh int f", "FastEthernet  \n\n"),
    ("config", "?", "interface s", "Serial  \n\n"),
    (
        "config",
        "?",
        "crypto ipsec ",
        L(
            "  profile               Configure an ipsec policy profile",
            "  security-association  Security association parameters",
            "  transform-set         Define transform and settings",
            "",
        ),
    ),
    ("config", "tab", "crypto ipsec pro", "crypto ipsec profile "),
    ("config", "enter", "crypto ipsec profile", L("% Incomplete command.", "")),
    (
        "ipsec-profile",
        "?",
        "",
        L(
            "  do    To run exec commands in config mode",
            "  exit  Exit from crypto ipsec profile sub mode",
            "  no    Negate a command or set its defaults",
            "  set   Specify a parameter",
            "",
        ),
    ),
    (
        "ipsec-profile",
        "?",
        "set ",
        L(
            "  ikev2-profile         Specify ikev2 Profile",
            "  pfs                   Specify pfs settings",
            "  security-association  Security association parameters",
            "  transform-set         Specify list of transform sets in priority order",
            "",
        ),
    ),
    ("ipsec-profile", "?", "set ikev2-profile ", "  WORD  Name of ikev2 Profile\n\n"),
    ("ipsec-profile", "enter", "set trans TS", ""),
    (
        "config",
        "?",
        "interface ",
        L(
            "  FastEthernet  FastEthernet IEEE 802.3",
            "  Loopback      Loopback interface",
            "  Serial        Serial",
            "  Tunnel        Tunnel interface",
            "",
        ),
    ),
    (
        "config-if-tunnel",
        "?",
        "tunnel ",
        L(
            "  destination  destination of tunnel",
            "  mode         tunnel encapsulation method",
            "  protection   Enable tunnel protection",
            "  source       source of tunnel packets",
            "",
        ),
    ),
    (
        "config-if-tunnel",
        "?",
        "tunnel mode ",
        L(
            "  gre    generic route encapsulation protocol",
            "  ipsec  IPSec tunnel encapsulation",
            "",
        ),
    ),
    ("config-if-tunnel", "?", "tunnel mode ipsec ", "  ipv4  over IPv4\n\n"),
    (
        "config-if-tunnel",
        "?",
        "ip ",
        L(
            "  address     Set the IP address of an interface",
            "  unnumbered  Enable IP processing without an explicit address",
            "",
        ),
    ),
    (
        "config-if-tunnel",
        "?",
        "tunnel protection ipsec profile ",
        "  WORD  Name of the IPsec profile\n\n",
    ),
    ("config-if-tunnel", "tab", "tunnel prot", "tunnel protection "),
    ("config-if-tunnel", "enter", "tun mo ips ipv4", ""),  # Using Command Abbreviation
    ("config-if-tunnel", "enter", "tunnel source s1/0", ""),
    ("config-if-tunnel", "enter", "tunnel source", L("% Incomplete command.", "")),
    # the caret under the refused word (inside an address: where it stops being one)
    (
        "config-if-tunnel",
        "enter",
        "tunnel mode ipsec ipv6",
        L(" " * (PROMPT + 18) + "^", INVALID, ""),
    ),
    (
        "config-if-tunnel",
        "enter",
        "tunnel destination 10.2.2",
        L(" " * (PROMPT + 25) + "^", INVALID, ""),
    ),
    # a tunnel line on a serial interface: IOS has no such command there
    ("config-if", "enter", "tunnel source Serial1/0", L(" " * PROMPT + "^", INVALID, "")),
    (
        "config-if-tunnel",
        "enter",
        "tunnel protection ipsec profile NOPE",
        L(
            "% Not accepted: tunnel protection ipsec profile NOPE: no crypto ipsec profile NOPE "
            "(configured: VTI); configure the profile first",
            "",
        ),
    ),
    (
        "config",
        "?",
        "ip route 192.168.22.0 255.255.255.0 ",
        L(
            "  A.B.C.D       Forwarding router's address",
            "  FastEthernet  FastEthernet IEEE 802.3",
            "  Loopback      Loopback interface",
            "  Serial        Serial",
            "  Tunnel        Tunnel interface",
            "",
        ),
    ),
    (
        "config",
        "enter",
        "ip route 192.168.22.1 255.255.255.0 Tunnel0",  # IOS: %Inconsistent address and mask
        L(
            " " * 25 + "^",  # under the prefix, as for a next-hop route (static_routes.py)
            "% Invalid input detected at '^' marker.",
            "",
        ),
    ),
    (
        "config",
        "enter",
        "ip route 192.168.22.0 255.255.255.0 Tunnel5",
        L(
            "% Not accepted: ip route 192.168.22.0 255.255.255.0 Tunnel5: no interface Tunnel5 "
            "(configure it first: interface Tunnel5)",
            "",
        ),
    ),
]


@pytest.mark.parametrize(("mode", "key", "typed", "expected"), CASES)
def test_golden(lab: Lab, mode: str, key: str, typed: str, expected: str) -> None:
    check_golden(lab, SETUP, mode, key, typed, expected)


def test_interface_tunnel0_is_prompted_config_if_and_its_lines_apply() -> None:
    lab = Lab.seed(ike=2)  # the FlexVPN objects exist; the map is still on Serial1/0
    console = console_for(lab.branch1)
    prompts = []
    for line in ["en", "conf t", "cry ipsec prof VTI", "set transform-set TS",
                 "set ikev2-profile PROF", "int tu0", "ip unnumbered s1/0", "tunnel source s1/0",
                 "tunnel mode ipsec ipv4", "tunnel destination 10.2.2.1",
                 "tunnel protection ipsec profile VTI", "int s1/0", "end"]:  # fmt: skip
        assert console.enter(line) == "" or line in ("conf t", "end"), line
        prompts.append(console.prompt)
    assert prompts[2:8] == ["Branch1(ipsec-profile)#"] * 3 + ["Branch1(config-if)#"] * 3
    tunnel = lab.branch1.config.interfaces["Tunnel0"]
    assert (tunnel.unnumbered, tunnel.tunnel_source, tunnel.tunnel_mode) == (
        "Serial1/0", "Serial1/0", "ipsec ipv4"
    )  # fmt: skip
    shown = console.enter("show running-config")
    assert (
        "interface Tunnel0\n ip unnumbered Serial1/0\n tunnel source Serial1/0\n"
        " tunnel mode ipsec ipv4\n tunnel destination 10.2.2.1\n"
        " tunnel protection ipsec profile VTI\n!\n" in shown
    )
    # a crypto map and tunnel protection at once: the gateway says which, nothing half-runs
    assert lab.branch1.gateway is None
    assert "crypto map on Serial1/0 and tunnel protection on Tunnel0" in lab.branch1.gateway_problem


def test_a_tunnel_line_in_a_serial_interfaces_block_names_where_it_belongs() -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config("interface Serial1/0\n tunnel source Serial1/0\n", "branch1.cfg")
    assert str(caught.value) == (
        "branch1.cfg line 2: `tunnel source Serial1/0`: expected a config-if command: `tunnel` "
        "belongs on a tunnel interface (enter: interface Tunnel0)"
    )
    assert caught.value.ios_message().startswith("Router(config-if)#tunnel source Serial1/0\n")


def test_an_address_and_ip_unnumbered_replace_each_other() -> None:
    lab = Lab.seed()
    lab.branch1.configure("interface Tunnel0\n ip address 10.0.0.1 255.255.255.252\n")
    lab.branch1.configure("interface Tunnel0\n no ip unnumbered\n")  # none to remove
    assert lab.branch1.config.interfaces["Tunnel0"].address == "10.0.0.1"
    lab.branch1.configure("interface Tunnel0\n ip unnumbered Serial1/0\n")
    tunnel = lab.branch1.config.interfaces["Tunnel0"]
    assert (tunnel.address, tunnel.unnumbered) == (None, "Serial1/0")
    brief = lab.branch1.exec("show ip interface brief").splitlines()[-1].split()
    assert brief[:2] == ["Tunnel0", "10.1.1.1"]  # the borrowed address
    lab.branch1.configure("interface Tunnel0\n ip address 10.0.0.1 255.255.255.252\n")
    tunnel = lab.branch1.config.interfaces["Tunnel0"]
    assert (tunnel.address, tunnel.unnumbered) == ("10.0.0.1", None)


def test_a_profile_in_use_cannot_be_removed_and_an_unused_one_can() -> None:
    lab = Lab.seed(ike=2, form="vti")
    console = console_for(lab.branch1, enabled=True)
    console.enter("configure terminal")
    before = lab.branch1.config
    refused = console.enter("no crypto ipsec profile VTI")
    assert refused == L(
        "% Not accepted: crypto ipsec profile VTI is in use by Tunnel0: remove tunnel "
        "protection there first",
        "",
    )
    assert lab.branch1.config is before
    for line in ["interface Tunnel0", "no tunnel protection ipsec profile", "exit",
                 "no crypto ipsec profile VTI"]:  # fmt: skip
        assert console.enter(line) == "", line
    assert "VTI" not in lab.branch1.config.ipsec_profiles
    assert lab.branch1.gateway is None  # nothing protects anything now


def test_warnings_name_what_keeps_a_tunnel_down() -> None:
    lab = Lab.seed()
    lab.branch1.configure(
        "crypto ipsec profile VTI\n set transform-set NOPE\n set ikev2-profile GONE\n"
        "interface Tunnel0\n tunnel protection ipsec profile VTI\n"
    )
    said = {str(w) for w in lab.branch1.config.warnings}
    assert said >= {
        "crypto ipsec profile VTI: set transform-set NOPE: no such transform set",
        "crypto ipsec profile VTI: set ikev2-profile GONE: no such IKEv2 profile",
        "interface Tunnel0: no tunnel source: no local address for IKE",
        "interface Tunnel0: no tunnel destination: no peer",
        "interface Tunnel0: tunnel mode gre ip (the default): this lab runs tunnel mode ipsec ipv4",
    }
