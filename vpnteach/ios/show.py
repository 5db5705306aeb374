"""Exec commands over a :class:`RouterConfig`: ``show running-config``, ``show crypto map``,
``show crypto ipsec transform-set``, ``show crypto key pubkey-chain rsa``
(:mod:`vpnteach.ios.pubkey`).

Layouts follow real IOS 12.4 output: the ``show crypto map`` and ``show crypto ipsec
transform-set`` command reference (Cisco IOS Security Command Reference, "IPSec Network Security
Commands", http://www.cisco.com/c/en/us/td/docs/ios/12_2/security/command/reference/srfipsec.html)
and a c2691 running IOS 12.4 captured in a public lab write-up (found with the project's search
tool), which prints::

    Transform set TS-1325: { esp-des esp-md5-hmac  }
       will negotiate = { Tunnel,  },

    Crypto Map "CMAP-1325" 10 ipsec-isakmp
            Peer = 200.25.13.25
            Extended IP access list VPN-TRAFICO
                access-list VPN-TRAFICO permit ip 10.13.25.0 0.0.0.127 10.13.25.128 0.0.0.15
            Current peer: 200.25.13.25
            Security association lifetime: 4608000 kilobytes/3600 seconds
            PFS (Y/N): Y
            DH group:  group5
            Transform sets={
                    TS-1325,
            }
            Interfaces using crypto map CMAP-1325:
                    FastEthernet0/0

Only configuration is shown here: "Current peer" is the first configured peer (the runtime peer
belongs to the IKE engine). ``show crypto isakmp ...``, ``show crypto pki ...`` and ``show crypto
ipsec sa`` are rendered by the IKE, PKI and ESP packages.
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.ike.policy import TransformSet
from vpnteach.ios.errors import IosConfigError
from vpnteach.ios.grammar import Args, Mismatch
from vpnteach.ios.ikev2 import show_crypto_ikev2_proposal
from vpnteach.ios.model import CryptoMapSpec, RouterConfig
from vpnteach.ios.pubkey import show_crypto_key_pubkey_chain
from vpnteach.ios.tree import CommandTree
from vpnteach.ios.vti_model import head_map_name

_INDENT = " " * 8


def show_running_config(config: RouterConfig) -> str:
    """``show running-config`` (see :mod:`vpnteach.ios.render`)."""
    return config.to_text()


def transform_text(ts: TransformSet) -> str:
    """The transforms as ``show crypto ipsec transform-set`` writes them: AES with its key
    length inside the name (``esp-256-aes``), 128-bit AES as plain ``esp-aes``."""
    cipher = ts.cipher
    if ts.combined:  # AES-GCM, RFC 4106: its own ICV, no HMAC
        return f"{cipher} {ts.key_length}"
    if ts.key_length not in (None, 128):
        cipher = f"esp-{ts.key_length}-aes"
    return f"{cipher} {ts.integrity}"


def show_crypto_ipsec_transform_set(config: RouterConfig, tag: str | None = None) -> str:
    """``show crypto ipsec transform-set [tag NAME]``."""
    blocks = [
        f"Transform set {ts.name}: {{ {transform_text(ts)}  }} \n"
        f"   will negotiate = {{ {ts.mode.capitalize()},  }}, \n"
        for ts in config.transform_sets.values()
        if tag is None or ts.name == tag
    ]
    return "\n".join(blocks)


def show_crypto_map(config: RouterConfig, tag: str | None = None) -> str:
    """``show crypto map [tag NAME]``: every entry, then the interfaces using each map."""
    lines: list[str] = []
    for name, entries in config.crypto_maps.items():
        if tag is not None and name != tag:
            continue
        for seq in sorted(entries):
            lines += _map_entry(config, entries[seq])
        lines.append(f"{_INDENT}Interfaces using crypto map {name}:")
        lines += [f"{_INDENT * 2}{i}" for i in config.interfaces_using(name)]
        lines.append("")
    return "\n".join(lines + _tunnel_maps(config, tag))


def _tunnel_maps(config: RouterConfig, tag: str | None) -> list[str]:
    """The map IOS builds for each protected tunnel (``Tunnel0-head-0``, a "PROFILE
    INSTANCE" of its ipsec profile, matching "permit ip any any": a static VTI)."""
    lines: list[str] = []
    for interface in config.interfaces.values():
        profile = config.ipsec_profiles.get(interface.tunnel_protection or "")
        name = head_map_name(interface.name)
        if profile is None or tag not in (None, name):
            continue
        destination = interface.tunnel_destination
        spec = CryptoMapSpec(
            name, 65536, None, (destination,) if destination else (), profile.transform_sets,
            profile.pfs_group, profile.lifetime_seconds, profile.lifetime_kilobytes,
            profile.ikev2_profile,
        )  # fmt: skip
        entry = _map_entry(config, spec)
        acl = [f"{_INDENT}Extended IP access list ", f"{_INDENT}    access-list  permit ip any any"]
        at = entry.index(f"{_INDENT}No matching address list set.")
        lines += [entry[0], f"{_INDENT}Map is a PROFILE INSTANCE.", *entry[1:at], *acl]
        lines += [*entry[at + 1 :], f"{_INDENT}Interfaces using crypto map {name}:"]
        lines += [f"{_INDENT * 2}{interface.name}", ""]
    return lines


def _map_entry(config: RouterConfig, spec: CryptoMapSpec) -> list[str]:
    lines = [f'Crypto Map "{spec.name}" {spec.seq} ipsec-isakmp']
    lines += [f"{_INDENT}IKEv2 Profile: {spec.ikev2_profile}"] if spec.ikev2_profile else []
    lines += [f"{_INDENT}Peer = {peer}" for peer in spec.peers]
    lines += _match_address(config, spec)
    lines += [f"{_INDENT}Current peer: {spec.peers[0]}"] if spec.peers else []
    seconds = spec.lifetime_seconds or config.sa_lifetime_seconds
    kilobytes = spec.lifetime_kilobytes or config.sa_lifetime_kilobytes
    lines.append(f"{_INDENT}Security association lifetime: {kilobytes} kilobytes/{seconds} seconds")
    if spec.pfs_group is None:
        lines.append(f"{_INDENT}PFS (Y/N): N")
    else:
        lines += [f"{_INDENT}PFS (Y/N): Y", f"{_INDENT}DH group:  group{spec.pfs_group}"]
    lines.append(f"{_INDENT}Transform sets={{")
    lines += [f"{_INDENT * 2}{name}," for name in spec.transform_sets]
    lines.append(f"{_INDENT}}}")
    return lines


def _match_address(config: RouterConfig, spec: CryptoMapSpec) -> list[str]:
    if spec.match_address is None:
        return [f"{_INDENT}No matching address list set."]
    lines = [f"{_INDENT}Extended IP access list {spec.match_address}"]
    acl = config.access_lists.get(spec.match_address)
    entries = acl.entries if acl is not None else ()
    prefix = f"{_INDENT}    access-list {spec.match_address}"
    return lines + [f"{prefix} {entry.ios_text()}" for entry in entries]


_ShowHandler = Callable[[RouterConfig, Args], str]

SHOW_COMMANDS: tuple[tuple[str, _ShowHandler], ...] = (
    ("sh(ow) run(ning-config)", lambda c, a: show_running_config(c)),
    ("sh(ow) cry(pto) map [tag <tag:word>]", lambda c, a: show_crypto_map(c, a.get("tag"))),
    (
        "sh(ow) cry(pto) ipsec transform-set [tag <tag:word>]",
        lambda c, a: show_crypto_ipsec_transform_set(c, a.get("tag")),
    ),
    ("sh(ow) cry(pto) key pubkey-chain rsa", lambda c, a: show_crypto_key_pubkey_chain(c)),
    (
        "sh(ow) cry(pto) ikev2 proposal [<name:word>]",
        lambda c, a: show_crypto_ikev2_proposal(c, a.get("name")),
    ),
)
"""The exec commands this module answers, as grammars (see :mod:`vpnteach.ios.grammar`)."""

_TREE = CommandTree(SHOW_COMMANDS)


def run_show(config: RouterConfig, line: str) -> str:
    """Answer one exec-mode ``show`` line, e.g. ``"sh run"`` or ``"show crypto map"`` (the
    rows of :data:`SHOW_COMMANDS`, which the EXEC table of :mod:`vpnteach.ios.execmode`
    also uses, read with the same abbreviations).

    Raises:
        IosConfigError: the line is none of :data:`SHOW_COMMANDS` (mode ``exec``).
    """
    try:
        handler, args = _TREE.parse(line.split())
    except Mismatch as best:
        raise _refused(config, line, best) from None
    return handler(config, args)


def _refused(config: RouterConfig, line: str, best: Mismatch) -> IosConfigError:
    starts = [
        i for i, c in enumerate(line) if not c.isspace() and (i == 0 or line[i - 1].isspace())
    ]
    column = starts[best.index] if best.index < len(starts) else len(line.rstrip())
    expected = best.expected[0] if len(best.expected) == 1 else "one of " + ", ".join(best.expected)
    return IosConfigError(1, line, expected, column, "<exec>", "exec", config.hostname)
