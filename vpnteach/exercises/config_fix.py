"""Fix-a-broken-config exercise: make the seed tunnel come up again.

Each learner's Branch2 has two faults: an ISAKMP policy that Main Mode cannot live with, or a
``set peer`` that leaves Branch2 no crypto map entry for Branch1 (as responder it still
completes Main Mode, then refuses Quick Mode), and a transform set or crypto ACL that Quick Mode
cannot accept. The learner answers with IOS configuration commands for Branch2.

Checking has two stages:

1. a configuration-level check with the engine's own rules (``select_ike_transform``,
   ``select_esp_transform``-style transform comparison, ``proxies_acceptable``), which names the
   remaining problem precisely (policy attribute, peer address, transform, ACL not mirrored,
   netmask written where IOS wants a wildcard);
2. when that finds nothing, a real run: a fresh :class:`~vpnteach.lab.Lab` with the broken
   Branch2, the learner's commands applied with ``configure``, and two pings from Branch1's LAN.
   The answer is right when the pings get through and both routers hold IPsec SAs.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.base import Exercise, Feedback, Mistake
from vpnteach.ike.policy import PolicyError, ProxyIdentity, TransformSet
from vpnteach.ike.proposal import (
    ike_transform_attributes,
    proxies_acceptable,
    select_ike_transform,
)
from vpnteach.ios import RouterConfig, parse_config
from vpnteach.ios.config import try_apply
from vpnteach.labs.seed_configs import SEED_CONFIGS

B1_WAN, B2_WAN = "10.1.1.1", "10.2.2.1"
LAN1, LAN2 = "192.168.11.0/24", "192.168.22.0/24"
MAP = "CRYPTO"
PING = "ping 192.168.22.1 source 192.168.11.1"


@dataclass(frozen=True)
class Fault:
    """One deliberate misconfiguration of Branch2 and the commands that undo it."""

    id: str
    breaks: str
    fixes: str


_ACL_RESET = "no ip access-list extended ACL\nip access-list extended ACL\n"
PHASE1_FAULTS = (
    Fault(
        "isakmp_hash",
        "crypto isakmp policy 10\n hash sha\n",
        "crypto isakmp policy 10\n hash md5\n",
    ),
    Fault(
        "isakmp_group", "crypto isakmp policy 10\n group 2\n", "crypto isakmp policy 10\n group 1\n"
    ),
    Fault(
        "isakmp_encryption",
        "crypto isakmp policy 10\n encryption des\n",
        "crypto isakmp policy 10\n encryption 3des\n",
    ),
    Fault(
        "peer",
        f"crypto map {MAP} 10 ipsec-isakmp\n no set peer {B1_WAN}\n set peer 10.1.1.10\n",
        f"crypto map {MAP} 10 ipsec-isakmp\n no set peer 10.1.1.10\n set peer {B1_WAN}\n",
    ),
)
PHASE2_FAULTS = (
    Fault(
        "transform",
        "crypto ipsec transform-set TS esp-aes esp-sha-hmac\n",
        "crypto ipsec transform-set TS esp-3des esp-md5-hmac\n",
    ),
    Fault(
        "acl",
        _ACL_RESET + " permit ip 192.168.22.0 0.0.0.255 192.168.12.0 0.0.0.255\n",
        _ACL_RESET + " permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255\n",
    ),
    Fault(
        "acl_netmask",
        _ACL_RESET + " permit ip 192.168.22.0 255.255.255.0 192.168.11.0 0.0.0.255\n",
        _ACL_RESET + " permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255\n",
    ),
)


@dataclass(frozen=True)
class FixParams:
    """A learner's two faults, by id (the fixes stay in the fault tables, not on the object)."""

    phase1_id: str
    phase2_id: str

    @property
    def phase1(self) -> Fault:
        return next(f for f in PHASE1_FAULTS if f.id == self.phase1_id)

    @property
    def phase2(self) -> Fault:
        return next(f for f in PHASE2_FAULTS if f.id == self.phase2_id)


def broken_branch2(p: FixParams) -> RouterConfig:
    """Branch2's configuration with the learner's two faults."""
    config = parse_config(SEED_CONFIGS["Branch2"], "branch2.cfg")
    for fault in (p.phase1, p.phase2):
        result = try_apply(config, fault.breaks, f"fault {fault.id}")
        assert result.ok, result.error  # the faults are fixed text, tested
        config = result.config
    return config


def _looks_like_netmask(mask: str) -> bool:
    value = int(IPv4Address(mask))
    inverted = ~value & 0xFFFFFFFF
    return value not in (0, 0xFFFFFFFF) and inverted & (inverted + 1) == 0


