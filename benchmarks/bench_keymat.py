"""Benchmark: Diffie-Hellman and IKEv1 phase-1 key derivation, and ``import vpnteach`` time.

References measured in the same run:
* DH: the same group's exchange done by OpenSSL through ``cryptography`` (C, constant time);
* key derivation: the same number of bare ``hmac.new`` calls, without vpnteach's bookkeeping;
* import: ``python -c pass`` (interpreter start-up alone).

Run: ``python benchmarks/bench_keymat.py``.
"""

from __future__ import annotations

import hmac
import subprocess
import sys

from _harness import Measurement, compare, measure, report
from cryptography.hazmat.primitives.asymmetric import dh as ossl_dh

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.modp import get_group
from vpnteach.crypto.prf import get_hash
from vpnteach.crypto.rng import SeededRng
from vpnteach.ike import keymat
from vpnteach.trace import Trace

PROFILES = {"seed": (1, "md5", "3des"), "modern": (14, "sha256", "aes256")}


def bench_profile(name: str) -> list[Measurement]:
    group_no, hash_name, cipher_name = PROFILES[name]
    group, h, cipher = get_group(group_no), get_hash(hash_name), get_cipher(cipher_name)
    rng = SeededRng(name)
    peer = DhComputation.start(group, rng)
    ni_b, nr_b, cky_i, cky_r = (rng.random_bytes(n) for n in (16, 16, 8, 8))

    def ours_dh() -> None:
        DhComputation.start(group, rng).complete(peer.public_value)

    params = ossl_dh.DHParameterNumbers(group.p, group.g).parameters()
    ossl_peer = params.generate_private_key().public_key()

    def openssl_dh() -> None:
        params.generate_private_key().exchange(ossl_peer)

    g_xy = DhComputation.start(group, rng).complete(peer.public_value).shared_secret
    assert g_xy is not None

    def ours_kdf() -> None:
        trace = Trace("bench")
        skeyid = keymat.skeyid_sig(h, ni_b, nr_b, g_xy, trace)
        keymat.derive_phase1_keys(h, skeyid, g_xy, cky_i, cky_r, cipher.key_size, trace)
        keymat.phase1_iv(h, peer.public_value, peer.public_value, cipher.block_size, trace)

    def bare_kdf() -> None:
        tail = g_xy + cky_i + cky_r
        s = hmac.new(ni_b + nr_b, g_xy, h.hashlib_name).digest()
        d = hmac.new(s, tail + b"\0", h.hashlib_name).digest()
        a = hmac.new(s, d + tail + b"\1", h.hashlib_name).digest()
        e = hmac.new(s, a + tail + b"\2", h.hashlib_name).digest()
        if len(e) < cipher.key_size:
            k1 = hmac.new(e, b"\0", h.hashlib_name).digest()
            hmac.new(e, k1, h.hashlib_name).digest()
        h.hash(peer.public_value + peer.public_value)

    runs = 200 if group_no == 1 else 40
    ref_dh = measure(f"{name}: DH g^x + g^xy, OpenSSL (reference)", openssl_dh, runs=runs)
    our_dh = compare(measure(f"{name}: DH g^x + g^xy, vpnteach", ours_dh, runs=runs), ref_dh)
    ref_kdf = measure(f"{name}: SKEYID family + Ka + IV, bare hmac (ref)", bare_kdf, runs=2000)
    our_kdf = compare(
        measure(f"{name}: SKEYID family + Ka + IV, vpnteach", ours_kdf, runs=2000), ref_kdf
    )
    return [ref_dh, our_dh, ref_kdf, our_kdf]


def _python(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True)


def bench_import() -> list[Measurement]:
    ref = measure("python -c pass (reference)", lambda: _python("pass"), runs=15, warmup=2)
    ours = measure("python -c 'import vpnteach'", lambda: _python("import vpnteach"), runs=15)
    heavy = (
        "import sys, vpnteach, vpnteach.wire, vpnteach.crypto.dh, vpnteach.ike.keymat\n"
        "bad = {'IPython', 'ipywidgets', 'graphviz'} & set(sys.modules)\n"
        "assert not bad, bad"
    )
    core = measure("python -c 'import vpnteach core layers'", lambda: _python(heavy), runs=15)
    return [ref, compare(ours, ref), compare(core, ref)]


def main() -> None:
    rows = bench_profile("seed") + bench_profile("modern") + bench_import()
    report("bench_keymat", rows, notes="ratio = vpnteach median / reference median")


if __name__ == "__main__":
    main()
