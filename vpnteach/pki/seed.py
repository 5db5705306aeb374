"""The seed tutorial's enrollment story, end to end: CA ``WIN2003``, Branch1 and Branch2.

Each router: ``hostname`` + ``ip domain-name amit.com``, ``crypto key generate rsa general-keys
modulus 1024 label BRANCH_KEY exportable``, trustpoint ``WIN2003`` (enrollment url, mode ra,
rsakeypair BRANCH_KEY, revocation-check none), ``crypto pki authenticate`` (accepted),
``crypto pki enroll``. The CA's answers are carried by direct calls here; the lab carries them
over the simulated network instead.

Times: the routers are NTP-synchronised with the CA. Branch2's request reaches the CA at
04:08:38.250 AEST Jun 5 2010, Branch1's at 04:10:18.000: with the CA's rules
(:mod:`vpnteach.pki.ca`) this gives exactly the seed's serials (0x614AE084000000000008,
0x614C662A000000000009) and validity dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng, SeededRng
from vpnteach.pki.ca import AEST, SEED_CA_NAME, SEED_ENROLLMENT_URL, CaServer, seed_ca
from vpnteach.pki.keys import fork
from vpnteach.pki.trustpoint import RouterPki, Trustpoint

SEED_DOMAIN = "amit.com"
SEED_KEY_LABEL = "BRANCH_KEY"
SEED_ENROLL_TIMES = {
    "Branch2": dt.datetime(2010, 6, 5, 4, 8, 38, 250_000, tzinfo=AEST),
    "Branch1": dt.datetime(2010, 6, 5, 4, 10, 18, tzinfo=AEST),
}
SEED_CLOCK = dt.datetime(2010, 6, 6, 10, 21, 50, tzinfo=AEST)
"""The seed's clock when Branch1 starts IKE (``Jun 6 10:21:50.071``)."""


@dataclass
class SeedPki(HtmlRepr):
    """The seeded PKI: the CA and both branch routers, enrolled."""

    ca: CaServer
    routers: dict[str, RouterPki]


def seed_trustpoint() -> Trustpoint:
    """``crypto pki trustpoint WIN2003`` as the seed configures it."""
    return Trustpoint(
        SEED_CA_NAME,
        enrollment_url=SEED_ENROLLMENT_URL,
        enrollment_mode_ra=True,
        rsakeypair=SEED_KEY_LABEL,
        revocation_check="none",
    )


def enroll_router(
    ca: CaServer, hostname: str, now: dt.datetime, rng: Rng, modulus: int = 1024
) -> RouterPki:
    """One router through the seed's commands, enrolling at ``now`` (clock in sync with CA)."""
    router = RouterPki(hostname, SEED_DOMAIN)
    router.generate_key(SEED_KEY_LABEL, modulus, True, rng)
    router.add_trustpoint(seed_trustpoint())
    router.authenticate(SEED_CA_NAME, ca.get_ca_cert(router.get_ca_cert_request(SEED_CA_NAME)))
    router.enroll(SEED_CA_NAME, lambda req: ca.pkcs_req(req, now), now)
    return router


def build_seed_pki(
    seed: int | str | bytes = 0, *, ca_key_bits: int = 2048, modulus: int = 1024
) -> SeedPki:
    """The seed's PKI, deterministic for ``seed``: CA, then Branch2 and Branch1 enrolled."""
    rng = SeededRng(seed)
    ca = seed_ca(fork(rng, "ca"), key_bits=ca_key_bits)
    routers = {
        name: enroll_router(ca, name, when, fork(rng, name), modulus)
        for name, when in SEED_ENROLL_TIMES.items()
    }
    return SeedPki(ca, {"Branch1": routers["Branch1"], "Branch2": routers["Branch2"]})
