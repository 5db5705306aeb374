"""The ``vpnteach`` command.

``vpnteach demo`` runs the seed story as far as the package can take it; each issue that adds a
layer grows it. Today: the branches enroll with the WIN2003 CA (keys, trustpoint, authenticate,
enroll, ``show crypto pki certificates``), then run the Diffie-Hellman exchange and derive the
RFC 2409 key material, every value shown with the formula that produced it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vpnteach import __version__
from vpnteach.trace import Fact, Trace

PROFILES = {
    # name: (DH group, hash, cipher, description)
    "seed": (1, "md5", "3des", "the tutorial's policy 10: 3des / md5 / group 1 (weak, 2010)"),
    "modern": (14, "sha256", "aes256", "aes 256 / sha256 / group 14"),
}


def _show(fact: Fact, width: int) -> str:
    value = fact.value.hex() if isinstance(fact.value, bytes) else str(fact.value)
    if isinstance(fact.value, bytes) and len(value) > 64:
        value = f"{value[:32]}…{value[-16:]} ({len(fact.value)} bytes)"
    pad = " " * (width + 14)
    return f"  {fact.actor:<8} {fact.name:<{width}} = {value}\n{pad}{fact.formula}"


def enrollment(seed: int) -> None:
    """The first half of the seed tutorial: Branch1 gets its certificate from WIN2003."""
    from vpnteach.crypto.rng import SeededRng
    from vpnteach.pki.ca import SEED_CA_NAME, seed_ca
    from vpnteach.pki.seed import (
        SEED_DOMAIN,
        SEED_ENROLL_TIMES,
        SEED_KEY_LABEL,
        enroll_router,
        seed_trustpoint,
    )
    from vpnteach.pki.trustpoint import RouterPki

    rng = SeededRng(seed)
    ca = seed_ca(rng.fork("ca"))
    # As in the seed, Branch2 enrolled a little earlier (request 8); Branch1 gets request 9.
    enroll_router(ca, "Branch2", SEED_ENROLL_TIMES["Branch2"], rng.fork("Branch2"))
    when = SEED_ENROLL_TIMES["Branch1"]
    router = RouterPki("Branch1", SEED_DOMAIN)
    keygen = "crypto key generate rsa general-keys modulus 1024 label BRANCH_KEY exportable"
    print(f"Branch1(config)# {keygen}")
    pair = router.generate_key(SEED_KEY_LABEL, 1024, True, rng.fork("Branch1"))
    print(f"% generated a {pair.modulus}-bit general-purpose key pair labelled {pair.label}")
    router.add_trustpoint(seed_trustpoint())
    print(f"Branch1(config)# crypto pki authenticate {SEED_CA_NAME}")
    answer = ca.get_ca_cert(router.get_ca_cert_request(SEED_CA_NAME))
    print(router.authenticate(SEED_CA_NAME, answer).text)
    print(f"Branch1(config)# crypto pki enroll {SEED_CA_NAME}")
    check = router.enroll(SEED_CA_NAME, lambda req: ca.pkcs_req(req, when), when)
    verdict = "valid" if check.ok else "NOT valid: " + "; ".join(i.reason for i in check.failed)
    print(f"% Certificate received from the CA at {when:%H:%M:%S %Z %b %-d %Y}: {verdict}")
    print("Branch1# show crypto pki certificates")
    print(router.show_certificates())


def demo(profile: str, seed: int) -> int:
    """Enrollment, then both branches derive the phase-1 keys and agree on every one."""
    from vpnteach.crypto.cipher import get_cipher
    from vpnteach.crypto.dh import DhComputation
    from vpnteach.crypto.modp import get_group
    from vpnteach.crypto.prf import get_hash
    from vpnteach.crypto.rng import SeededRng
    from vpnteach.ike import keymat

    group_no, hash_name, cipher_name, description = PROFILES[profile]
    group, h, cipher = get_group(group_no), get_hash(hash_name), get_cipher(cipher_name)
    rng = SeededRng(seed)
    print(f"vpnteach {__version__} — profile {profile!r}: {description}\n")
    print("== 1. Certificates (crypto pki authenticate / enroll)\n")
    enrollment(seed)
    print("\n== 2. Diffie-Hellman and the RFC 2409 key material\n")
    print(f"Branch1 (10.1.1.1, initiator) and Branch2 (10.2.2.1, responder), seed {seed}\n")

    sides = {}
    for actor, role, name in (("Branch1", "i", "g^xi"), ("Branch2", "r", "g^xr")):
        trace = Trace(actor)
        r = rng.fork(actor)
        dh = DhComputation.start(group, r, name=name, trace=trace)
        nonce = trace.derived(f"N{role}_b", "random nonce", r.random_bytes(16), rfc="RFC 2409 §5")
        cookie = trace.derived(f"CKY-{role.upper()}", "random cookie", r.random_bytes(8))
        sides[actor] = (trace, dh, nonce, cookie)

    (t1, dh1, ni_b, cky_i), (t2, dh2, nr_b, cky_r) = sides["Branch1"], sides["Branch2"]
    results = []
    for trace, dh, peer in ((t1, dh1, dh2), (t2, dh2, dh1)):
        done = dh.complete(peer.public_value, trace=trace)
        assert done.shared_secret is not None
        skeyid = keymat.skeyid_sig(h, ni_b, nr_b, done.shared_secret, trace)
        keys = keymat.derive_phase1_keys(
            h, skeyid, done.shared_secret, cky_i, cky_r, cipher.key_size, trace
        )
        keymat.phase1_iv(h, dh1.public_value, dh2.public_value, cipher.block_size, trace)
        results.append(keys)

    width = max(len(f.name) for f in [*t1, *t2])
    for trace in (t1, t2):
        print(f"{trace.actor}:")
        for fact in trace:
            print(_show(fact, width))
        print()
    agree = results[0] == results[1]
    print("Both branches derived the same SKEYID, SKEYID_d/a/e and Ka:", "yes" if agree else "NO")
    print("\nNext in vpnteach: the IKE engine and the lab with `show crypto ...` output.")
    return 0 if agree else 1


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="vpnteach", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"vpnteach {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the seed story in the terminal")
    d.add_argument("--profile", choices=sorted(PROFILES), default="seed")
    d.add_argument("--seed", type=int, default=2010, help="random seed (default 2010)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vpnteach`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return demo(args.profile, args.seed)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
