"""The configuration commands vpnteach understands: one table of grammars per IOS mode.

Each row is ``(pattern, handler, mode entered)`` (:mod:`vpnteach.ios.grammar`); the handler
edits a :class:`~vpnteach.ios.draft.Draft`; modes are named as IOS prompts them. Word lists come
from the IKE model's tables, so the parser accepts exactly what the model can build; a value the
model refuses (:class:`~vpnteach.ike.policy.PolicyError`) becomes an error on that line.

``no`` forms undo a command: in a sub-mode they restore IOS's default, globally they remove the
object (``no crypto map CRYPTO`` removes the whole map, ``no crypto map CRYPTO 10`` one entry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from vpnteach.ike.policy import (
    AUTH_IDS,
    GLOBAL_SA_LIFETIME_KILOBYTES,
    GLOBAL_SA_LIFETIME_SECONDS,
    HASH_IDS,
    AccessList,
    AclEntry,
    IsakmpPolicy,
    PreSharedKey,
    TransformSet,
)
from vpnteach.ios import admission, ikev2, interactive, isakmp_peer, static_routes, vti
from vpnteach.ios.argtypes import ARG_TYPES
from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args, Token, compile_pattern
from vpnteach.ios.model import (
    ClockTimezone,
    CryptoMapSpec,
    InterfaceConfig,
    IsakmpKeepalive,
    RsaKeyCommand,
    TrustpointConfig,
)
from vpnteach.ios.pubkey import (
    CHAIN_ROWS,
    DATA_ROWS,
    GLOBAL_ROWS,
    KEY_ROWS,
    PUBKEY_CHAIN,
    PUBKEY_DATA,
    PUBKEY_KEY,
)
from vpnteach.ios.vti_model import TUNNEL_INTERFACE

GLOBAL = "config"
ISAKMP = "config-isakmp"
TRUSTPOINT = "ca-trustpoint"
TRANSFORM = "cfg-crypto-trans"
ACL = "config-ext-nacl"
CRYPTO_MAP = "config-crypto-map"
INTERFACE = "config-if"

Handler = Callable[[Draft, Args], None]


@dataclass(frozen=True)
class Command:
    """One grammar row: the pattern as written, its tokens, its handler and the mode it enters."""

    pattern: str
    tokens: tuple[Token, ...]
    handler: Handler
    enters: str | None = None


def _table(*rows: tuple[str, Handler] | tuple[str, Handler, str]) -> tuple[Command, ...]:
    return tuple(
        Command(row[0], compile_pattern(row[0], ARG_TYPES), row[1], *row[2:]) for row in rows
    )


# --- global ---------------------------------------------------------------------------------


def _set(name: str, key: str | None = None) -> Handler:
    """A handler storing argument ``key`` (or ``None`` for a ``no`` form) in field ``name``."""

    def handler(d: Draft, a: Args) -> None:
        setattr(d, name, a[key] if key else None)

    return handler


def _no_hostname(d: Draft, a: Args) -> None:
    d.hostname = "Router"


def _ntp_server(d: Draft, a: Args) -> None:
    if a["address"] not in d.ntp_servers:
        d.ntp_servers.append(a["address"])


def _no_ntp_server(d: Draft, a: Args) -> None:
    d.ntp_servers = [s for s in d.ntp_servers if s != a["address"]]


def _clock_timezone(d: Draft, a: Args) -> None:
    d.clock_timezone = ClockTimezone(a["zone"], a["hours"], a.get("minutes", 0))


def _rsa_key(d: Draft, a: Args) -> None:
    key: RsaKeyCommand = a["options"]
    d.rsa_key_commands = [k for k in d.rsa_key_commands if k.label != key.label] + [key]


def _trustpoint(d: Draft, a: Args) -> None:
    d.trustpoints.setdefault(a["name"], TrustpointConfig(a["name"]))
    d.context = a["name"]


def _no_trustpoint(d: Draft, a: Args) -> None:
    d.trustpoints.pop(a["name"], None)


def _isakmp_policy(d: Draft, a: Args) -> None:
    d.isakmp_policies.setdefault(a["priority"], IsakmpPolicy(a["priority"]))
    d.context = a["priority"]


def _no_isakmp_policy(d: Draft, a: Args) -> None:
    d.isakmp_policies.pop(a["priority"], None)


def _isakmp_key(d: Draft, a: Args) -> None:
    d.isakmp_keys[a["address"]] = PreSharedKey(a["key"], a["address"])


def _no_isakmp_key(d: Draft, a: Args) -> None:
    d.isakmp_keys.pop(a["address"], None)


def _keepalive(d: Draft, a: Args) -> None:
    d.isakmp_keepalive = IsakmpKeepalive(
        a["seconds"], a.get("retry", 2), a.get("mode", "on-demand")
    )


def _no_identity(d: Draft, a: Args) -> None:
    d.isakmp_identity = "address"


def _transform_set(d: Draft, a: Args) -> None:
    old = d.transform_sets.get(a["name"])
    d.transform_sets[a["name"]] = TransformSet(
        a["name"], a["transforms"], old.mode if old else "tunnel"
    )
    d.context = a["name"]


def _no_transform_set(d: Draft, a: Args) -> None:
    d.transform_sets.pop(a["name"], None)


def _sa_lifetime(field_name: str, default: int | None = None) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        setattr(d, field_name, a["value"] if default is None else default)

    return handler


def _access_list(d: Draft, a: Args) -> None:
    d.access_lists.setdefault(a["name"], AccessList(a["name"], ()))
    d.context = a["name"]


def _no_access_list(d: Draft, a: Args) -> None:
    d.access_lists.pop(str(a["name"]), None)


def _numbered_acl(d: Draft, a: Args) -> None:
    d.context = str(a["name"])
    d.access_lists.setdefault(d.context, AccessList(d.context, ()))
    _acl_entry(d, a)


def _crypto_map(d: Draft, a: Args) -> None:
    entries = d.crypto_maps.setdefault(a["name"], {})
    entries.setdefault(a["seq"], CryptoMapSpec(a["name"], a["seq"]))
    d.context = (a["name"], a["seq"])


def _no_crypto_map(d: Draft, a: Args) -> None:
    if "seq" not in a:
        d.crypto_maps.pop(a["name"], None)
    elif a["name"] in d.crypto_maps:
        d.crypto_maps[a["name"]].pop(a["seq"], None)


def _interface(d: Draft, a: Args) -> None:
    d.interfaces.setdefault(a["name"], InterfaceConfig(a["name"]))
    d.context = a["name"]


def _nothing(d: Draft, a: Args) -> None:
    """``exit`` / ``end``: only the mode changes."""


_IDENTITIES = "address/hostname/dn"
_ACL_ENTRY = "<action:choice:permit/deny> ip <source:acl_address> <destination:acl_address>"
_SA_LIFE = "crypto ipsec security-association lifetime"

GLOBAL_COMMANDS = _table(
    ("hostname <name:hostname>", _set("hostname", "name")),
    ("no hostname", _no_hostname),
    ("ip domain-name <name:domain>", _set("domain_name", "name")),
    ("ip domain name <name:domain>", _set("domain_name", "name")),
    ("no ip domain-name", _set("domain_name")),
    ("no ip domain name", _set("domain_name")),
    ("ntp server <address:ip>", _ntp_server),
    ("no ntp server <address:ip>", _no_ntp_server),
    ("clock timezone <zone:word> <hours:int:-23-23> [<minutes:int:0-59>]", _clock_timezone),
    ("no clock timezone", _set("clock_timezone")),
    ("crypto key generate rsa <options:rsa_options>", _rsa_key),
    ("crypto pki trustpoint <name:word>", _trustpoint, TRUSTPOINT),
    ("crypto ca trustpoint <name:word>", _trustpoint, TRUSTPOINT),
    ("no crypto pki trustpoint <name:word>", _no_trustpoint),
    ("crypto isakmp policy <priority:int:1-10000>", _isakmp_policy, ISAKMP),
    ("no crypto isakmp policy <priority:int:1-10000>", _no_isakmp_policy),
    ("crypto isakmp key <key:word> address <address:ip>", _isakmp_key),
    ("no crypto isakmp key <key:word> address <address:ip>", _no_isakmp_key),
    (f"crypto isakmp identity <kind:choice:{_IDENTITIES}>", _set("isakmp_identity", "kind")),
    ("no crypto isakmp identity", _no_identity),
    (
        "crypto isakmp keepalive <seconds:int:10-3600> [<retry:int:2-60>]"
        " [<mode:choice:periodic/on-demand>]",
        _keepalive,
    ),
    ("no crypto isakmp keepalive", _set("isakmp_keepalive")),
    (
        "crypto ipsec transform-set <name:word> <transforms:esp_transforms>",
        _transform_set,
        TRANSFORM,
    ),
    ("no crypto ipsec transform-set <name:word>", _no_transform_set),
    (f"{_SA_LIFE} seconds <value:int:120-86400>", _sa_lifetime("sa_lifetime_seconds")),
    (f"{_SA_LIFE} kilobytes <value:int:2560-4294967295>", _sa_lifetime("sa_lifetime_kilobytes")),
    (
        f"no {_SA_LIFE} seconds",
        _sa_lifetime("sa_lifetime_seconds", GLOBAL_SA_LIFETIME_SECONDS),
    ),
    (
        f"no {_SA_LIFE} kilobytes",
        _sa_lifetime("sa_lifetime_kilobytes", GLOBAL_SA_LIFETIME_KILOBYTES),
    ),
    ("ip access-list extended <name:word>", _access_list, ACL),
    ("no ip access-list extended <name:word>", _no_access_list),
    (f"access-list <name:int:100-199> {_ACL_ENTRY}", _numbered_acl),
    ("no access-list <name:int:100-199>", _no_access_list),
    ("crypto map <name:word> <seq:int:1-65535> [ipsec-isakmp]", _crypto_map, CRYPTO_MAP),
    ("no crypto map <name:word> [<seq:int:1-65535>]", _no_crypto_map),
    ("int(erface) <tunnel:tunnel_interface>", vti.enter_tunnel, TUNNEL_INTERFACE),  # first
    ("int(erface) <name:interface>", _interface, INTERFACE),
    ("end", _nothing),
    ("exit", _nothing),
) + _table(
    *GLOBAL_ROWS,
    *isakmp_peer.GLOBAL_ROWS,
    *interactive.GLOBAL_ROWS,
    *admission.GLOBAL_ROWS,
    *ikev2.GLOBAL_ROWS,
    *static_routes.GLOBAL_ROWS,
    *vti.GLOBAL_ROWS,
)


# --- config-isakmp --------------------------------------------------------------------------


def _policy_edit(**defaults: object) -> Handler:
    """Replace fields of the policy being edited: from the arguments, or back to defaults."""

    def handler(d: Draft, a: Args) -> None:
        policy = d.isakmp_policies[d.context]
        changes = {k: a.get(k, v) for k, v in defaults.items()}
        if "cipher" in a:
            changes = {"encryption": a["cipher"][0], "key_length": a["cipher"][1]}
        d.isakmp_policies[d.context] = replace(policy, **changes)

    return handler


_DEFAULT = IsakmpPolicy(1)

ISAKMP_COMMANDS = _table(
    ("en(cryption) <cipher:ike_cipher>", _policy_edit()),
    ("no en(cryption)", _policy_edit(encryption=_DEFAULT.encryption, key_length=None)),
    (
        f"au(thentication) <authentication:choice:{'/'.join(AUTH_IDS)}>",
        _policy_edit(authentication=""),
    ),
    ("no au(thentication)", _policy_edit(authentication=_DEFAULT.authentication)),
    (f"hash <hash:choice:{'/'.join(HASH_IDS)}>", _policy_edit(hash="")),
    ("no hash", _policy_edit(hash=_DEFAULT.hash)),
    ("group <group:dh_group>", _policy_edit(group=0)),
    ("no group", _policy_edit(group=_DEFAULT.group)),
    ("lifetime <lifetime:int:60-86400>", _policy_edit(lifetime=0)),
    ("no lifetime", _policy_edit(lifetime=_DEFAULT.lifetime)),
    ("exit", _nothing),
)


# --- ca-trustpoint --------------------------------------------------------------------------


def _trustpoint_edit(**defaults: object) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        changes = {k: a.get(k, v) for k, v in defaults.items()}
        d.trustpoints[d.context] = replace(d.trustpoints[d.context], **changes)

    return handler


TRUSTPOINT_COMMANDS = _table(
    ("enrollment url <enrollment_url:word>", _trustpoint_edit(enrollment_url="")),
    ("no enrollment url", _trustpoint_edit(enrollment_url="")),
    ("enrollment mode ra", _trustpoint_edit(enrollment_mode_ra=True)),
    ("no enrollment mode [ra]", _trustpoint_edit(enrollment_mode_ra=False)),
    ("rsakeypair <rsakeypair:word>", _trustpoint_edit(rsakeypair="")),
    ("no rsakeypair", _trustpoint_edit(rsakeypair="")),
    ("revocation-check <revocation_check:revocation>", _trustpoint_edit(revocation_check=())),
    ("no revocation-check", _trustpoint_edit(revocation_check=("crl",))),
    ("ip-address <ip_address:ip>", _trustpoint_edit(ip_address=None)),
    ("no ip-address", _trustpoint_edit(ip_address=None)),
    ("exit", _nothing),
)


# --- cfg-crypto-trans -----------------------------------------------------------------------


def _transform_mode(d: Draft, a: Args) -> None:
    d.transform_sets[d.context] = replace(d.transform_sets[d.context], mode=a.get("mode", "tunnel"))


TRANSFORM_COMMANDS = _table(
    ("mode <mode:choice:tunnel/transport>", _transform_mode),
    ("no mode", _transform_mode),
    ("exit", _nothing),
)


# --- config-ext-nacl ------------------------------------------------------------------------


def _entry(a: Args) -> AclEntry:
    return AclEntry(a["action"], a["source"], a["destination"])


def _acl_entry(d: Draft, a: Args) -> None:
    acl = d.access_lists[d.context]
    entry = _entry(a)
    if entry not in acl.entries:  # IOS ignores a duplicate entry
        d.access_lists[d.context] = replace(acl, entries=(*acl.entries, entry))


def _no_acl_entry(d: Draft, a: Args) -> None:
    acl = d.access_lists[d.context]
    entries = tuple(e for e in acl.entries if e != _entry(a))
    d.access_lists[d.context] = replace(acl, entries=entries)


ACL_COMMANDS = _table(
    (_ACL_ENTRY, _acl_entry),
    (f"no {_ACL_ENTRY}", _no_acl_entry),
    ("exit", _nothing),
)


# --- config-crypto-map ----------------------------------------------------------------------


def _map_edit(change: Callable[[CryptoMapSpec, Args], CryptoMapSpec]) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        name, seq = d.context
        d.crypto_maps[name][seq] = change(d.crypto_maps[name][seq], a)

    return handler


def _add_peer(s: CryptoMapSpec, a: Args) -> CryptoMapSpec:
    peers = s.peers if a["address"] in s.peers else (*s.peers, a["address"])
    return replace(s, peers=peers)


def _remove_peer(s: CryptoMapSpec, a: Args) -> CryptoMapSpec:
    return replace(s, peers=tuple(p for p in s.peers if p != a["address"]))


def _no_match(s: CryptoMapSpec, a: Args) -> CryptoMapSpec:
    return replace(s, match_address=None)


_SET_SA = "set security-association lifetime"

CRYPTO_MAP_COMMANDS = _table(
    ("match address <acl:word>", _map_edit(lambda s, a: replace(s, match_address=a["acl"]))),
    ("no match address [<acl:word>]", _map_edit(_no_match)),
    ("set peer <address:ip>", _map_edit(_add_peer)),
    ("no set peer <address:ip>", _map_edit(_remove_peer)),
    (
        "set transform-set <names:ts_names>",
        _map_edit(lambda s, a: replace(s, transform_sets=a["names"])),
    ),
    ("no set transform-set", _map_edit(lambda s, a: replace(s, transform_sets=()))),
    (
        "set pfs [<group:pfs_group>]",
        _map_edit(lambda s, a: replace(s, pfs_group=a.get("group", 1))),
    ),
    ("no set pfs", _map_edit(lambda s, a: replace(s, pfs_group=None))),
    (
        f"{_SET_SA} seconds <value:int:120-86400>",
        _map_edit(lambda s, a: replace(s, lifetime_seconds=a["value"])),
    ),
    (
        f"{_SET_SA} kilobytes <value:int:2560-4294967295>",
        _map_edit(lambda s, a: replace(s, lifetime_kilobytes=a["value"])),
    ),
    (f"no {_SET_SA} seconds", _map_edit(lambda s, a: replace(s, lifetime_seconds=None))),
    (f"no {_SET_SA} kilobytes", _map_edit(lambda s, a: replace(s, lifetime_kilobytes=None))),
    ("exit", _nothing),
) + _table(*ikev2.CRYPTO_MAP_ROWS)


# --- config-if ------------------------------------------------------------------------------


def _if_edit(**defaults: object) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        changes = {k: a.get(k, v) for k, v in defaults.items()}
        d.interfaces[d.context] = replace(d.interfaces[d.context], **changes)

    return handler


def _no_if_crypto_map(d: Draft, a: Args) -> None:
    interface = d.interfaces[d.context]
    if a.get("map") in (None, interface.crypto_map):
        d.interfaces[d.context] = replace(interface, crypto_map=None)


INTERFACE_COMMANDS = _table(
    ("ip address <address:ip> <mask:mask>", _if_edit(address=None, mask=None, unnumbered=None)),
    ("no ip address", _if_edit(address=None, mask=None)),
    ("crypto map <crypto_map:word>", _if_edit(crypto_map=None)),
    ("no crypto map [<map:word>]", _no_if_crypto_map),
    ("shut(down)", _if_edit(shutdown=True)),
    ("no shut(down)", _if_edit(shutdown=False)),
    ("desc(ription) <description:rest>", _if_edit(description=None)),
    ("no desc(ription)", _if_edit(description=None)),
    ("exit", _nothing),
)

MODE_COMMANDS: dict[str, tuple[Command, ...]] = {
    GLOBAL: GLOBAL_COMMANDS,
    ISAKMP: ISAKMP_COMMANDS,
    TRUSTPOINT: TRUSTPOINT_COMMANDS,
    TRANSFORM: TRANSFORM_COMMANDS,
    ACL: ACL_COMMANDS,
    CRYPTO_MAP: CRYPTO_MAP_COMMANDS,
    INTERFACE: INTERFACE_COMMANDS,
    TUNNEL_INTERFACE: INTERFACE_COMMANDS + _table(*vti.INTERFACE_ROWS),
    PUBKEY_CHAIN: _table(*CHAIN_ROWS),
    PUBKEY_KEY: _table(*KEY_ROWS),
    PUBKEY_DATA: _table(*DATA_ROWS),
    isakmp_peer.ISAKMP_PEER: _table(*isakmp_peer.PEER_ROWS),
    **{mode: _table(*rows) for mode, rows in ikev2.MODE_ROWS.items()},
    vti.PROFILE: _table(*vti.PROFILE_ROWS),
}
"""Every mode's grammar table; a sub-mode also falls back to :data:`GLOBAL_COMMANDS`."""
MODE_FALLBACK: dict[str, tuple[str, ...]] = {
    PUBKEY_KEY: (PUBKEY_CHAIN, GLOBAL), PUBKEY_DATA: (), ikev2.KEYRING_PEER: (ikev2.KEYRING, GLOBAL)
}  # fmt: skip
"""The modes a line is tried in after its own, where not just ``config``: a nested mode tries
its parents (IOS walks up), a key-string block takes only its own lines."""

BLOCK_END: dict[str, str] = {PUBKEY_DATA: "quit"}
"""Modes a configuration text may not end in, and the line that ends them."""


def command_reference() -> str:
    """Every accepted command, mode by mode, in the grammar notation (generated from the tables):
    ``encr(yption)`` accepts ``encr`` .. ``encryption``; ``<name:type>`` is an argument;
    ``[...]`` is optional (any unique prefix of a keyword is accepted: :mod:`vpnteach.ios.tree`).
    """
    lines: list[str] = []
    for mode, commands in MODE_COMMANDS.items():
        lines.append(f"{mode}:")
        lines += [f"  {command.pattern}" for command in commands]
    return "\n".join(lines)