def diagnose(branch1: RouterConfig, branch2: RouterConfig) -> tuple[str, str] | None:
    """(mistake id, message) for the first reason the tunnel cannot come up, or ``None``."""
    entries = branch2.crypto_map_entries(MAP)
    if MAP not in {i.crypto_map for i in branch2.interfaces.values()} or not entries:
        return "map_not_applied", (
            f"Branch2 has no complete crypto map {MAP} on Serial1/0 any more: it needs match "
            "address, set peer and set transform-set, and 'crypto map CRYPTO' on the interface."
        )
    entry = entries[0]
    return (
        _phase1_problem(branch1, branch2)
        or _peer_problem(entry.peer)
        or _transform_problem(branch1, entry.transform_sets)
        or _acl_problem(branch1, branch2, entry)
    )


def _phase1_problem(branch1: RouterConfig, branch2: RouterConfig) -> tuple[str, str] | None:
    offered = [
        (n, ike_transform_attributes(p))
        for n, p in enumerate(branch1.policies_by_priority(), start=1)
    ]
    selection = select_ike_transform(offered, branch2.policies_by_priority())
    if selection.accepted:
        return None
    problems = sorted({c.problem for c in selection.checks if c.problem})
    return "policy_mismatch", (
        "Main Mode cannot agree on a policy: Branch1 offers its policy 10 and Branch2 answers "
        f"{'; '.join(problems) or 'with no policy'}. Compare 'crypto isakmp policy 10' on both."
    )


def _peer_problem(peer: str) -> tuple[str, str] | None:
    if peer == B1_WAN:
        return None
    if peer == B2_WAN:
        return "peer_self", (
            f"set peer {peer} is Branch2's own address: the peer is the other end, {B1_WAN}."
        )
    return "peer_wrong", (
        f"Branch2's crypto map sends to peer {peer}, but Branch1's Serial1/0 is {B1_WAN} "
        "(remove the wrong peer with 'no set peer')."
    )


def _transform_problem(
    branch1: RouterConfig, offered: tuple[TransformSet, ...]
) -> tuple[str, str] | None:
    wanted = branch1.transform_sets["TS"]
    if any(ts.ios_text() == wanted.ios_text() and ts.mode == wanted.mode for ts in offered):
        return None
    mine = ", ".join(ts.ios_text() for ts in offered)
    return "transform_mismatch", (
        f"Quick Mode will fail: Branch1 proposes {wanted.ios_text()} but Branch2's map only "
        f"accepts {mine}. Make the transform set match."
    )


def _acl_problem(
    branch1: RouterConfig, branch2: RouterConfig, entry: Any
) -> tuple[str, str] | None:
    mine = [e.ios_text() for e in entry.match_address.entries]
    theirs = [e.ios_text() for e in branch1.access_lists["ACL"].entries]
    if mine == theirs:
        return "acl_not_mirrored", (
            "Branch2's ACL is a copy of Branch1's: it must be the mirror image, source "
            "192.168.22.0 and destination 192.168.11.0."
        )
    masks = [m.wildcard for e in entry.match_address.entries for m in (e.source, e.destination)]
    if any(_looks_like_netmask(m) for m in masks):
        return "acl_netmask", (
            "An ACL mask like 255.255.255.0 is read as a wildcard (0 bits must match), so the "
            "entry matches almost nothing: write 192.168.22.0 0.0.0.255."
        )
    idci, idcr = ProxyIdentity(IPv4Network(LAN1)), ProxyIdentity(IPv4Network(LAN2))
    try:
        if proxies_acceptable(entry, idci, idcr):
            return None
    except PolicyError:
        pass  # a non-contiguous wildcard cannot be a proxy identity: not acceptable either
    return "acl_mismatch", (
        "Branch2's crypto ACL does not mirror Branch1's (192.168.11.0/24 -> 192.168.22.0/24), "
        f"so Quick Mode's proxy identities are refused. Branch2 has: {'; '.join(mine)}."
    )


