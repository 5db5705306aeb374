"""The ``crypto ikev2`` commands (FlexVPN site-to-site, crypto map form): grammar rows and
``show running-config`` lines. The records are in :mod:`vpnteach.ios.ikev2_model`.

Modes as IOS prompts them: ``crypto ikev2 proposal NAME`` enters ``config-ikev2-proposal``,
``policy`` ``config-ikev2-policy``, ``keyring`` ``config-ikev2-keyring`` (whose ``peer NAME``
enters ``config-ikev2-keyring-peer``), ``profile`` ``config-ikev2-profile``. Transforms typed on
several lines add up, as on IOS (``encryption aes-cbc-256`` then ``encryption aes-cbc-128``
offers both); ``no encryption`` removes them all, ``no encryption aes-cbc-128`` one.
The crypto map's ``set ikev2-profile NAME`` (:mod:`vpnteach.ios.commands`) makes an entry
negotiate with IKEv2 (RFC 7296) instead of ISAKMP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args
from vpnteach.ios.ikev2_model import (
    AUTH_METHODS,
    ENCRYPTIONS,
    GROUPS,
    INTEGRITIES,
    Ikev2Dpd,
    Ikev2KeyringConfig,
    Ikev2KeyringPeer,
    Ikev2PolicyConfig,
    Ikev2ProfileConfig,
    Ikev2ProposalConfig,
)
from vpnteach.ios.model import RouterConfig

PROPOSAL = "config-ikev2-proposal"
POLICY = "config-ikev2-policy"
KEYRING = "config-ikev2-keyring"
KEYRING_PEER = "config-ikev2-keyring-peer"
PROFILE = "config-ikev2-profile"

Handler = Callable[[Draft, Args], None]
Row = tuple[str, Handler] | tuple[str, Handler, str]

_ENCR = "/".join(ENCRYPTIONS)
_INTEG = "/".join(INTEGRITIES)
_GROUP = "/".join(str(g) for g in GROUPS)
_AUTH = "/".join(AUTH_METHODS)


def _nothing(d: Draft, a: Args) -> None:
    """``exit``: only the mode changes."""


def _enter(table: str, record: Callable[[str], object]) -> Handler:
    """``crypto ikev2 <kind> NAME``: create the object if new, edit it."""

    def handler(d: Draft, a: Args) -> None:
        getattr(d, table).setdefault(a["name"], record(a["name"]))
        d.context = a["name"]

    return handler


def _remove(table: str) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        getattr(d, table).pop(a["name"], None)

    return handler


MAX_VALUES = 6
"""Algorithms one line may list (each type has at most six choices: a line can name them all)."""


def _several(a: Args, prefix: str) -> list[str]:
    """The values of ``<prefix>1`` .. ``<prefix>6`` that were typed."""
    return [a[k] for k in (f"{prefix}{n}" for n in range(1, MAX_VALUES + 1)) if k in a]


# --- config-ikev2-proposal ------------------------------------------------------------------


def _add(field_name: str, convert: Callable[[str], object] = str) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        proposal = d.ikev2_proposals[d.context]
        typed = map(convert, _several(a, "v"))
        values = tuple(dict.fromkeys((*getattr(proposal, field_name), *typed)))
        changes: dict[str, Any] = {field_name: values}
        d.ikev2_proposals[d.context] = replace(proposal, **changes)

    return handler


def _drop(field_name: str, convert: Callable[[str], object] = str) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        proposal = d.ikev2_proposals[d.context]
        gone = [convert(v) for v in _several(a, "v")]
        kept = tuple(v for v in getattr(proposal, field_name) if gone and v not in gone)
        changes: dict[str, Any] = {field_name: kept}
        d.ikev2_proposals[d.context] = replace(proposal, **changes)

    return handler


def _list_rows(
    keyword: str, field_name: str, choices: str, convert: Callable[[str], object]
) -> tuple[Row, Row]:
    more = " ".join(f"[<v{n}:choice:{choices}>]" for n in range(2, MAX_VALUES + 1))
    values = f"<v1:choice:{choices}> {more}"
    optional = f"[<v1:choice:{choices}>] {more}"
    return (
        (f"{keyword} {values}", _add(field_name, convert)),
        (f"no {keyword} {optional}", _drop(field_name, convert)),
    )


PROPOSAL_ROWS: tuple[Row, ...] = (
    *_list_rows("encr(yption)", "encryption", _ENCR, str),
    *_list_rows("integrity", "integrity", _INTEG, str),
    *_list_rows("prf", "prf", _INTEG, str),
    *_list_rows("group", "groups", _GROUP, int),
    ("exit", _nothing),
)


# --- config-ikev2-policy --------------------------------------------------------------------


def _policy_proposal(add: bool) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        policy = d.ikev2_policies[d.context]
        names = tuple(n for n in policy.proposals if n != a["proposal"])
        names += (a["proposal"],) if add else ()
        d.ikev2_policies[d.context] = replace(policy, proposals=names)

    return handler


POLICY_ROWS: tuple[Row, ...] = (
    ("proposal <proposal:word>", _policy_proposal(True)),
    ("no proposal <proposal:word>", _policy_proposal(False)),
    ("exit", _nothing),
)


# --- config-ikev2-keyring and its peers -----------------------------------------------------


def _keyring_name(d: Draft) -> str:
    """The keyring being edited: a keyring-mode line typed in a peer block (which IOS runs
    in the parent mode) finds the context as ``(keyring, peer)``."""
    return str(d.context[0] if isinstance(d.context, tuple) else d.context)


def _keyring_peer(d: Draft, a: Args) -> None:
    keyring = d.ikev2_keyrings[_keyring_name(d)]
    if keyring.peer(a["peer"]) is None:
        d.ikev2_keyrings[keyring.name] = keyring.with_peer(Ikev2KeyringPeer(a["peer"]))
    d.context = (keyring.name, a["peer"])


def _no_keyring_peer(d: Draft, a: Args) -> None:
    keyring = d.ikev2_keyrings[_keyring_name(d)]
    peers = tuple(p for p in keyring.peers if p.name != a["peer"])
    d.ikev2_keyrings[keyring.name] = replace(keyring, peers=peers)
    d.context = keyring.name


def _peer_edit(**defaults: object) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        keyring_name, peer_name = d.context
        keyring = d.ikev2_keyrings[keyring_name]
        peer = keyring.peer(peer_name)
        assert peer is not None  # the block was created on entering the mode
        changes = {k: a.get(k, v) for k, v in defaults.items()}
        d.ikev2_keyrings[keyring_name] = keyring.with_peer(replace(peer, **changes))

    return handler


KEYRING_ROWS: tuple[Row, ...] = (
    ("peer <peer:word>", _keyring_peer, KEYRING_PEER),
    ("no peer <peer:word>", _no_keyring_peer),
    ("exit", _nothing),
)

PEER_ROWS: tuple[Row, ...] = (
    ("address <address:ip> [<mask:mask>]", _peer_edit(address=None, mask=None)),
    ("no address", _peer_edit(address=None, mask=None)),
    ("pre-shared-key <pre_shared_key:word>", _peer_edit(pre_shared_key=None)),
    ("no pre-shared-key", _peer_edit(pre_shared_key=None)),
    ("exit", _nothing),
)


# --- config-ikev2-profile -------------------------------------------------------------------


def _profile_edit(change: Callable[[Ikev2ProfileConfig, Args], Ikev2ProfileConfig]) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        d.ikev2_profiles[d.context] = change(d.ikev2_profiles[d.context], a)

    return handler


def _match(kind: str) -> Callable[[Ikev2ProfileConfig, Args], Ikev2ProfileConfig]:
    def change(p: Ikev2ProfileConfig, a: Args) -> Ikev2ProfileConfig:
        value = a["value"]
        value += f" {a.get('mask', '255.255.255.255')}" if kind == "address" else ""
        pair = (kind, value)
        return replace(p, match_remote=(*(m for m in p.match_remote if m != pair), pair))

    return change


def _identity(kind: str | None) -> Callable[[Ikev2ProfileConfig, Args], Ikev2ProfileConfig]:
    def change(p: Ikev2ProfileConfig, a: Args) -> Ikev2ProfileConfig:
        return replace(p, identity_local=(kind, a.get("value", "")) if kind else None)

    return change


def _set(
    name: str, key: str | None = None, default: object = None
) -> Callable[[Ikev2ProfileConfig, Args], Ikev2ProfileConfig]:
    def change(p: Ikev2ProfileConfig, a: Args) -> Ikev2ProfileConfig:
        changes: dict[str, Any] = {name: a[key] if key else default}
        return replace(p, **changes)

    return change


_MATCH = "match identity remote"
PROFILE_ROWS: tuple[Row, ...] = (
    (f"{_MATCH} address <value:ip> [<mask:mask>]", _profile_edit(_match("address"))),
    (f"{_MATCH} fqdn <value:id_name>", _profile_edit(_match("fqdn"))),
    (f"no {_MATCH}", _profile_edit(lambda p, a: replace(p, match_remote=()))),
    ("identity local address <value:ip>", _profile_edit(_identity("address"))),
    ("identity local fqdn <value:id_name>", _profile_edit(_identity("fqdn"))),
    ("identity local dn", _profile_edit(_identity("dn"))),
    ("no identity local", _profile_edit(_identity(None))),
    (f"authentication local <method:choice:{_AUTH}>", _profile_edit(_set("auth_local", "method"))),
    (
        f"authentication remote <method:choice:{_AUTH}>",
        _profile_edit(_set("auth_remote", "method")),
    ),
    ("no authentication local", _profile_edit(_set("auth_local"))),
    ("no authentication remote", _profile_edit(_set("auth_remote"))),
    ("pki trustpoint <tp:word>", _profile_edit(_set("trustpoint", "tp"))),
    ("no pki trustpoint", _profile_edit(_set("trustpoint"))),
    ("keyring local <keyring:word>", _profile_edit(_set("keyring", "keyring"))),
    ("no keyring", _profile_edit(_set("keyring"))),
    ("lifetime <seconds:int:120-86400>", _profile_edit(_set("lifetime", "seconds"))),
    ("no lifetime", _profile_edit(_set("lifetime", None, 86400))),
    (
        "dpd <interval:int:10-3600> <retry:int:2-60> <mode:choice:on-demand/periodic>",
        _profile_edit(lambda p, a: replace(p, dpd=Ikev2Dpd(a["interval"], a["retry"], a["mode"]))),
    ),
    ("no dpd", _profile_edit(_set("dpd"))),
    ("exit", _nothing),
)


def _cookie_challenge(d: Draft, a: Args) -> None:
    """``crypto ikev2 cookie-challenge N``: answer IKE_SA_INIT with a COOKIE once N SAs are
    half open (RFC 7296 §2.6); ``no``: the engine's default threshold."""
    d.ikev2_cookie_challenge = a.get("count")


