"""Named failure scenarios: each one a one-line variation of the seed lab that fails as IOS does.

A :class:`Scenario` is data: a title, what it changes, and *how* the change is made — IOS
configuration text applied with :meth:`~vpnteach.labs.router.LabRouter.configure` on one
router (``config``), and/or one named *action* from :data:`ACTIONS` (a clock set, a PKI change,
a link fault, an attacker on the WAN). ``expect`` says what a test must see: the phase that
fails, the cause :func:`~vpnteach.troubleshoot.diagnose.diagnose` must name, and the
notification or symptom on each router.

::

    lab = broken_lab("transform_set")          # Lab.seed() + the fault, not yet run
    run_traffic(lab)                           # the seed's ping (twice), then settle
    print(diagnose(lab))

The diagnosis never reads the scenario: a learner who types the same configuration change by
hand gets the same diagnosis (``tests/troubleshoot`` checks both ways).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vpnteach._html import HtmlRepr
from vpnteach.net.sim.faults import FaultPolicy
from vpnteach.troubleshoot import attacks
from vpnteach.troubleshoot.edit import edit_config
from vpnteach.troubleshoot.pki_actions import PKI_ACTIONS

if TYPE_CHECKING:
    from vpnteach.lab import Lab

PING = "ping 192.168.22.1 source 192.168.11.1"
ACL_RESET = "no ip access-list extended ACL\nip access-list extended ACL\n"
NO_ANSWER_SETTLE = 330.0
"""Seconds to let pass when nothing answers: 5 retransmissions (5, 10, 20, 40, 80 s) and the
give-up go out 5, 15, 35, 75 and 155 s after the
first send, and IKE gives up at 315 s."""

DPD_SETTLE = 40.0
"""Seconds for DPD to give up (``keepalive 10``): silence for 10 s after the last answer, then
5 R-U-THERE 2 s apart and the verdict 2 s after the last one."""


class ScenarioError(ValueError):
    """An unknown scenario name or action."""


@dataclass(frozen=True)
class Expect(HtmlRepr):
    """What a run of the scenario shows.

    Attributes:
        phase: 1 (Main Mode), 2 (Quick Mode) or 0 (data plane / network); cause: the cause id
        :func:`diagnose` must name; symptoms: per router, a word that must appear in its
        symptom line (a notification name, a counter); up: the tunnel carries the ping in the
        end (recovered faults, rekey).
    """

    phase: int
    cause: str
    symptoms: tuple[tuple[str, str], ...] = ()
    up: bool = False


@dataclass(frozen=True)
class Scenario(HtmlRepr):
    """One named fault (see the module docstring)."""

    name: str
    title: str
    description: str
    expect: Expect
    router: str = "Branch2"
    config: str = ""
    action: str = ""
    args: tuple[tuple[str, Any], ...] = ()
    lab: tuple[tuple[str, Any], ...] = ()
    settle: float = 5.0
    then: str = ""
    """A second action after the first pings (an attacker on the established tunnel)."""
    teach: str = field(default="", repr=False)


# ------------------------------------------------------------------ actions (non-config faults)


def _link_faults(lab: Lab, link: str, **policy: Any) -> None:
    """A :class:`FaultPolicy` on ``link`` (loss, duplicate, reorder, corrupt)."""
    lab.network.link(link).faults = FaultPolicy(**policy)


def _tamper_mm5(lab: Lab, link: str) -> None:
    """A man in the middle flips a bit in the first ciphertext block of every MM5."""
    attacks.tamper_mm5(lab, link)


def _replay_esp(lab: Lab, link: str) -> None:
    """An attacker on ``link`` re-sends a copy of every ESP packet it sees, 0.1 s later."""
    attacks.EspAttacker.install(lab, link, "replay")


def _tamper_esp(lab: Lab, link: str) -> None:
    """A man in the middle flips one ciphertext bit of the next ESP packet on ``link``."""
    attacks.EspAttacker.install(lab, link, "tamper", limit=1)


def _peer_dies(lab: Lab, link: str, echoes: int) -> None:
    """``link`` loses everything from now on, while Branch1's LAN keeps sending (``echoes``
    pings, 2 s apart, in the background): IOS asks R-U-THERE only when it has traffic for
    a peer that has been silent for the keepalive interval (on-demand DPD)."""
    lab.network.link(link).faults = FaultPolicy(loss=1.0)
    lab.branch1.start_ping("192.168.22.1", count=echoes, source="192.168.11.1")


ACTIONS: dict[str, Callable[..., None]] = {
    **PKI_ACTIONS,
    "link_faults": _link_faults,
    "peer_dies": _peer_dies,
    "tamper_mm5": _tamper_mm5,
    "replay_esp": _replay_esp,
    "tamper_esp": _tamper_esp,
}


def _policy(attribute: str, value: str, cause: str = "isakmp_policy_mismatch") -> Scenario:
    return Scenario(
        f"isakmp_{attribute}",
        f"ISAKMP policy mismatch: {attribute}",
        f"Branch2's ISAKMP policy 10 says '{attribute} {value}'; Branch1 offers the seed's.",
        Expect(1, cause, (("Branch2", "NO_PROPOSAL_CHOSEN"), ("Branch1", "NO_PROPOSAL_CHOSEN"))),
        config=f"crypto isakmp policy 10\n {attribute} {value}\n",
    )


_NO_ANSWER = (("Branch1", "retransmi"),)
_RSA_ENCR = (("auth", "rsa-encr"),)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        _policy("encryption", "des"),
        _policy("hash", "sha"),
        _policy("group", "2"),
        _policy("authentication", "pre-share"),
        Scenario(
            "transform_set",
            "Transform-set mismatch",
            "Branch2's transform set TS is esp-aes esp-sha-hmac; Branch1's is esp-3des "
            "esp-md5-hmac.",
            Expect(
                2,
                "transform_set_mismatch",
                (("Branch2", "NO_PROPOSAL_CHOSEN"), ("Branch1", "NO_PROPOSAL_CHOSEN")),
            ),
            config="crypto ipsec transform-set TS esp-aes esp-sha-hmac\n",
        ),
        Scenario(
            "pfs_one_side",
            "PFS on one side only",
            "Branch2's crypto map demands PFS (set pfs group1); Branch1 offers none.",
            Expect(
                2,
                "pfs_mismatch",
                (("Branch2", "NO_PROPOSAL_CHOSEN"), ("Branch1", "NO_PROPOSAL_CHOSEN")),
            ),
            config="crypto map CRYPTO 10 ipsec-isakmp\n set pfs group1\n",
        ),
        Scenario(
            "acl_not_mirrored",
            "Crypto ACL not mirrored",
            "Branch2's crypto ACL protects 192.168.22.0/24 -> 192.168.12.0/24 (a typo).",
            Expect(
                2,
                "acl_not_mirrored",
                (("Branch2", "INVALID_ID_INFORMATION"), ("Branch1", "INVALID_ID_INFORMATION")),
            ),
            config=ACL_RESET + " permit ip 192.168.22.0 0.0.0.255 192.168.12.0 0.0.0.255\n",
        ),
        Scenario(
            "wrong_peer",
            "Wrong peer address",
            "Branch1's crypto map says 'set peer 10.2.2.9': nobody answers there.",
            Expect(1, "wrong_peer", _NO_ANSWER),
            router="Branch1",
            config="crypto map CRYPTO 10 ipsec-isakmp\n no set peer 10.2.2.1\n set peer 10.2.2.9\n",
            settle=NO_ANSWER_SETTLE,
        ),
        Scenario(
            "crypto_map_not_applied",
            "Crypto map not applied to the interface",
            "Branch1's Serial1/0 lost its 'crypto map CRYPTO': LAN traffic leaves in clear.",
            Expect(0, "crypto_map_not_applied", (("Branch1", "clear"),)),
            router="Branch1",
            config="interface Serial1/0\n no crypto map CRYPTO\n",
        ),
        Scenario(
            "psk_mismatch",
            "Pre-shared key mismatch",
            "Pre-share lab; Branch2's key for 10.1.1.1 is 'cisco124' instead of 'cisco123'.",
            Expect(1, "psk_mismatch", (("Branch2", "IKMP_BAD_MESSAGE"), ("Branch1", "retransmi"))),
            config="no crypto isakmp key cisco123 address 10.1.1.1\n"
            "crypto isakmp key cisco124 address 10.1.1.1\n",
            lab=(("auth", "pre-share"),),
            settle=NO_ANSWER_SETTLE,
        ),
        Scenario(
            "rsa_encr_no_peer_key",
            "rsa-encr without the peer's public key",
            "rsa-encr lab (each router's key pasted into the other's pubkey chain); Branch1's "
            "addressed-key 10.2.2.1 was removed: it has no key to encrypt MM3 with.",
            Expect(
                1,
                "rsa_encr_no_peer_key",
                (("Branch1", "(rsa-encr) skipped"), ("Branch2", "no IKE activity")),
            ),
            router="Branch1",
            config="crypto key pubkey-chain rsa\n no addressed-key 10.2.2.1\n",
            lab=_RSA_ENCR,
        ),
        Scenario(
            "rsa_encr_stale_peer_key",
            "rsa-encr with a stale peer key",
            "rsa-encr lab with the keys pasted; then Branch2 regenerated its RSA key pair "
            "('crypto key generate rsa'), and Branch1's chain still holds the old public key.",
            Expect(
                1,
                "rsa_encr_wrong_peer_key",
                (
                    ("Branch2", "AUTHENTICATION_FAILED"),
                    ("Branch2", "PKCS#1"),
                    ("Branch1", "AUTHENTICATION_FAILED"),
                ),
            ),
            action="regenerate_key",
            args=(("router", "Branch2"),),
            lab=_RSA_ENCR,
        ),
        Scenario(
            "ca_not_authenticated",
            "CA not authenticated on one side",
            "Branch2 has its own certificate but not the CA certificate (never ran "
            "'crypto pki authenticate WIN2003' on this trustpoint).",
            Expect(
                1,
                "ca_not_authenticated",
                (("Branch2", "NO_PROPOSAL_CHOSEN"), ("Branch1", "NO_PROPOSAL_CHOSEN")),
            ),
            action="forget_ca",
            args=(("router", "Branch2"),),
        ),
        Scenario(
            "expired_certificate",
            "Expired certificate",
            "A year has passed: the routers' certificates (valid until Jun 5 2011) expired.",
            Expect(
                1,
                "certificate_expired",
                (("Branch2", "INVALID_CERTIFICATE"), ("Branch1", "INVALID_CERTIFICATE")),
            ),
            action="advance_time",
            args=(("until", "2011-06-10T09:00:00"),),
        ),
        Scenario(
            "clock_skew",
            "Clock skew without NTP (certificate not yet valid)",
            "Branch2's clock was set 5 days back ('clock set'); without NTP it stays wrong.",
            Expect(
                1,
                "clock_skew",
                (("Branch2", "INVALID_CERTIFICATE"), ("Branch1", "INVALID_CERTIFICATE")),
            ),
            action="set_clock",
            args=(("router", "Branch2"), ("days", -5.0)),
        ),
        Scenario(
            "revoked_certificate",
            "Revoked certificate with CRL checking",
            "The CA revoked Branch1's certificate; Branch2 checks the CRL (revocation-check crl).",
            Expect(
                1,
                "certificate_revoked",
                (("Branch2", "INVALID_CERTIFICATE"), ("Branch1", "INVALID_CERTIFICATE")),
            ),
            action="revoke",
            args=(("router", "Branch1"), ("checker", "Branch2")),
        ),
        Scenario(
            "id_mismatch",
            "ID not matching the certificate",
            "Branch1's domain name became amit.org after enrollment: it sends the ID "
            "Branch1.amit.org, its certificate says Branch1.amit.com.",
            Expect(
                1,
                "id_mismatch",
                (("Branch2", "INVALID_CERTIFICATE"), ("Branch1", "INVALID_CERTIFICATE")),
            ),
            router="Branch1",
            action="rename_domain",
            args=(("router", "Branch1"), ("domain", "amit.org")),
        ),
        Scenario(
            "no_domain_name",
            "Domain name removed",
            "'no ip domain name' on Branch1 after enrollment: its ID is the bare hostname "
            "Branch1, its certificate says Branch1.amit.com.",
            Expect(1, "id_mismatch", (("Branch2", "INVALID_CERTIFICATE"),)),
            router="Branch1",
            action="drop_domain",
            args=(("router", "Branch1"),),
        ),
        Scenario(
            "wrong_ca_fingerprint",
            "CA certificate accepted without checking its fingerprint",
            "Branch2 said yes to another CA's certificate (same name WIN2003, other key) at "
            "'crypto pki authenticate': it cannot verify Branch1's certificate.",
            Expect(1, "untrusted_ca", (("Branch2", "INVALID_CERT_AUTHORITY"),)),
            action="impostor_ca",
            args=(("router", "Branch2"),),
        ),
        Scenario(
            "lost_packets",
            "Lost packets (recovered by retransmission)",
            "Branch1's WAN link loses 30 % of the packets (seeded): IKE retransmits and wins.",
            Expect(1, "packet_loss", (("Branch1", "retransmi"),), up=True),
            action="link_faults",
            args=(("link", "WAN1"), ("loss", 0.3)),
            settle=60.0,
        ),
        Scenario(
            "dead_peer",
            "Dead peer (given up)",
            "Branch2 is gone: its WAN link loses everything. Branch1 retransmits, then gives up.",
            Expect(1, "peer_unreachable", _NO_ANSWER),
            action="link_faults",
            args=(("link", "WAN2"), ("loss", 1.0)),
            settle=NO_ANSWER_SETTLE,
        ),
        Scenario(
            "dead_peer_dpd",
            "Dead peer on an established tunnel (DPD)",
            "DPD on both routers (crypto isakmp keepalive 10); once the tunnel is up, Branch2's "
            "WAN link loses everything while Branch1's LAN keeps sending. Branch1 asks R-U-THERE "
            "five times, then declares Branch2 dead.",
            Expect(0, "peer_dead_dpd", (("Branch1", "R_U_THERE"), ("Branch1", "DPD"))),
            router="both",
            config="crypto isakmp keepalive 10\n",
            then="peer_dies",
            args=(("link", "WAN2"), ("echoes", 15)),
            settle=DPD_SETTLE,
        ),
        Scenario(
            "tampered_mm5",
            "Tampered MM5",
            "A man in the middle on WAN1 flips a bit in every MM5: Branch2 decrypts garbage.",
            Expect(
                1, "tampered_message", (("Branch2", "IKMP_BAD_MESSAGE"), ("Branch1", "retransmi"))
            ),
            action="tamper_mm5",
            args=(("link", "WAN1"),),
            settle=NO_ANSWER_SETTLE,
        ),
        Scenario(
            "esp_replay",
            "ESP replay attack",
            "An attacker on WAN2 re-sends every ESP packet it sees: anti-replay drops them.",
            Expect(0, "esp_replay", (("Branch2", "replay"),), up=True),
            then="replay_esp",
            args=(("link", "WAN2"),),
        ),
        Scenario(
            "esp_tampered",
            "Tampered ESP packet",
            "A man in the middle on WAN2 flips a bit in one ESP packet: its ICV fails.",
            Expect(0, "esp_tampered", (("Branch2", "verify"),), up=True),
            then="tamper_esp",
            args=(("link", "WAN2"),),
        ),
        Scenario(
            "lifetime_rekey",
            "Lifetime expiry and rekey",
            "IPsec SA lifetime 120 s on both routers: the SAs are replaced before they expire.",
            Expect(2, "rekey", (("Branch1", "rekey"),), up=True),
            router="both",
            config="crypto ipsec security-association lifetime seconds 120\n",
            settle=150.0,
        ),
    )
}
"""Every named scenario, by name (the ``fault=`` of :func:`broken_lab`)."""


def scenario(name: str) -> Scenario:
    """The scenario called ``name``."""
    if name not in SCENARIOS:
        raise ScenarioError(f"no scenario {name!r}: choose one of {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


def _lab_kwargs(s: Scenario, seed_kwargs: dict[str, Any]) -> dict[str, Any]:
    """``Lab.seed`` arguments: the caller's, except what the scenario needs (its ``lab``)."""
    kwargs = dict(seed_kwargs)
    kwargs.update(dict(s.lab))
    return kwargs


