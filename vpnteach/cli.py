"""The ``vpnteach`` command.

``vpnteach demo`` runs the seed story on the embedded default lab (:meth:`vpnteach.lab.Lab.seed`):
the branches enroll with the WIN2003 CA over the simulated network, Branch1 turns on
``debug crypto isakmp`` and pings Branch2's LAN, IKE Main Mode and Quick Mode run (the first
echo is lost while they do), and ``show crypto isakmp sa`` / ``show crypto ipsec sa`` count
what really crossed the wire. ``--pcap DIR`` writes the WAN capture with the Wireshark key
tables that decrypt it. ``--ikev2`` tells the same story with the tunnel negotiated by IKEv2
(RFC 7296), configured as Cisco's FlexVPN (``crypto ikev2 proposal/policy/profile``):
IKE_SA_INIT and IKE_AUTH instead of Main Mode and Quick Mode, SKEYSEED and SK_* instead of
SKEYID and its children, ``show crypto ikev2 sa`` instead of ``show crypto isakmp sa``.
``--vti`` (IKEv2 too) protects a tunnel interface instead of applying a crypto map: FlexVPN's
tunnel-interface form (``crypto ipsec profile``, ``interface Tunnel0``, a route into it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vpnteach import __version__
from vpnteach.trace import Fact

if TYPE_CHECKING:
    from vpnteach.lab import Lab
    from vpnteach.labs.router import LabRouter

PROFILES = {
    "seed": "the tutorial's policy 10: 3des / md5 / group 1, RSA 1024 (weak, 2010)",
    "modern": "aes 256 / sha256 / group 14, RSA 2048",
    "modern-gcm": "aes 256 / sha256 / group 14, esp-gcm 256 (RFC 4106), RSA 2048",
}
PING = "ping 192.168.22.1 source 192.168.11.1"
KEY_FACTS = ("SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Ka")
KEY_FACTS_V2 = ("SKEYSEED", "SK_d", "SK_ai", "SK_ar", "SK_ei", "SK_er", "SK_pi", "SK_pr")


class Story:
    """What differs between the IKEv1 and the IKEv2 telling of the demo."""

    def __init__(self, ike: int) -> None:
        self.ike = ike
        v2 = ike == 2
        self.debug = "debug crypto ikev2" if v2 else "debug crypto isakmp"
        self.exchanges = "IKE_SA_INIT + IKE_AUTH" if v2 else "IKE Main Mode + Quick Mode"
        self.keys_title = "RFC 7296 §2.14" if v2 else "RFC 2409 §5"
        self.key_facts = KEY_FACTS_V2 if v2 else KEY_FACTS
        self.keys_said = (
            "SKEYSEED, SK_d, SK_ai/ar, SK_ei/er and SK_pi/pr" if v2
            else "SKEYID, SKEYID_d/a/e and Ka"
        )  # fmt: skip
        self.show_sa = "show crypto ikev2 sa" if v2 else "show crypto isakmp sa"
        self.config = (
            ("show crypto ikev2 proposal", "show crypto ipsec transform-set") if v2 else
            ("show crypto isakmp policy", "show crypto ipsec transform-set")
        )  # fmt: skip


def _show(fact: Fact, width: int) -> str:
    value = fact.value.hex() if isinstance(fact.value, bytes) else str(fact.value)
    if isinstance(fact.value, bytes) and len(value) > 64:
        value = f"{value[:32]}…{value[-16:]} ({len(fact.value)} bytes)"
    pad = " " * (width + 14)
    return f"  {fact.actor:<8} {fact.name:<{width}} = {value}\n{pad}{fact.formula}"


def _section(title: str) -> None:
    print(f"\n== {title}\n")


def _run(router: LabRouter, command: str) -> str:
    output = router.exec(command)
    print(f"{router.name}# {command}")
    print(output.rstrip("\n"))
    return output


def enrollment(lab: Lab) -> None:
    """What Branch1's console showed while it enrolled (Jun 5 2010, during ``Lab.seed()``)."""
    print("\n".join(lab.branch1.transcript))
    _run(lab.branch1, "show crypto pki certificates")


