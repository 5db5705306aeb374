"""rsa-encr's hand-typed keys: a peer key missing from the pubkey chain, or not the peer's key.

With ``authentication rsa-encr`` (RFC 2409 §5.2) each side encrypts its ID and nonce bodies
with the *peer's* public key, taken from ``crypto key pubkey-chain rsa`` (``addressed-key``):
IOS has no certificate to learn it from, so an operator pastes the peer's
``show crypto key mypubkey rsa`` there. Two things go wrong with keys typed by hand:

* **no key** for the peer's address: the policy cannot be used ("policy 10 (rsa-encr)
  skipped"). An initiator offers nothing and gives up without sending a packet (the peer sees
  nothing); a responder answers NO-PROPOSAL-CHOSEN;
* **a wrong key**, typically stale: the peer ran ``crypto key generate rsa`` again (a new key
  pair, after an RMA, a ``crypto key zeroize rsa``, a longer modulus) and nobody pasted the new
  public key. The peer's private key cannot undo the encryption (the PKCS#1 v1.5 block is not
  there, RFC 8017 §7.2.2) and it answers AUTHENTICATION-FAILED.

Both are read from the run's records (``rsa_encr_unusable``, ``pke_failed``) and checked
against the configurations: the key in one router's chain is compared with the key pair the
other router decrypts with. The fix is the chain block with the peer's current key, as
``show crypto key mypubkey rsa`` prints it on the peer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.ike.records_endpoint import NegotiationError
from vpnteach.ike.records_phase1 import PkeFailed, RsaEncrUnusable
from vpnteach.ios.pubkey import hex_lines
from vpnteach.troubleshoot.facts import RouterFacts, owner
from vpnteach.troubleshoot.finding import Finding
from vpnteach.troubleshoot.symptoms import symptom
from vpnteach.wire.constants import NotifyMessageType as N

if TYPE_CHECKING:
    from vpnteach.ios import RouterConfig
    from vpnteach.lab import Lab

Views = dict[str, RouterFacts]
RFC = "RFC 2409 §5.2"
MARKER = NegotiationError
"""The record a stepper shows as the failing step: the ``error`` that follows
``rsa_encr_unusable`` / ``pke_failed`` (those two are not steps of their own)."""


def chain_key(config: RouterConfig, address: str) -> bytes | None:
    """The DER key ``config``'s pubkey chain holds for ``address`` (the first entry wins)."""
    return next(
        (e.key_der for e in config.pubkey_chain.values() if e.address == address and e.key_der),
        None,
    )


def own_key(v: RouterFacts) -> bytes | None:
    """The DER public key of the pair ``v`` decrypts rsa-encr payloads with (its engine's)."""
    gw = v.router.gateway
    private = gw.ike.config.own_private_key() if gw is not None else None
    if private is None:
        return None
    return private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def chain_lines(config: RouterConfig, address: str, der: bytes) -> tuple[str, ...]:
    """The configuration lines that put ``der`` in ``config``'s chain for ``address``: into
    the entry found for it if there is one, else a new ``addressed-key``."""
    entry = next((e for e in config.pubkey_chain.values() if e.address == address), None)
    head = f" {entry.kind}-key {entry.name}" if entry is not None else f" addressed-key {address}"
    return ("crypto key pubkey-chain rsa", head, "  key-string", *hex_lines(der), "  quit")


def describe(der: bytes) -> str:
    """``1024-bit RSA key, modulus C5E23B0A...``: enough to tell two keys apart by eye."""
    key = serialization.load_der_public_key(der)
    assert isinstance(key, rsa.RSAPublicKey)  # the chain and the PKI hold RSA keys only
    n = key.public_numbers().n
    digits = f"{n:X}"
    return f"{n.bit_length()}-bit RSA key, modulus {digits[:8]}...{digits[-8:]}"


def _peer_address(v: RouterFacts) -> str | None:
    failed = [f for f in v.failures() if f.phase == 1]
    return failed[0].peer[0] if failed else None


# ------------------------------------------------------------------ no key for the peer


def missing_key(v: RouterFacts) -> str | None:
    """The peer address ``v`` skipped its rsa-encr policy for (no key in its chain), if the
    failed negotiation is explained by it."""
    address = _peer_address(v)
    if v.first(RsaEncrUnusable) is None or address is None or v.phase1_done:
        return None
    return address if chain_key(v.config, address) is None else None


