"""rsa-encr in the lab, configured the IOS way: each router's ``show crypto key mypubkey rsa``
pasted into the other's ``crypto key pubkey-chain rsa``, then the seed's ping."""

from __future__ import annotations

from tests.lab.conftest import PING
from vpnteach.ike.events import Phase1Complete, Phase2Complete
from vpnteach.lab import Lab
from vpnteach.labs.router import LabRouter
from vpnteach.wire.constants import AuthenticationMethod

RSA_ENCR = "crypto isakmp policy 10\n authentication rsa-encr\n"
WAN = {"Branch1": "10.1.1.1", "Branch2": "10.2.2.1"}


def key_data(router: LabRouter) -> str:
    """The ``Key Data`` lines of the router's ``show crypto key mypubkey rsa``, as printed."""
    shown = router.exec("show crypto key mypubkey rsa")
    assert shown.startswith("Key name: BRANCH_KEY\n")
    return shown.split(" Key Data:\n")[1]


def pubkey_chain(peer: LabRouter) -> str:
    return (
        "crypto key pubkey-chain rsa\n"
        f" addressed-key {WAN[peer.name]}\n"
        f"  address {WAN[peer.name]}\n"
        "  key-string\n" + key_data(peer) + "  quit\n"
    )


def rsa_encr_lab(*, keys_on: tuple[str, ...] = ("Branch1", "Branch2")) -> Lab:
    """The seed lab switched to rsa-encr; ``keys_on`` get the peer's key in their chain."""
    lab = Lab.seed()
    for router, peer in ((lab.branch1, lab.branch2), (lab.branch2, lab.branch1)):
        chain = pubkey_chain(peer) if router.name in keys_on else ""
        router.configure(RSA_ENCR + chain)
    lab.branch1.exec("debug crypto isakmp")
    return lab


def test_pasted_peer_keys_negotiate_rsa_encr_and_carry_the_ping() -> None:
    lab = rsa_encr_lab()
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == ".!!!!"
    assert "SA is doing RSA encryption authentication using id type ID_IPV4_ADDR" in out
    assert "SA has been authenticated with 10.2.2.1" in out
    assert "processing CERT payload" not in out
    for router in (lab.branch1, lab.branch2):
        (p1,) = [e for e in router.events if isinstance(e, Phase1Complete)]
        assert p1.suite.authentication == AuthenticationMethod.RSA_ENCRYPTION
        assert any(isinstance(e, Phase2Complete) for e in router.events)


def test_show_crypto_key_pubkey_chain_on_a_lab_router() -> None:
    lab = rsa_encr_lab()
    assert lab.branch1.exec("show crypto key pubkey-chain rsa").splitlines()[-1] == (
        "M    General      10.2.2.1            10.2.2.1"
    )
    running = lab.branch1.exec("show running-config")
    assert "crypto key pubkey-chain rsa\n addressed-key 10.2.2.1\n  address 10.2.2.1\n" in running


def test_without_the_peers_key_the_initiator_offers_nothing_and_says_why() -> None:
    lab = rsa_encr_lab(keys_on=("Branch2",))
    out = lab.branch1.exec(PING)
    assert "!" not in out.splitlines()[-2]
    assert "policy 10 (rsa-encr) skipped: no public key for 10.2.2.1" in out
    assert not any(isinstance(e, Phase1Complete) for e in lab.branch1.events)