def _map_profile(d: Draft, a: Args) -> None:
    """``set ikev2-profile NAME`` (``no``: back to ISAKMP) in the crypto map entry."""
    name, seq = d.context
    d.crypto_maps[name][seq] = replace(d.crypto_maps[name][seq], ikev2_profile=a.get("profile"))


CRYPTO_MAP_ROWS: tuple[Row, ...] = (
    ("set ikev2-profile <profile:word>", _map_profile),
    ("no set ikev2-profile", _map_profile),
)

GLOBAL_ROWS: tuple[Row, ...] = (
    ("crypto ikev2 proposal <name:word>", _enter("ikev2_proposals", Ikev2ProposalConfig),
     PROPOSAL),
    ("no crypto ikev2 proposal <name:word>", _remove("ikev2_proposals")),
    ("crypto ikev2 policy <name:word>", _enter("ikev2_policies", Ikev2PolicyConfig), POLICY),
    ("no crypto ikev2 policy <name:word>", _remove("ikev2_policies")),
    ("crypto ikev2 keyring <name:word>", _enter("ikev2_keyrings", Ikev2KeyringConfig), KEYRING),
    ("no crypto ikev2 keyring <name:word>", _remove("ikev2_keyrings")),
    ("crypto ikev2 profile <name:word>", _enter("ikev2_profiles", Ikev2ProfileConfig), PROFILE),
    ("no crypto ikev2 profile <name:word>", _remove("ikev2_profiles")),
    ("crypto ikev2 cookie-challenge <count:int:1-1000>", _cookie_challenge),
    ("no crypto ikev2 cookie-challenge", _cookie_challenge),
)  # fmt: skip

