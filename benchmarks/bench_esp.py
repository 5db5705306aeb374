"""Benchmark: ESP encapsulation + decapsulation throughput against the bare crypto calls.

For each profile (seed ``3des-md5``, modern ``aes256-sha256``) and inner packet size (64, 512,
1400 bytes) one measured call pushes a batch of packets through ``encapsulate`` then
``decapsulate`` (tracing off). The reference, in the same run on the same data, is the bare
work ESP cannot avoid: CBC encrypt + HMAC on the way out, HMAC + compare + CBC decrypt on the way
in, straight on ``cryptography``/``hmac`` with no headers, padding logic, replay window,
counters or lifetimes. ``throughput ratio`` = reference time / vpnteach time (1.0 = no
overhead; the target is >= 0.6 at 1400 bytes).

Run: ``python benchmarks/bench_esp.py``.
"""

from __future__ import annotations

import hmac

from _harness import Measurement, compare, measure, report
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.rng import OsRng, SeededRng
from vpnteach.esp.esp import Decapsulated, decapsulate, encapsulate, esp_trailer
from vpnteach.esp.integrity import get_integrity
from vpnteach.esp.sa import Direction, IpsecSa, Lifetime
from vpnteach.ike.policy import ProxyIdentity, network_of
from vpnteach.wire.ip import icmp_echo

PROFILES = {"3des-md5": ("3des", "esp-md5-hmac"), "aes256-sha256": ("aes256", "esp-sha256-hmac")}
SIZES = (64, 512, 1400)
BATCH = 50
LAN1, LAN2 = (
    ProxyIdentity(network_of("192.168.11.0/24")),
    ProxyIdentity(network_of("192.168.22.0/24")),
)


def _sas(cipher_name: str, integrity_name: str) -> tuple[IpsecSa, IpsecSa]:
    cipher, integrity = get_cipher(cipher_name), get_integrity(integrity_name)
    rng = SeededRng("bench")
    k_e, k_a = rng.random_bytes(cipher.key_size), rng.random_bytes(integrity.key_size)
    no_limit = Lifetime(seconds=0, kilobytes=0)
    out = IpsecSa(Direction.OUTBOUND, 0x1001, "10.1.1.1", "10.2.2.1", cipher, k_e, integrity,
                  k_a, LAN1, LAN2, no_limit)  # fmt: skip
    inb = IpsecSa(Direction.INBOUND, 0x1001, "10.2.2.1", "10.1.1.1", cipher, k_e, integrity,
                  k_a, LAN2, LAN1, no_limit)  # fmt: skip
    return out, inb


def bench(profile: str, size: int) -> list[Measurement]:
    out, inb = _sas(*PROFILES[profile])
    inner = icmp_echo("192.168.11.1", "192.168.22.1", data=bytes(size - 28))
    rng = OsRng()
    lookup = {(inb.spi, inb.local, 50): inb}.get

    def ours() -> None:
        for _ in range(BATCH):
            result = decapsulate(
                lambda s, d, p: lookup((s, d, p)), encapsulate(out, inner, rng, 0), 0
            )
            assert isinstance(result, Decapsulated)

    algorithm = TripleDES if out.cipher.name == "3des" else AES
    k_e, k_a, hname = out.encryption_key, out.integrity_key, out.integrity.hashlib_name
    icv_size, bs = out.integrity.icv_size, out.cipher.block_size
    plaintext = inner + esp_trailer(len(inner), bs)
    iv, header = rng.random_bytes(bs), bytes(8)

    def bare() -> None:
        for _ in range(BATCH):
            enc = Cipher(algorithm(k_e), modes.CBC(iv)).encryptor()
            ct = enc.update(plaintext) + enc.finalize()
            icv = hmac.digest(k_a, header + iv + ct, hname)[:icv_size]
            assert hmac.compare_digest(icv, hmac.digest(k_a, header + iv + ct, hname)[:icv_size])
            dec = Cipher(algorithm(k_e), modes.CBC(iv)).decryptor()
            dec.update(ct) + dec.finalize()

    runs = 30 if out.cipher.name == "3des" else 60
    ref = measure(f"{profile} {size:4d} B x{BATCH}: bare cipher+HMAC (ref)", bare, runs=runs)
    mine = compare(measure(f"{profile} {size:4d} B x{BATCH}: encaps+decaps", ours, runs=runs), ref)
    assert mine.ratio_to_reference is not None
    mine.extra["throughput_ratio"] = round(1 / mine.ratio_to_reference, 3)
    mine.extra["packets_per_s"] = round(BATCH / mine.median_s)
    return [ref, mine]


def main() -> None:
    rows = [m for p in PROFILES for s in SIZES for m in bench(p, s)]
    lines = [
        f"  {r.name}: throughput ratio {r.extra['throughput_ratio']}, "
        f"{r.extra['packets_per_s']} packets/s (encaps+decaps)"
        for r in rows
        if r.extra
    ]
    notes = "ratio = vpnteach median / reference median (>1 slower)\n" + "\n".join(lines)
    report("bench_esp", rows, notes=notes)


if __name__ == "__main__":
    main()
