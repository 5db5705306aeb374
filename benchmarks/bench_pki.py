"""Benchmark: building the seeded PKI (CA + two routers: keys and enrollment).

Compared, in the same run, with references doing the same work:

* ``cryptography`` builder calls alone (CSR + certificate for one router, no vpnteach layer);
* ``openssl req -new`` + ``openssl x509 -req`` issuing the same kind of certificate
  (process start-up included: what a shell-script PKI would cost).

Rows: cold, whole PKI (key cache cleared: CA 2048-bit + RA 1024-bit + two 1024-bit router
keys generated from the seed with pycryptodome) and cached (keys from the in-process cache
keyed by the seeded draw and modulus: what a replayed lab or a test suite pays), and the two
routers alone with fresh keys against a CA built beforehand. RSA key generation time varies
with the prime search, hence the median and minimum over several seeds.

Usage: ``.venv/bin/python benchmarks/bench_pki.py`` -> table on stdout and
``benchmarks/results/bench_pki.json`` (through ``benchmarks/_harness.py``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from _harness import compare, measure, report
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from vpnteach.crypto.rng import SeededRng
from vpnteach.pki import build_seed_pki, seed_ca
from vpnteach.pki.keys import clear_key_cache, rsa_private_key
from vpnteach.pki.seed import SEED_ENROLL_TIMES, enroll_router


def _cold(seed: list[int]) -> None:
    clear_key_cache()
    seed[0] += 1
    build_seed_pki(seed[0])


def _cold_routers_only(seed: list[int]) -> Callable[[], object]:
    """Two routers from scratch (keys generated, not cached) against an already built CA."""
    ca = seed_ca(SeededRng("bench-ca-prebuilt"))

    def run() -> object:
        seed[0] += 1
        rng = SeededRng(seed[0])
        return [
            enroll_router(ca, name, when, rng.fork(name))
            for name, when in SEED_ENROLL_TIMES.items()
        ]

    return run


def _raw_cryptography_issue() -> Callable[[], object]:
    """One router's CSR + certificate with ``cryptography`` calls only (keys pre-made)."""
    ca_key = rsa_private_key(2048, SeededRng("bench-ca"))
    key = rsa_private_key(1024, SeededRng("bench-router"))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "WIN2003")])
    when = SEED_ENROLL_TIMES["Branch1"]

    def issue() -> object:
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(
                x509.Name([x509.NameAttribute(NameOID.UNSTRUCTURED_NAME, "Branch1.amit.com")])
            )
            .sign(key, hashes.SHA256())
        )
        return (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(name)
            .public_key(csr.public_key())
            .serial_number(9)
            .not_valid_before(when)
            .not_valid_after(when + dt.timedelta(days=365))
            .sign(ca_key, hashes.SHA256())
        )

    return issue


def _openssl_issue(tmp: Path) -> Callable[[], object] | None:
    """``openssl req -new`` + ``openssl x509 -req`` for one router (keys pre-made)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    pem = serialization.Encoding.PEM
    for label, bits in (("ca", 2048), ("r", 1024)):
        key = rsa_private_key(bits, SeededRng(f"bench-{label}"))
        (tmp / f"{label}.key").write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-new",
            "-key",
            tmp / "ca.key",
            "-subj",
            "/DC=com/DC=amit/CN=WIN2003",
            "-days",
            "3650",
            "-out",
            tmp / "ca.pem",
        ],
        check=True,
        capture_output=True,
    )

    def issue() -> object:
        subprocess.run(
            [
                openssl,
                "req",
                "-new",
                "-key",
                tmp / "r.key",
                "-subj",
                "/unstructuredName=Branch1.amit.com",
                "-out",
                tmp / "r.csr",
            ],
            check=True,
            capture_output=True,
        )
        return subprocess.run(
            [
                openssl,
                "x509",
                "-req",
                "-in",
                tmp / "r.csr",
                "-CA",
                tmp / "ca.pem",
                "-CAkey",
                tmp / "ca.key",
                "-set_serial",
                "9",
                "-days",
                "365",
                "-out",
                tmp / "r.pem",
            ],
            check=True,
            capture_output=True,
        )

    return issue


def main() -> None:
    seed = [1000]
    ref_py = measure("ref: cryptography CSR+cert, 1 router", _raw_cryptography_issue(), runs=50)
    rows = [ref_py]
    with tempfile.TemporaryDirectory() as tmp:
        issue = _openssl_issue(Path(tmp))
        if issue is not None:
            rows.append(measure("ref: openssl req + x509 -req, 1 router", issue, runs=10))
    cold = measure(
        "seeded PKI, cold (CA 2048 + RA + 2 router keys)", lambda: _cold(seed), runs=9, warmup=1
    )
    routers = measure(
        "2 routers, cold keys, CA pre-built", _cold_routers_only(seed), runs=9, warmup=1
    )
    cached = measure("seeded PKI, cached keys (replay)", lambda: build_seed_pki(0), runs=20)
    rows += [compare(m, ref_py) for m in (cold, routers, cached)]
    report(
        "bench_pki",
        rows,
        notes=(
            "ratio = vpnteach median / cryptography-only median for ONE router's CSR + certificate "
            "(keys pre-made); vpnteach rows build TWO routers (+ CA for 'seeded PKI'). Cold rows "
            "generate RSA keys with pycryptodome from the seed (time varies with the prime search)."
        ),
    )


if __name__ == "__main__":
    main()
