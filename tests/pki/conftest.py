"""Fixtures for the PKI tests: the seeded PKI (built once), a fresh small PKI, tool paths."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.conftest import require_tool
from vpnteach.crypto.rng import SeededRng
from vpnteach.pki import CaServer, RouterPki, SeedPki, Trustpoint, build_seed_pki

UTC = dt.timezone.utc
NOW = dt.datetime(2010, 6, 5, 18, 10, 18, tzinfo=UTC)  # 04:10:18 AEST Jun 5 2010


@pytest.fixture(scope="session")
def seeded() -> SeedPki:
    """The seed's PKI (seed 0): CA WIN2003, Branch1 and Branch2 enrolled."""
    return build_seed_pki(0)


@dataclass
class Lab:
    """A small fresh PKI: a CA (revocation tests mutate it) and one enrolled router."""

    ca: CaServer
    router: RouterPki
    rng: SeededRng


def make_lab(
    seed: int = 7, *, hostname: str = "Branch1", enroll: bool = True, now: dt.datetime = NOW
) -> Lab:
    """CA ``TESTCA`` and router ``hostname``.amit.com with key ``K``, trustpoint ``CA``;
    the CA is installed 30 days before ``now`` and the router enrolls at ``now``."""
    rng = SeededRng(seed)
    ca = CaServer.create(
        "TESTCA",
        "cn=TESTCA,dc=amit,dc=com",
        now - dt.timedelta(days=30),
        rng.fork("ca"),
        key_bits=1024,
        cdp_urls=("http://ca.amit.com/TESTCA.crl",),
        enrollment_url="http://ca.amit.com/scep",
    )
    router = RouterPki(hostname, "amit.com")
    router.generate_key("K", 1024, False, rng.fork(hostname))
    router.add_trustpoint(Trustpoint("CA", "http://ca.amit.com/scep", True, "K", "crl"))
    if enroll:
        reply = ca.get_ca_cert(router.get_ca_cert_request("CA"))
        router.authenticate("CA", reply)
        router.enroll("CA", lambda r: ca.pkcs_req(r, now), now)
    return Lab(ca, router, rng)


def make_lab_at(now: dt.datetime) -> Lab:
    """A lab enrolled at ``now`` (for tools that check against the real clock)."""
    return make_lab(now=now)


@pytest.fixture
def lab() -> Lab:
    return make_lab()


@pytest.fixture(scope="session")
def openssl() -> str:
    return require_tool("openssl", "needs the openssl command line tool")


@pytest.fixture(scope="session")
def strongswan_pki() -> str:
    return require_tool("pki", "needs strongSwan's `pki` tool (Debian strongswan-pki)")