MODE_ROWS: dict[str, tuple[Row, ...]] = {
    PROPOSAL: PROPOSAL_ROWS,
    POLICY: POLICY_ROWS,
    KEYRING: KEYRING_ROWS,
    KEYRING_PEER: PEER_ROWS,
    PROFILE: PROFILE_ROWS,
}


# --- show running-config --------------------------------------------------------------------


def running_config_sections(config: RouterConfig) -> list[list[str]]:
    """The ``crypto ikev2`` blocks in IOS's order (proposals, policies, keyrings, profiles)."""
    sections = [_proposal(p) for p in config.ikev2_proposals.values()]
    if config.ikev2_cookie_challenge is not None:
        sections.insert(0, [f"crypto ikev2 cookie-challenge {config.ikev2_cookie_challenge}"])
    sections += [
        [f"crypto ikev2 policy {p.name} ", *(f" proposal {n}" for n in p.proposals)]
        for p in config.ikev2_policies.values()
    ]
    sections += [_keyring(k) for k in config.ikev2_keyrings.values()]
    sections += [_profile(p) for p in config.ikev2_profiles.values()]
    return sections


def _proposal(p: Ikev2ProposalConfig) -> list[str]:
    lines = [f"crypto ikev2 proposal {p.name} "]
    lines += [f" encryption {' '.join(p.encryption)}"] if p.encryption else []
    lines += [f" integrity {' '.join(p.integrity)}"] if p.integrity else []
    lines += [f" prf {' '.join(p.prf)}"] if p.prf else []
    lines += [f" group {' '.join(str(g) for g in p.groups)}"] if p.groups else []
    return lines


