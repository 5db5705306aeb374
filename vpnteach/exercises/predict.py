"""Predict-an-outcome exercises: which ISAKMP policy wins, which packets get encrypted.

The right outcome comes from the engine's own rules: :func:`vpnteach.ike.proposal.
select_ike_transform` (IOS responder semantics, RFC 2409 §5) and
:meth:`vpnteach.ike.policy.AccessList.protects` (IOS wildcard masks, first match wins). The
typical mistakes are the same rules misread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from ipaddress import IPv4Address
from typing import Any

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.answers import AnswerFormatError, parse_yes_no_list
from vpnteach.exercises.base import Exercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.ike.policy import AccessList, AclEntry, AddressMatch, IsakmpPolicy
from vpnteach.ike.proposal import (
    check_ike_transform,
    ike_transform_attributes,
    select_ike_transform,
)

NONE = "none"

# --------------------------------------------------------------------------- ISAKMP policy


@dataclass(frozen=True)
class PolicyParams:
    initiator: tuple[IsakmpPolicy, ...]
    responder: tuple[IsakmpPolicy, ...]


def policy_text(policies: Sequence[IsakmpPolicy]) -> str:
    """The policies as ``show running-config`` lists them."""
    lines = []
    for p in sorted(policies, key=lambda q: q.priority):
        enc = f"aes {p.key_length}" if p.encryption == "aes" else p.encryption
        lines += [
            f"crypto isakmp policy {p.priority}",
            f" encryption {enc}",
            f" hash {p.hash}",
            f" authentication {p.authentication}",
            f" group {p.group}",
            f" lifetime {p.lifetime}",
        ]
    return "\n".join(lines)


def _suites(rng: SeededRng) -> list[tuple[str, str, int]]:
    """Three different (encryption, hash, group) suites."""
    chosen: list[tuple[str, str, int]] = []
    while len(chosen) < 3:
        suite = (pick(rng, ("des", "3des", "aes")), pick(rng, ("md5", "sha")), pick(rng, (1, 2, 5)))
        if suite not in chosen:
            chosen.append(suite)
    return chosen


def _offer(policies: Sequence[IsakmpPolicy]) -> list[tuple[int, Sequence[Any]]]:
    """The initiator's MM1 proposal: one transform per policy, in priority order."""
    ordered = sorted(policies, key=lambda q: q.priority)
    return [(n, ike_transform_attributes(p)) for n, p in enumerate(ordered, start=1)]


