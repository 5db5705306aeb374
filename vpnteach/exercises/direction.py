"""Compute exercises on direction: which SPI's KEYMAT protects which way (RFC 2409 §5.5), and
the NAT-D hash of the peer's address (RFC 3947 §3.2).

Expected values come from :func:`vpnteach.ike.keymat.keymat` with
:func:`~vpnteach.ike.keymat.split_keymat`, and from :func:`vpnteach.ike.nat_t.nat_d_hash`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.prf import HashAlgorithm, get_hash
from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.base import HexExercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.ike.keymat import keymat, split_keymat
from vpnteach.ike.nat_t import nat_d_hash

ESP = 3
_SUITES = (
    ("esp-3des esp-sha-hmac", 24, 20),
    ("esp-aes esp-md5-hmac", 16, 16),
    ("esp-aes 256 esp-sha-hmac", 32, 20),
    ("esp-des esp-md5-hmac", 8, 16),
)


@dataclass(frozen=True)
class DirectionParams:
    h: HashAlgorithm
    transform: str
    enc_size: int
    auth_size: int
    skeyid_d: bytes
    spi_b1: bytes
    spi_b2: bytes
    ni_b: bytes
    nr_b: bytes


def _show_sa(inbound: bytes, outbound: bytes, transform: str) -> str:
    """The SPI lines of Branch2's ``show crypto ipsec sa``."""
    return (
        f"inbound esp sas:\n spi: 0x{inbound.hex().upper()}({int.from_bytes(inbound, 'big')})\n"
        f"  transform: {transform} ,\n"
        f"outbound esp sas:\n spi: 0x{outbound.hex().upper()}({int.from_bytes(outbound, 'big')})"
        f"\n  transform: {transform} ,"
    )