def _trace(router: LabRouter) -> list[Fact]:
    from vpnteach.gateway import Ikev2Gateway

    gateway = router.gateway
    if gateway is None:
        return []
    return list(gateway.v2.trace if isinstance(gateway, Ikev2Gateway) else gateway.ike.trace)


def key_material(
    lab: Lab, names: tuple[str, ...] = KEY_FACTS, said: str = "SKEYID, SKEYID_d/a/e and Ka"
) -> bool:
    """The IKE SA keys each branch derived in this run; True if they agree."""
    facts = {
        router.name: [f for f in _trace(router) if f.name in names]
        for router in (lab.branch1, lab.branch2)
    }
    width = max(len(name) for name in names)
    for actor, found in facts.items():
        print(f"{actor}:")
        for fact in found:
            print(_show(fact, width))
        print()
    values = [[f.value for f in found] for found in facts.values()]
    agree = len(values) == 2 and values[0] == values[1] and len(values[0]) == len(names)
    print(f"Both branches derived the same {said}:", "yes" if agree else "NO")
    return agree


def wire_check(lab: Lab, show: str) -> bool:
    """The ``show crypto ipsec sa`` counters against the ESP packets on the WAN capture."""
    wan = lab.capture("WAN")
    outer = [(r.packet[12:16], r.packet[9]) for r in wan.records]
    sent = sum(1 for src, proto in outer if proto == 50 and src == bytes([10, 1, 1, 1]))
    received = sum(1 for src, proto in outer if proto == 50 and src == bytes([10, 2, 2, 1]))
    ok = f"#pkts encaps: {sent}," in show and f"#pkts decaps: {received}," in show
    print(
        f"ESP packets on the WAN link: {sent} from Branch1, {received} to it; "
        f"show crypto ipsec sa counts the same: {'yes' if ok else 'NO'}"
    )
    return ok


def flexvpn_config(router: LabRouter) -> None:
    """The ``crypto ikev2`` blocks of the running configuration (``| section crypto ikev2``)."""
    shown = router.exec("show running-config").split("!\n")
    print(f"{router.name}# show running-config | section crypto ikev2")
    print("".join(block for block in shown if block.startswith("crypto ikev2")).rstrip("\n"))


def tunnel_config(router: LabRouter) -> None:
    """The tunnel-interface blocks of the running configuration (``--vti``)."""
    shown = router.exec("show running-config").split("!\n")
    heads = ("crypto ipsec profile", "interface Tunnel", "ip route")
    print(f"{router.name}# show running-config | section Tunnel|ipsec profile|ip route")
    print("".join(block for block in shown if block.startswith(heads)).rstrip("\n"))


