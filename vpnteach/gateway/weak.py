"""Which parts of a router's IPsec configuration are cryptographically weak, and why.

The seed tutorial (2010) negotiates 3DES, MD5, Diffie-Hellman group 1 and RSA-1024 keys: the
lab keeps teaching exactly that, and :attr:`Gateway.weaknesses
<vpnteach.gateway.Gateway.weaknesses>` names each weakness so the lab can flag it. A router
daemon facing a real network accepts them only when told to (``vpnteach router run
--allow-weak``), and then says which ones it runs with. What counts as weak here:

* encryption DES (56-bit key: exhaustive search is practical) and 3DES (64-bit block: the
  Sweet32 birthday attack, CVE-2016-2183); RFC 8221 §5 (ESP): DES MUST NOT, 3DES SHOULD NOT;
* MD5 as the IKE hash/PRF or the ESP HMAC; RFC 8221 §6 (ESP): HMAC-MD5-96 MUST NOT, and
  RFC 8247 §2.2 (IKE) PRF_HMAC_MD5 MUST NOT;
* Diffie-Hellman groups 1 and 2 (768- and 1024-bit MODP, in Quick Mode PFS too): discrete
  logarithms in these groups are within reach of precomputation (Logjam, Adrian et al. 2015);
  RFC 8247 §2.4: group 1 MUST NOT, group 2 SHOULD NOT;
* RSA keys shorter than 2048 bits (the router's own, or a peer's in the pubkey chain):
  NIST SP 800-131A disallows them for signatures and key transport;
* ``authentication rsa-encr``: the responder decrypts PKCS#1 v1.5 ciphertexts from
  unauthenticated initiators and its answer differs with the padding, a Bleichenbacher
  padding oracle (Felsch et al., USENIX Security 2018, CVE-2018-0131).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from vpnteach.gateway.adapt import crypto_interface
from vpnteach.gateway.ikev2_adapt import ikev2_entries
from vpnteach.ike.policy import DEFAULT_POLICY, IsakmpPolicy
from vpnteach.ios.ikev2_model import Ikev2ProposalConfig
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.trustpoint import RouterPki

__all__ = ["RSA_MIN_BITS", "Weakness", "weaknesses"]

RSA_MIN_BITS = 2048

_CIPHERS = {
    "des": "56-bit key, found by exhaustive search",
    "3des": "64-bit block, open to the Sweet32 birthday attack (CVE-2016-2183)",
}
_ESP_RULE = {"des": "RFC 8221 §5: MUST NOT", "3des": "RFC 8221 §5: SHOULD NOT"}
_IKE_MD5 = "MD5 collisions are cheap (RFC 8247 §2.2: PRF_HMAC_MD5 MUST NOT)"
_ESP_MD5 = "MD5 collisions are cheap (RFC 8221 §6: HMAC-MD5-96 MUST NOT)"
_GROUPS = {
    1: "768-bit MODP, discrete logs within reach (Logjam; RFC 8247 §2.4: MUST NOT)",
    2: "1024-bit MODP, discrete logs within reach (Logjam; RFC 8247 §2.4: SHOULD NOT)",
}
_RSA_ENCR = "PKCS#1 v1.5 decryption for unauthenticated peers: a padding oracle (CVE-2018-0131)"


@dataclass(frozen=True)
class Weakness:
    """One weak choice: ``what`` it is, ``where`` it is configured, ``why`` it is weak."""

    what: str
    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.why}"


def _policy(policy: IsakmpPolicy, where: str) -> list[Weakness]:
    found = []
    if policy.encryption in _CIPHERS:
        found.append(Weakness(policy.encryption.upper(), where, _CIPHERS[policy.encryption]))
    if policy.hash == "md5":
        found.append(Weakness("MD5", where, _IKE_MD5))
    if policy.group in _GROUPS:
        found.append(Weakness(f"group {policy.group}", where, _GROUPS[policy.group]))
    if policy.authentication == "rsa-encr":
        found.append(Weakness("rsa-encr", where, _RSA_ENCR))
    return found


def _ikev2_proposal(proposal: Ikev2ProposalConfig) -> list[Weakness]:
    """The weak transforms of ``crypto ikev2 proposal NAME`` (RFC 8247 §2.1, §2.2, §2.4)."""
    where = f"crypto ikev2 proposal {proposal.name}"
    found = [Weakness(e.upper(), where, _CIPHERS[e]) for e in proposal.encryption if e in _CIPHERS]
    if "md5" in (*proposal.integrity, *proposal.prf):
        found.append(Weakness("MD5", where, _IKE_MD5))
    found += [Weakness(f"group {g}", where, _GROUPS[g]) for g in proposal.groups if g in _GROUPS]
    return found


def _rsa(bits: int, what: str, where: str) -> list[Weakness]:
    if bits >= RSA_MIN_BITS:
        return []
    why = f"shorter than {RSA_MIN_BITS} bits (NIST SP 800-131A)"
    return [Weakness(f"RSA-{bits} {what}", where, why)]


def weaknesses(config: RouterConfig, pki: RouterPki | None = None) -> list[Weakness]:
    """Every weak algorithm, group or key ``config`` (and ``pki``) would negotiate or use,
    in configuration order (module docstring); empty for a modern configuration."""
    found: list[Weakness] = []
    crypto = crypto_interface(config)
    entries, ikev2 = crypto.entries, bool(ikev2_entries(config, crypto))
    if not ikev2:  # an IKEv2 map negotiates with its proposals: its ISAKMP policies are unused
        policies = config.policies_by_priority()
        for policy in policies or (DEFAULT_POLICY,):
            where = f"crypto isakmp policy {policy.priority}" if policies else "default IKE policy"
            found += _policy(policy, where)
    else:
        for proposal in config.ikev2_proposals.values():
            found += _ikev2_proposal(proposal)
    for entry in entries:
        for ts in entry.transform_sets:
            where = f"crypto ipsec transform-set {ts.name}"
            cipher, integrity = ts.cipher.removeprefix("esp-"), ts.integrity
            if cipher in _CIPHERS:
                why = f"{_CIPHERS[cipher]} ({_ESP_RULE[cipher]})"
                found.append(Weakness(ts.cipher, where, why))
            if integrity == "esp-md5-hmac":
                found.append(Weakness(integrity, where, _ESP_MD5))
        if entry.pfs_group in _GROUPS:
            where = f"crypto map {entry.name} {entry.seq}"
            found.append(Weakness(f"pfs group{entry.pfs_group}", where, _GROUPS[entry.pfs_group]))
    for peer in config.peer_public_keys():
        key = load_der_public_key(peer.key_der)
        if isinstance(key, rsa.RSAPublicKey):
            found += _rsa(key.key_size, "key", f"addressed-key {peer.address}")
    for label, pair in (pki.keys if pki is not None else {}).items():
        found += _rsa(pair.modulus, "key", f"crypto key {label}")
    return list(dict.fromkeys(found))  # a transform set used by several entries: once