class FixConfig(Exercise[FixParams, str]):
    """Repair Branch2 so that the seed tunnel comes up (checked by a real lab run)."""

    id = "fix_config"
    title = "Bring the tunnel up: fix Branch2"
    kind = "fix"
    answer_format = "IOS configuration commands for Branch2, one per line (as after 'conf t')"
    hint_ladder = (
        "There are two faults: one in the ISAKMP policy or the crypto map's peer, the other in "
        "the transform set or the crypto ACL. Look where the run stops: in Main Mode, or in "
        "Quick Mode (the ISAKMP SA is QM_IDLE but no IPsec SA comes up).",
        "Phase 1 needs a matching ISAKMP policy (encryption, hash, authentication, group). The "
        "crypto map must name the other router as its peer: a responder whose map names "
        "another peer still completes Main Mode, then refuses Quick Mode (no map entry).",
        "Phase 2 needs the same transform set on both sides and mirror-image crypto ACLs, "
        "written with wildcard masks (0.0.0.255), not netmasks.",
        "Change a policy with 'crypto isakmp policy 10' then ' hash md5' (for example); "
        "replace an ACL with 'no ip access-list extended ACL' and then define it again.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> FixParams:
        return FixParams(
            PHASE1_FAULTS[random_int_below(rng, len(PHASE1_FAULTS))].id,
            PHASE2_FAULTS[random_int_below(rng, len(PHASE2_FAULTS))].id,
        )

    def _givens(self, p: FixParams) -> list[tuple[str, Any]]:
        branch1 = parse_config(SEED_CONFIGS["Branch1"], "branch1.cfg")
        return [
            ("Branch1 (works)", without_certificates(branch1.to_text())),
            ("Branch2 (broken)", without_certificates(broken_branch2(p).to_text())),
        ]

    def _question(self, p: FixParams) -> str:
        return (
            "Someone edited Branch2 and now 'ping 192.168.22.1 source 192.168.11.1' on Branch1 "
            "fails: no IPsec SA comes up. Branch1 is right. Type the configuration commands "
            "that repair Branch2."
        )

    def _read(self, answer: object) -> str:
        return str(answer)

    def _solve(self, p: FixParams) -> str:
        return p.phase1.fixes + p.phase2.fixes

    def _evaluate(self, answer: object) -> Feedback:
        commands = str(answer) if isinstance(answer, str) else ""
        if not commands.strip():
            return Feedback(False, "Type configuration commands for Branch2.", "format")
        result = try_apply(broken_branch2(self._p), commands, "your commands")
        if not result.ok:
            return Feedback(False, f"Branch2 refused your commands: {result.error}", "format")
        branch1 = parse_config(SEED_CONFIGS["Branch1"], "branch1.cfg")
        problem = diagnose(branch1, result.config)
        if problem is not None:
            return Feedback(False, problem[1], problem[0])
        return self._run_lab(commands)

    def _run_lab(self, commands: str) -> Feedback:
        from vpnteach.lab import Lab

        try:
            lab = Lab.seed(2010, trace=False)
            lab.branch2.configure(self._p.phase1.breaks + self._p.phase2.breaks)
            lab.branch2.configure(commands)
            lab.branch1.exec(PING)  # the first ping starts IKE (IOS loses one echo to ARP/IKE)
            second = lab.branch1.exec(PING)
        except Exception as exc:  # an engine failure must reach the learner as feedback
            return Feedback(
                False, f"The lab could not run with your commands ({exc}).", "lab_error"
            )
        gateways = (lab.branch1.gateway, lab.branch2.gateway)
        up = all(g is not None and g.installed for g in gateways)
        if up and "!!!!!" in second:
            return Feedback(
                True,
                "The tunnel is up: Branch1's pings cross it, and both routers show IPsec SAs "
                "(try 'show crypto ipsec sa').",
            )
        return Feedback(
            False,
            "The configuration looks consistent, but the tunnel still does not come up in the "
            "lab: compare 'show crypto isakmp sa' and the debug output on both routers.",
        )

    def _mistakes(self, p: FixParams) -> list[Mistake[str]]:
        """Typical wrong answers (commands) and the diagnosis each must get."""
        good_acl = "permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255"
        both_but_acl = p.phase1.fixes + p.phase2.fixes + _ACL_RESET
        peer_fix = f"crypto map {MAP} 10 ipsec-isakmp\n no set peer 10.1.1.10\n set peer {B2_WAN}\n"
        first_only = {
            "transform": "transform_mismatch",
            "acl": "acl_mismatch",
            "acl_netmask": "acl_netmask",
        }[p.phase2.id]
        return [
            Mistake(first_only, p.phase1.fixes, "phase 2 still broken"),
            Mistake(
                "policy_mismatch" if p.phase1.id != "peer" else "peer_wrong",
                p.phase2.fixes,
                "phase 1 still broken",
            ),
            Mistake(
                "acl_not_mirrored",
                both_but_acl + " permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255\n",
                "copied ACL",
            ),
            Mistake(
                "acl_netmask",
                both_but_acl + good_acl.replace("0.0.0.255", "255.255.255.0", 1) + "\n",
                "netmask in ACL",
            ),
            Mistake(
                "peer_self",
                (
                    peer_fix
                    if p.phase1.id == "peer"
                    else p.phase1.fixes
                    + peer_fix.replace(" no set peer 10.1.1.10\n", f" no set peer {B1_WAN}\n")
                )
                + p.phase2.fixes,
                "own address as peer",
            ),
            Mistake("format", "crypto isakmp policy 10\n hash sha-999\n", "a line IOS refuses"),
        ]


def without_certificates(running_config: str) -> str:
    """The running-config without the lines that do not matter here (PKI certificates)."""
    keep, skipping = [], False
    for line in running_config.splitlines():
        if line.startswith("crypto pki certificate chain"):
            skipping = True
        elif skipping and not line.startswith(" "):
            skipping = False
        if not skipping:
            keep.append(line)
    return "\n".join(keep)