def inject(lab: Lab, s: Scenario) -> None:
    """Apply the scenario's configuration text and action to ``lab`` (before any traffic)."""
    if s.config:
        for name in ("Branch1", "Branch2") if s.router == "both" else (s.router,):
            edit_config(lab, name, s.config)
    if s.action:
        ACTIONS[s.action](lab, **dict(s.args))


def broken_lab(fault: str, **seed_kwargs: Any) -> Lab:
    """``Lab.seed(**seed_kwargs)`` with the named fault injected (no traffic yet).

    The lab's ``recipe`` rebuilds the same broken lab, so ``Stepper.for_lab(lab)`` steps through
    the failing run.
    """
    from vpnteach.lab import Lab

    s = scenario(fault)
    lab = Lab.seed(**_lab_kwargs(s, seed_kwargs))
    inject(lab, s)
    lab.recipe = functools.partial(broken_lab, fault, **seed_kwargs)
    return lab


def run_traffic(lab: Lab, s: Scenario | None = None, *, settle: float | None = None) -> str:
    """The seed's ping from Branch1's LAN, twice (the first one starts IKE), then let
    ``settle`` seconds pass; a scenario's ``then`` action (an attacker) joins after the first
    ping. Returns the second ping's output."""
    lab.branch1.exec(PING)
    if s is not None and s.then:
        ACTIONS[s.then](lab, **dict(s.args))
    second = lab.branch1.exec(PING)
    lab.run(settle if settle is not None else (s.settle if s is not None else 5.0))
    return second


def run_scenario(fault: str, **seed_kwargs: Any) -> Lab:
    """:func:`broken_lab` then :func:`run_traffic`: a lab whose run shows the fault."""
    lab = broken_lab(fault, **seed_kwargs)
    run_traffic(lab, scenario(fault))
    return lab