def _keyring(k: Ikev2KeyringConfig) -> list[str]:
    lines = [f"crypto ikev2 keyring {k.name}"]
    for peer in k.peers:
        lines.append(f" peer {peer.name}")
        if peer.address is not None:
            lines.append(f"  address {peer.address}" + (f" {peer.mask}" if peer.mask else ""))
        lines += [f"  pre-shared-key {peer.pre_shared_key}"] if peer.pre_shared_key else []
        lines.append(" !")
    return lines


def _profile(p: Ikev2ProfileConfig) -> list[str]:
    lines = [f"crypto ikev2 profile {p.name}"]
    for kind, value in p.match_remote:
        lines.append(f" match identity remote {kind} {value}")
    if p.identity_local is not None:
        kind, value = p.identity_local
        lines.append(f" identity local {kind}" + (f" {value}" if value else ""))
    lines += [f" authentication remote {p.auth_remote}"] if p.auth_remote else []
    lines += [f" authentication local {p.auth_local}"] if p.auth_local else []
    lines += [f" keyring local {p.keyring}"] if p.keyring else []
    lines += [f" pki trustpoint {p.trustpoint}"] if p.trustpoint else []
    lines += [f" lifetime {p.lifetime}"] if p.lifetime != 86400 else []
    lines += [f" dpd {p.dpd.interval} {p.dpd.retry} {p.dpd.mode}"] if p.dpd else []
    return lines


# --- show crypto ikev2 proposal -------------------------------------------------------------

_DH_NAMES = {g: f"DH_GROUP_{bits}_MODP/Group {g}" for g, bits in
             ((1, 768), (2, 1024), (5, 1536), (14, 2048), (15, 3072), (16, 4096))}  # fmt: skip


def show_crypto_ikev2_proposal(config: RouterConfig, name: str | None = None) -> str:
    """``show crypto ikev2 proposal [NAME]``: each configured proposal's transforms, as IOS 15
    lists them (FlexVPN and IKEv2 Configuration Guide, "Configuring Basic FlexVPN"); the PRF
    defaults to the integrity algorithms when no ``prf`` line is given."""
    chosen = [p for p in config.ikev2_proposals.values() if name in (None, p.name)]
    lines: list[str] = []
    for p in chosen:
        prf = p.prf or p.integrity
        lines += [
            f" IKEv2 proposal: {p.name} ",
            f"     Encryption : {' '.join(e.upper() for e in p.encryption)}",
            f"     Integrity  : {' '.join(i.upper() for i in p.integrity)}",
            f"     PRF        : {' '.join(i.upper() for i in prf)}",
            f"     DH Group   : {' '.join(_DH_NAMES[g] for g in p.groups)}",
        ]
    return "\n".join(lines) + "\n" if lines else ""