def no_peer_key(lab: Lab, views: Views) -> list[Finding]:
    """rsa-encr configured, but the pubkey chain has no key for the peer: the policy is skipped."""
    found = []
    for v in views.values():
        address = missing_key(v)
        if address is None:
            continue
        peer = owner(views, address)
        der = own_key(peer) if peer is not None else None
        skipped = v.first(RsaEncrUnusable)
        priority = skipped.priority if skipped is not None else "?"
        check = f"policy {priority} (rsa-encr) skipped: no public key for {address}"
        side = ("it answered the peer's MM1 with NO-PROPOSAL-CHOSEN" if v.sent() else
                "it offered nothing and gave up before sending MM1 "
                f"({peer.name if peer else address} never hears from it)")  # fmt: skip
        found.append(Finding(
            "rsa_encr_no_peer_key", "rsa-encr: no public key for the peer", 1, v.name, check,
            f"{v.name}'s ISAKMP policy authenticates with rsa-encr ({RFC}): it must encrypt its "
            f"ID and nonce with the peer's public key, which IOS takes from 'crypto key "
            f"pubkey-chain rsa'. The chain has no key for {address}, so no policy is usable "
            f"with that peer: {side}. Paste the peer's 'show crypto key mypubkey rsa' Key Data "
            f"into an addressed-key {address}.",
            v.name, chain_lines(v.config, address, der) if der is not None else (), (),
            tuple(f"{o.name}: {symptom(o)}" for o in views.values() if o.config.crypto_maps),
            marker=(v.name, MARKER),
        ))  # fmt: skip
    return found


# ------------------------------------------------------------------ a wrong (stale) key


def wrong_key(v: RouterFacts, views: Views) -> tuple[RouterFacts, bytes, bytes] | None:
    """``v`` could not decrypt an rsa-encr payload because the peer's chain holds another key
    for ``v``: ``(peer, the key in the peer's chain, v's own key)``."""
    failed = [f for f in v.failures() if f.phase == 1 and f.notify_type == N.AUTHENTICATION_FAILED]
    if v.first(PkeFailed) is None or not failed or v.address is None:
        return None
    peer = owner(views, failed[0].peer[0])
    mine = own_key(v)
    if peer is None or mine is None:
        return None
    pasted = chain_key(peer.config, v.address)
    return (peer, pasted, mine) if pasted is not None and pasted != mine else None


def wrong_peer_key(lab: Lab, views: Views) -> list[Finding]:
    """A router cannot decrypt the peer's rsa-encr ID/nonce: the peer encrypted them to a key
    that is not (or no longer) this router's."""
    found = []
    for v in views.values():
        wrong = wrong_key(v, views)
        if wrong is None or v.address is None:
            continue
        peer, pasted, mine = wrong
        failure = next(f for f in v.failures() if f.notify_type == N.AUTHENTICATION_FAILED)
        found.append(Finding(
            "rsa_encr_wrong_peer_key", "rsa-encr: the peer encrypts to a stale public key", 1,
            v.name, f"AUTHENTICATION_FAILED in Main Mode ({failure.reason})",
            f"{peer.name} encrypted its ID and nonce ({RFC}) with the public key its 'crypto "
            f"key pubkey-chain rsa' holds for {v.address}, but that is not the key pair "
            f"{v.name} has now: {v.name}'s private key cannot decrypt them (no PKCS#1 v1.5 "
            f"block) and it answers AUTHENTICATION-FAILED. The key pasted on {peer.name} is "
            f"stale ({v.name} generated a new key pair since, 'crypto key generate rsa') or "
            f"was copied from another router. Paste {v.name}'s current 'show crypto key "
            f"mypubkey rsa' Key Data into {peer.name}'s chain.",
            peer.name, chain_lines(peer.config, v.address, mine), (),
            (f"{peer.name}'s chain for {v.address}: {describe(pasted)}",
             f"{v.name}'s own key pair: {describe(mine)}",
             f"{v.name}: {symptom(v)}", f"{peer.name}: {symptom(peer)}"),
            marker=(v.name, MARKER),
        ))  # fmt: skip
    return found