class KeymatDirection(HexExercise[DirectionParams]):
    """The authentication key of one direction of ESP, read from ``show crypto ipsec sa``."""

    id = "keymat_direction"
    title = "Which key protects Branch2 → Branch1?"
    kind = "compute"
    answer_name = "the authentication key"
    answer_format = "hex, the HMAC key only"
    hint_ladder = (
        "Which SA carries Branch2's packets to Branch1? Branch2's *outbound* one; its SPI was "
        "chosen by Branch1, the receiver.",
        "No PFS: KEYMAT = prf(SKEYID_d, protocol | SPI | Ni_b | Nr_b), protocol 3 for ESP "
        "(RFC 2409 §5.5), expanded with Kn = prf(SKEYID_d, Kn-1 | protocol | SPI | Ni_b | Nr_b).",
        "Make KEYMAT as long as both keys together; the encryption key comes first, the "
        "authentication key right after it.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> DirectionParams:
        transform, enc, auth = pick(rng, _SUITES)
        h = get_hash(pick(rng, ("md5", "sha")))
        draw = rng.random_bytes
        size = pick(rng, (16, 20))
        return DirectionParams(
            h, transform, enc, auth, draw(h.digest_size), draw(4), draw(4), draw(size), draw(size)
        )

    def _givens(self, p: DirectionParams) -> list[tuple[str, Any]]:
        return [
            ("phase-1 hash", p.h.name),
            ("SKEYID_d", p.skeyid_d),
            ("Branch2# show crypto ipsec sa (excerpt)", _show_sa(p.spi_b2, p.spi_b1, p.transform)),
            ("Ni_b (Branch1 initiated Quick Mode)", p.ni_b),
            ("Nr_b", p.nr_b),
        ]

    def _question(self, p: DirectionParams) -> str:
        return (
            f"Quick Mode (no PFS) set up two ESP SAs with {p.transform} ({p.enc_size}-byte "
            f"encryption key, {p.auth_size}-byte HMAC key). Which HMAC key does Branch2 use to "
            "authenticate the ESP packets it sends to Branch1? Give that key."
        )

    def _material(self, p: DirectionParams, spi: bytes, ni: bytes, nr: bytes) -> bytes:
        return keymat(p.h, p.skeyid_d, ESP, spi, ni, nr, p.enc_size + p.auth_size)

    def _solve(self, p: DirectionParams) -> bytes:
        return split_keymat(self._material(p, p.spi_b1, p.ni_b, p.nr_b), p.enc_size, p.auth_size)[1]

    def _mistakes(self, p: DirectionParams) -> list[Mistake[bytes]]:
        right = self._material(p, p.spi_b1, p.ni_b, p.nr_b)
        inbound = self._material(p, p.spi_b2, p.ni_b, p.nr_b)
        swapped = self._material(p, p.spi_b1, p.nr_b, p.ni_b)
        return [
            Mistake("inbound_spi", inbound[p.enc_size :],
                    "That key protects the other direction: it comes from Branch2's *inbound* "
                    "SPI. Packets Branch2 sends use its outbound SA, whose SPI Branch1 chose."),
            Mistake("encryption_part", right[: p.auth_size],
                    "Those are the first bytes of KEYMAT, where the encryption key is: the "
                    f"HMAC key starts after the {p.enc_size}-byte encryption key."),
            Mistake("nonces_swapped", swapped[p.enc_size :],
                    "Ni_b and Nr_b are swapped: the initiator's nonce comes first in KEYMAT, "
                    "whichever router computes it."),
            Mistake("not_expanded", p.h.prf(p.skeyid_d, bytes([ESP]) + p.spi_b1 + p.ni_b
                                            + p.nr_b)[p.enc_size :][: p.auth_size],
                    "One prf block is not enough for both keys: expand KEYMAT to "
                    f"{p.enc_size + p.auth_size} bytes first, then cut."),
        ]  # fmt: skip


# --------------------------------------------------------------------------- NAT-D


@dataclass(frozen=True)
class NatDParams:
    h: HashAlgorithm
    cky_i: bytes
    cky_r: bytes
    local: str
    peer: str
    port: int


class NatD(HexExercise[NatDParams]):
    """The NAT-D payload that hashes the peer's address and port (RFC 3947 §3.2)."""

    id = "nat_d"
    title = "NAT-D: is there a NAT between us?"
    kind = "compute"
    answer_name = "the NAT-D hash"
    answer_format = "hex, as many bytes as the negotiated hash's output"
    hint_ladder = (
        "MM3 carries two NAT-D payloads: the first hashes the address the packet is sent to "
        "(the peer's), the second the sender's own (RFC 3947 §3.2).",
        "HASH = HASH(CKY-I | CKY-R | IP | Port): the negotiated hash, plain (no key), over "
        "both cookies, the 4 address bytes and the 2 port bytes in network order.",
        "A NAT on the way changes what the receiver computes for the sender's address: the "
        "receiver compares, and floats to UDP 4500 if a hash differs.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> NatDParams:
        h = get_hash(pick(rng, ("md5", "sha")))
        draw = rng.random_bytes
        local = f"10.{1 + random_int_below(rng, 200)}.{random_int_below(rng, 250)}.1"
        peer = f"172.{16 + random_int_below(rng, 16)}.{random_int_below(rng, 250)}.2"
        return NatDParams(h, draw(8), draw(8), local, peer, pick(rng, (500, 500, 4500)))

    def _givens(self, p: NatDParams) -> list[tuple[str, Any]]:
        return [
            ("negotiated hash", p.h.name),
            ("CKY-I", p.cky_i),
            ("CKY-R", p.cky_r),
            ("Branch1 (sender of MM3)", f"{p.local} port {p.port}"),
            ("Branch2", f"{p.peer} port {p.port}"),
        ]

    def _question(self, p: NatDParams) -> str:
        return (
            "Branch1 sends MM3 from its address to Branch2's, both on the given UDP port. "
            "Compute the hash of the *first* NAT-D payload of MM3."
        )

    def _hash(self, p: NatDParams, ip: str, port: int, *, swap: bool = False) -> bytes:
        cookies = (p.cky_r, p.cky_i) if swap else (p.cky_i, p.cky_r)
        return nat_d_hash(p.h, *cookies, ip, port, "NAT-D")

    def _solve(self, p: NatDParams) -> bytes:
        return self._hash(p, p.peer, p.port)

    def _mistakes(self, p: NatDParams) -> list[Mistake[bytes]]:
        packed = ipaddress.IPv4Address(p.peer).packed
        return [
            Mistake("own_address", self._hash(p, p.local, p.port),
                    "That hashes Branch1's own address: it goes in the second NAT-D payload. "
                    "The first one is the destination's (what Branch1 thinks it sends to)."),
            Mistake("cookies_swapped", self._hash(p, p.peer, p.port, swap=True),
                    "CKY-I comes first, then CKY-R, whoever sends."),
            Mistake("port_missing", p.h.hash(p.cky_i + p.cky_r + packed),
                    "The port belongs in the hash too (2 bytes after the address): a NAT that "
                    "changes only the port must be detected."),
            Mistake("prf_not_hash", p.h.prf(p.cky_i + p.cky_r, packed + p.port.to_bytes(2, "big")),
                    "NAT-D is a plain hash of the concatenation, no prf and no key."),
            Mistake("address_as_text", p.h.hash(p.cky_i + p.cky_r + p.peer.encode()
                                                + p.port.to_bytes(2, "big")),
                    "The address is its 4 bytes in network order, not the dotted text."),
        ]  # fmt: skip
