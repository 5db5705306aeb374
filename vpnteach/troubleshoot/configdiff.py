"""Comparing two routers' crypto configurations: what differs, and the lines that align them.

Each function takes the configuration of the router that refused (``mine``) and of its peer
(``theirs``) and returns the IOS lines to type on ``mine`` (after ``configure terminal``) so
that it accepts what the peer offers, plus the differences in words. The rules are IOS's: an
ISAKMP policy matches when encryption (and key length), hash, authentication and DH group are
equal (RFC 2409 §5, lifetime aside); a transform set when its transforms are equal; crypto
ACLs must be mirror images (RFC 2409 §5.5 identities); PFS must be on both sides or neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach.ike.policy import AclEntry, CryptoMapEntry, IsakmpPolicy
from vpnteach.ios import RouterConfig

POLICY_ATTRIBUTES = ("encryption", "hash", "authentication", "group")


@dataclass(frozen=True)
class Change:
    """Lines to type on one router, and the differences they remove (in words)."""

    lines: tuple[str, ...]
    differences: tuple[str, ...]


def _encryption(p: IsakmpPolicy) -> str:
    return f"{p.encryption} {p.key_length}" if p.key_length else p.encryption


def _value(p: IsakmpPolicy, attribute: str) -> str:
    return _encryption(p) if attribute == "encryption" else str(getattr(p, attribute))


def policy_differences(mine: IsakmpPolicy, theirs: IsakmpPolicy) -> list[str]:
    """The attributes on which two policies disagree."""
    return [a for a in POLICY_ATTRIBUTES if _value(mine, a) != _value(theirs, a)]


def policy_change(mine: RouterConfig, theirs: RouterConfig) -> Change | None:
    """The policy of ``mine`` closest to one of ``theirs``, and the lines making them equal."""
    pairs = [
        (len(policy_differences(m, t)), m.priority, t.priority, m, t)
        for m in mine.policies_by_priority()
        for t in theirs.policies_by_priority()
    ]
    if not pairs:
        return None
    _, _, _, m, t = min(pairs, key=lambda p: p[:3])
    diffs = policy_differences(m, t)
    lines = [f"crypto isakmp policy {m.priority}"]
    lines += [f" {a} {_value(t, a)}" for a in diffs]
    words = [
        f"{a}: {mine.hostname} has '{_value(m, a)}', {theirs.hostname} offers '{_value(t, a)}'"
        for a in diffs
    ]
    return Change(tuple(lines), tuple(words))


def entry_for(config: RouterConfig, peer: str | None = None) -> CryptoMapEntry | None:
    """The crypto map entry with ``set peer peer`` (default: the first complete entry)."""
    for name in config.crypto_maps:
        for entry in config.crypto_map_entries(name):
            if peer is None or entry.peer == peer:
                return entry
    return None


def transform_change(mine: CryptoMapEntry, theirs: CryptoMapEntry) -> Change | None:
    """Redefine ``mine``'s first transform set with the peer's transforms (none in common)."""
    ours = {ts.ios_text() for ts in mine.transform_sets}
    offered = [ts for ts in theirs.transform_sets if ts.ios_text() not in ours]
    if len(offered) < len(theirs.transform_sets) or not offered:
        return None
    target, wanted = mine.transform_sets[0], offered[0]
    line = f"crypto ipsec transform-set {target.name} {' '.join(wanted.transforms)}"
    words = (
        f"{target.name}: '{target.ios_text()}' here, '{wanted.ios_text()}' offered by the peer",
    )
    return Change((line,), words)


def pfs_change(mine: CryptoMapEntry, theirs: CryptoMapEntry) -> Change | None:
    """PFS demanded here but not offered (or another group): follow the peer."""
    if mine.pfs_group is None or mine.pfs_group == theirs.pfs_group:
        return None
    header = f"crypto map {mine.name} {mine.seq} ipsec-isakmp"
    if theirs.pfs_group is None:
        words = f"'set pfs group{mine.pfs_group}' here, no PFS offered by the peer"
        return Change((header, " no set pfs"), (words,))
    words = f"'set pfs group{mine.pfs_group}' here, group {theirs.pfs_group} offered by the peer"
    return Change((header, f" set pfs group{theirs.pfs_group}"), (words,))


def mirror(entry: AclEntry) -> str:
    """The ACL line that mirrors ``entry`` (source and destination swapped)."""
    src, dst = entry.source.ios_text(), entry.destination.ios_text()
    return f"{entry.action} {entry.protocol} {dst} {src}"


def _mirrors(mine: CryptoMapEntry, theirs: CryptoMapEntry) -> bool:
    wanted = {mirror(e) for e in theirs.match_address.permits()}
    return wanted == {e.ios_text() for e in mine.match_address.permits()}


def acl_change(mine: CryptoMapEntry, theirs: CryptoMapEntry) -> Change | None:
    """Rewrite ``mine``'s crypto ACL as the mirror image of the peer's."""
    if _mirrors(mine, theirs):
        return None
    acl = mine.match_address.name
    lines = [f"no ip access-list extended {acl}", f"ip access-list extended {acl}"]
    lines += [f" {mirror(e)}" for e in theirs.match_address.permits()]
    here = "; ".join(e.ios_text() for e in mine.match_address.permits())
    there = "; ".join(e.ios_text() for e in theirs.match_address.permits())
    words = (f"here: {here}", f"peer: {there}", "each must be the other's mirror image")
    return Change(tuple(lines), words)


def peer_change(mine: CryptoMapEntry, right: str) -> Change:
    """Point ``set peer`` at the address that answers."""
    lines = (
        f"crypto map {mine.name} {mine.seq} ipsec-isakmp",
        f" no set peer {mine.peer}",
        f" set peer {right}",
    )
    return Change(lines, (f"'set peer {mine.peer}': no IKE peer there; {right} is the peer",))


def psk_for(config: RouterConfig, address: str) -> str | None:
    """The pre-shared key ``config`` holds for ``address`` (``crypto isakmp key``)."""
    key = config.isakmp_keys.get(address)
    return key.key if key is not None else None


def psk_change(mine: RouterConfig, theirs: RouterConfig, my_addr: str, peer: str) -> Change | None:
    """Make the two ``crypto isakmp key`` lines carry the same key."""
    here, there = psk_for(mine, peer), psk_for(theirs, my_addr)
    if there is None or here == there:
        return None
    lines = [f"no crypto isakmp key {here} address {peer}"] if here is not None else []
    lines.append(f"crypto isakmp key {there} address {peer}")
    words = (f"{mine.hostname}'s key for {peer} differs from {theirs.hostname}'s for {my_addr}",)
    return Change(tuple(lines), words)