def demo(
    profile: str, seed: int, pcap: str | None = None, ike: int = 1, form: str = "crypto-map"
) -> int:
    """The seed story end to end on the default lab; 0 if everything checked out."""
    from vpnteach.lab import Lab
    from vpnteach.labs.seed import ENROLL_START

    story = Story(ike)
    print(f"vpnteach {__version__} — profile {profile!r}: {PROFILES[profile]}, seed {seed}")
    if ike == 2:
        print("negotiated with IKEv2 (RFC 7296), configured as Cisco FlexVPN: IKE SA "
              "aes-cbc-256 / sha256 / group 14, ESP esp-aes 256 esp-sha256-hmac")  # fmt: skip
    lab = Lab.seed(seed, profile=profile, ike=ike, form=form)
    lab.capture("WAN")
    b1 = lab.branch1
    _section(f"1. Certificates: enrollment with WIN2003 ({ENROLL_START:%b %-d %Y}, NTP-synced)")
    enrollment(lab)
    protect = "tunnel interface" if form == "vti" else "crypto map"
    _section(f"2. Configuration: IKE policy, transform set, {protect} (assets/configs)")
    if ike == 2:
        flexvpn_config(b1)
    for command in story.config:
        _run(b1, command)
    if form == "vti":
        tunnel_config(b1)
    else:
        _run(b1, "show crypto map")
    if form == "vti":  # IOS negotiates a static VTI when Tunnel0 comes up, with no traffic
        _section(f"3. Tunnel0 came up at {lab.now:%b %-d %H:%M:%S} with no traffic "
                 f"({story.exchanges}): the first echo passes")  # fmt: skip
        _run(b1, "show crypto session")
    else:
        _section(f"3. Interesting traffic at {lab.now:%b %-d %H:%M:%S}: {story.exchanges}")
        _run(b1, story.debug)
    marks = _run(b1, PING).splitlines()[-2]
    _section(f"4. The keys both branches derived ({story.keys_title})")
    agree = key_material(lab, story.key_facts, story.keys_said)
    _section("5. Verification")
    _run(b1, story.show_sa)
    counted = wire_check(lab, _run(b1, "show crypto ipsec sa"))
    if pcap is not None:
        _section("6. The capture, decryptable")
        for path in lab.export_pcap(pcap):
            print(f"wrote {path}")
        print(f"open it: WIRESHARK_CONFIG_DIR={pcap} wireshark {pcap}/WAN1.pcap")
    return 0 if agree and counted and marks == ("!!!!!" if form == "vti" else ".!!!!") else 1


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="vpnteach",
        description="Learn IKEv1/IPsec by running a real site-to-site VPN, one step at a time.",
        epilog="`vpnteach COMMAND --help` describes each command.",
    )
    parser.add_argument("--version", action="version", version=f"vpnteach {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the seed story in the terminal")
    d.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="seed",
        help="; ".join(f"{name}: {what}" for name, what in PROFILES.items()) + " (default seed)",
    )
    d.add_argument("--seed", type=int, default=2010, help="random seed (default 2010)")
    d.add_argument(
        "--pcap",
        metavar="DIR",
        help="write the WAN capture and the Wireshark key tables to DIR (created if missing)",
    )
    d.add_argument("--ikev2", action="store_true", help="negotiate with IKEv2 (FlexVPN config)")
    d.add_argument(
        "--vti",
        action="store_true",
        help="IKEv2 on a tunnel interface (static VTI: interface Tunnel0, tunnel protection)",
    )
    c = sub.add_parser("console", help="an IOS console on the seed lab's routers")
    c.add_argument("--blank", action="store_true", help="routers out of the box (type it all)")
    c.add_argument("--seed", type=int, default=2010, help="random seed (default 2010)")
    c.add_argument("--device", default="Branch1", help="the console to start on (Branch1)")
    sub.add_parser(
        "grade", add_help=False, help="grade saved notebooks from their recorded answers"
    )
    sub.add_parser("course", add_help=False, help="course secret, roster, hand-outs, solutions")
    sub.add_parser("router", add_help=False, help="run a vpnteach router on a real network (root)")
    sub.add_parser("ca", add_help=False, help="`ca serve`: a SCEP CA over HTTP (RFC 8894)")
    return parser


def _pcap_folder_problem(folder: str | None) -> str:
    """Why ``--pcap folder`` cannot be written ("" when it can): checked, and the folder
    created, before the demo runs, so a bad path never costs a whole demo and a traceback."""
    if folder is None:
        return ""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        return "exists and is not a directory (give a folder for the capture and key tables)"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create this folder ({exc.strerror or exc})"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vpnteach`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["grade"]:
        from vpnteach.exercises.instructor import main_grade

        return main_grade(argv[1:])
    if argv[:1] == ["course"]:
        from vpnteach.exercises.instructor import main_course

        return main_course(argv[1:])
    if argv[:1] == ["router"]:
        from vpnteach.router import main_router

        return main_router(argv[1:])
    if argv[:1] == ["ca"]:
        from vpnteach.net.scep_http import main_ca

        return main_ca(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        problem = _pcap_folder_problem(args.pcap)
        if problem:
            print(f"vpnteach demo: error: --pcap {args.pcap}: {problem}", file=sys.stderr)
            return 2
        ike = 2 if args.ikev2 or args.vti else 1
        return demo(args.profile, args.seed, args.pcap, ike, "vti" if args.vti else "crypto-map")
    if args.command == "console":
        from vpnteach.ui.terminal import main_console

        return main_console(args.blank, args.seed, args.device)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