class IsakmpPolicyChoice(Exercise[PolicyParams, str]):
    """Predict which of the responder's ISAKMP policies Main Mode agrees on."""

    id = "isakmp_policy"
    title = "Which ISAKMP policy is chosen?"
    kind = "predict"
    answer_format = "the priority number of Branch2's chosen policy, or 'none'"
    hint_ladder = (
        "Branch1 offers all its policies in MM1, as transforms of one proposal, in its own "
        "priority order. Branch2 decides.",
        "IOS as responder walks *its own* policies from the lowest priority number up; for each "
        "it tries every offered transform in order.",
        "A transform is acceptable when encryption, hash, authentication and group are equal "
        "and the offered lifetime is not longer than the policy's.",
        "The first acceptable (Branch2 policy, offered transform) pair in that walk wins.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> PolicyParams:
        (a, b, c) = _suites(rng)
        base = 10 * (1 + random_int_below(rng, 3))

        def policy(priority: int, suite: tuple[str, str, int], lifetime: int) -> IsakmpPolicy:
            return IsakmpPolicy(
                priority, encryption=suite[0], hash=suite[1], group=suite[2], lifetime=lifetime
            )

        # Branch1 prefers a, then b, then c (offering c with its full lifetime).
        initiator = (
            policy(base, a, 86400),
            policy(base + 10, b, 86400),
            policy(base + 20, c, 86400),
        )
        # Branch2 prefers a copy of c with a shorter lifetime (a trap), then b, then a.
        short = pick(rng, (3600, 28800, 43200))
        first = 1 + random_int_below(rng, 4)
        responder = (
            policy(first, c, short),
            policy(first + 4 + random_int_below(rng, 4), b, 86400),
            policy(100 + 5 * random_int_below(rng, 10), a, 86400),
        )
        return PolicyParams(initiator, responder)

    def _givens(self, p: PolicyParams) -> list[tuple[str, Any]]:
        return [
            ("Branch1 (initiator)", policy_text(p.initiator)),
            ("Branch2 (responder)", policy_text(p.responder)),
        ]

    def _question(self, p: PolicyParams) -> str:
        return (
            "Branch1 starts Main Mode towards Branch2. Both use rsa-sig authentication. "
            "Which of Branch2's ISAKMP policies protects the new ISAKMP SA?"
        )

    def _read(self, answer: object) -> str:
        text = str(answer).strip().lower().removeprefix("policy").strip()
        if text == NONE or text.isdigit():
            return str(int(text)) if text.isdigit() else NONE
        raise AnswerFormatError("answer with a policy priority number (e.g. 10) or 'none'")

    def _solve(self, p: PolicyParams) -> str:
        chosen = select_ike_transform(_offer(p.initiator), p.responder).policy
        return str(chosen.priority) if chosen else NONE

    def _initiator_walk(self, p: PolicyParams, *, lifetime: bool) -> tuple[str, str]:
        """(responder priority, initiator priority) walking the initiator's list first."""
        for number, attrs in _offer(p.initiator):
            for policy in sorted(p.responder, key=lambda q: q.priority):
                check = check_ike_transform(number, attrs, policy)
                ok = check.acceptable or (not lifetime and "Lifetime" in (check.problem or ""))
                if ok:
                    mine = sorted(p.initiator, key=lambda q: q.priority)[number - 1]
                    return str(policy.priority), str(mine.priority)
        return NONE, NONE

    def _mistakes(self, p: PolicyParams) -> list[Mistake[str]]:
        lenient = [replace(q, lifetime=86400) for q in p.responder]
        no_lifetime = select_ike_transform(_offer(p.initiator), lenient).policy
        walk, mine = self._initiator_walk(p, lifetime=True)
        right_initiator = self._chosen_initiator_priority(p)
        return [
            Mistake(
                "initiator_walk",
                walk,
                "That is what you get walking Branch1's list first. "
                "The responder decides: IOS walks Branch2's own policies by priority and "
                "takes the first one any offered transform matches.",
            ),
            Mistake(
                "lifetime_ignored",
                str(no_lifetime.priority) if no_lifetime else NONE,
                "Lifetime matters: a policy refuses an offered lifetime longer than its own "
                "(the offer is 86400 s). Look at the lifetimes.",
            ),
            Mistake(
                "initiator_priority",
                right_initiator,
                "That is the priority of Branch1's "
                "matching policy; priorities are local numbers. Give Branch2's.",
            ),
            Mistake(
                "initiator_priority",
                mine,
                "That is a priority on Branch1's side; give the number of Branch2's policy.",
            ),
            Mistake(
                "said_none",
                NONE,
                "Some offered transform does match one of Branch2's "
                "policies: compare encryption, hash, group and lifetime one by one.",
            ),
        ]

    def _chosen_initiator_priority(self, p: PolicyParams) -> str:
        selection = select_ike_transform(_offer(p.initiator), p.responder)
        if selection.transform_number is None:
            return NONE
        ordered = sorted(p.initiator, key=lambda q: q.priority)
        return str(ordered[selection.transform_number - 1].priority)

    def _generic(self, p: PolicyParams, answer: str) -> str:
        if answer not in {str(q.priority) for q in p.responder}:
            return f"Branch2 has no policy {answer}: answer one of its priority numbers."
        return "Not that one. Walk Branch2's policies in priority order; hint() helps."


# --------------------------------------------------------------------------- crypto ACL


@dataclass(frozen=True)
class AclParams:
    acl: AccessList
    packets: tuple[tuple[str, str], ...]


def _netmask_reading(match: AddressMatch) -> AddressMatch:
    """The mask as a learner who takes a netmask-looking mask for a netmask reads it."""
    mask = int(IPv4Address(match.wildcard))
    inverted = ~mask & 0xFFFFFFFF
    looks_like_netmask = mask not in (0, 0xFFFFFFFF) and inverted & (inverted + 1) == 0
    if not looks_like_netmask:
        return match
    return AddressMatch(match.address, str(IPv4Address(inverted)))


def _protects(acl: AccessList, src: str, dst: str, how: str) -> bool:
    if how == "netmask":
        fixed = [
            replace(
                e, source=_netmask_reading(e.source), destination=_netmask_reading(e.destination)
            )
            for e in acl.entries
        ]
        return AccessList(acl.name, tuple(fixed)).protects(src, dst)
    if how == "any_permit":
        return any(e.action == "permit" and e.matches(src, dst) for e in acl.entries)
    return acl.protects(src, dst)


class AclEncrypted(Exercise[AclParams, tuple[bool, ...]]):
    """Predict, packet by packet, whether Branch1's crypto map encrypts it."""

    id = "acl_encrypted"
    title = "Which pings are encrypted?"
    kind = "predict"
    answer_format = "yes or no for each packet, in order, e.g. 'yes no no yes'"
    hint_ladder = (
        "A packet leaving through the crypto map interface is encrypted when the crypto ACL "
        "'permits' it; 'deny' means 'send in the clear', not 'drop'.",
        "IOS reads the entries top-down and stops at the first match.",
        "The mask after an address is a wildcard: 1 bits are 'don't care', 0 bits must match. "
        "0.0.0.255 means the first three octets must match.",
        "A mask such as 255.255.255.0 in an ACL is still a wildcard: the first three octets "
        "are free and the last octet must equal the address's.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> AclParams:
        a, b, c = (
            10 + random_int_below(rng, 20),
            30 + random_int_below(rng, 20),
            60 + random_int_below(rng, 20),
        )
        deny_host = f"192.168.{a}.{2 + random_int_below(rng, 50)}"
        acl = AccessList(
            "ACL",
            (
                AclEntry(
                    "deny",
                    AddressMatch.host(deny_host),
                    AddressMatch(f"192.168.{b}.0", "0.0.0.255"),
                ),
                AclEntry(
                    "permit",
                    AddressMatch(f"192.168.{a}.0", "0.0.0.255"),
                    AddressMatch(f"192.168.{b}.0", "0.0.0.255"),
                ),
                AclEntry(
                    "permit",
                    AddressMatch(f"192.168.{a}.0", "0.0.0.255"),
                    AddressMatch(f"192.168.{c}.0", "255.255.255.0"),
                ),
            ),
        )

        def host(net: int) -> str:
            return f"192.168.{net}.{60 + random_int_below(rng, 190)}"

        packets = [
            (deny_host, host(b)),
            (host(a), host(b)),
            (host(a), host(c)),
            (host(a), f"10.{random_int_below(rng, 250)}.{b}.{c}"),
        ]
        order = sorted(range(4), key=lambda _: rng.random_bytes(4))
        return AclParams(acl, tuple(packets[i] for i in order))

    def _givens(self, p: AclParams) -> list[tuple[str, Any]]:
        lines = [f"ip access-list extended {p.acl.name}"]
        lines += [f" {e.ios_text()}" for e in p.acl.entries]
        rows: list[tuple[str, Any]] = [("Branch1's crypto ACL", "\n".join(lines))]
        rows += [(f"packet {n}", f"{s} -> {d}") for n, (s, d) in enumerate(p.packets, start=1)]
        return rows

    def _question(self, p: AclParams) -> str:
        return (
            "Branch1's crypto map CRYPTO (match address ACL) is applied to Serial1/0. Each "
            "packet below leaves Branch1 through Serial1/0. Which ones does it encrypt?"
        )

    def _read(self, answer: object) -> tuple[bool, ...]:
        return parse_yes_no_list(answer, 4, "one answer per packet")

    def _verdicts(self, p: AclParams, how: str) -> tuple[bool, ...]:
        return tuple(_protects(p.acl, s, d, how) for s, d in p.packets)

    def _solve(self, p: AclParams) -> tuple[bool, ...]:
        return self._verdicts(p, "ios")

    def _mistakes(self, p: AclParams) -> list[Mistake[tuple[bool, ...]]]:
        netmask, any_permit = self._verdicts(p, "netmask"), self._verdicts(p, "any_permit")
        both = tuple(x or y for x, y in zip(netmask, any_permit, strict=True))
        return [
            Mistake(
                "wildcard_as_netmask",
                netmask,
                "255.255.255.0 in an ACL is a wildcard, "
                "not a netmask: its 0 bits (the last octet) must match, so it matches only "
                "addresses ending in .0.",
            ),
            Mistake(
                "ignored_deny",
                any_permit,
                "First match wins: the deny line catches its "
                "host before the permit below it, and that packet goes out in the clear.",
            ),
            Mistake(
                "ignored_deny",
                both,
                "Two things: the first matching line decides (deny "
                "first), and 255.255.255.0 is a wildcard here, not a netmask.",
            ),
        ]

    def _generic(self, p: AclParams, answer: tuple[bool, ...]) -> str:
        return (
            "Some verdicts are wrong. Take each packet through the ACL line by line, top-down; "
            "hint() explains the masks."
        )
