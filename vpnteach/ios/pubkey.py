"""``crypto key pubkey-chain rsa``: the peers' RSA public keys that rsa-encr needs, typed in.

With ``authentication rsa-encr`` (RFC 2409 §5.2) each side encrypts its nonce and identity with
the *peer's* public key, so that key must be known before MM3: no certificate is exchanged. IOS
takes it by hand, as the hex of its DER SubjectPublicKeyInfo, which is exactly the ``Key Data``
block ``show crypto key mypubkey rsa`` prints on the peer::

    crypto key pubkey-chain rsa                  ! -> config-pubkey-chain
     addressed-key 10.2.2.1                      ! -> config-pubkey-key
      address 10.2.2.1                           ! optional for an addressed-key
      key-string                                 ! -> config-pubkey: hex lines until quit
       30819F30 0D06092A 864886F7 0D010101 05000381 8D003081 89028181 00C5E23B
       ...
       quit                                      ! -> config-pubkey-key
     exit                                        ! -> config-pubkey-chain
    exit                                         ! -> config

``named-key NAME`` (a key named by the peer's identity) is accepted too; the engine finds keys
by the peer's address, so a named key is used once it has an ``address`` line. The
``encryption`` / ``signature`` usage keywords of both are not modelled (one general key).

The hex lines are checked word by word (only hex digits); the whole key is checked when
``quit`` ends the block: an even number of digits that decode as a DER RSA public key, else
the ``quit`` line is refused and nothing of the block is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args, Mismatch
from vpnteach.ios.model import PubkeyEntry, RouterConfig
from vpnteach.pki.keys import KeyPair

PUBKEY_CHAIN = "config-pubkey-chain"
PUBKEY_KEY = "config-pubkey-key"
PUBKEY_DATA = "config-pubkey"

Handler = Callable[[Draft, Args], None]
Row = tuple[str, Handler] | tuple[str, Handler, str]

KEY_EXPECTED = (
    "a key-string that spells a DER RSA public key (what show crypto key mypubkey rsa prints)"
)


# --- config: the chain --------------------------------------------------------------------


def _nothing(d: Draft, a: Args) -> None:
    """Entering or leaving a mode: only the mode changes."""


def _addressed_key(d: Draft, a: Args) -> None:
    name = a["address"]
    d.pubkey_chain.setdefault(name, PubkeyEntry(name, "addressed", name))
    d.context = name


def _named_key(d: Draft, a: Args) -> None:
    d.pubkey_chain.setdefault(a["name"], PubkeyEntry(a["name"], "named"))
    d.context = a["name"]


def _no_key(kind: str, arg: str) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        entry = d.pubkey_chain.get(a[arg])
        if entry is not None and entry.kind == kind:
            del d.pubkey_chain[a[arg]]

    return handler


# --- config-pubkey-key --------------------------------------------------------------------


def _address(d: Draft, a: Args) -> None:
    d.pubkey_chain[d.context] = replace(d.pubkey_chain[d.context], address=a["address"])


def _no_address(d: Draft, a: Args) -> None:
    entry = d.pubkey_chain[d.context]
    d.pubkey_chain[d.context] = replace(
        entry, address=entry.name if entry.kind == "addressed" else None
    )


def _key_string(d: Draft, a: Args) -> None:
    d.key_hex = []


def _no_key_string(d: Draft, a: Args) -> None:
    d.pubkey_chain[d.context] = replace(d.pubkey_chain[d.context], key_der=None)


# --- config-pubkey: the key-string's hex lines ----------------------------------------------


def _hex_line(d: Draft, a: Args) -> None:
    d.key_hex.append(a["hex"])


def _quit(d: Draft, a: Args) -> None:
    """``quit``: the hex typed so far must be a DER RSA public key, else nothing is kept."""
    digits, d.key_hex = "".join(d.key_hex), []
    der = key_der_from_hex(digits)
    d.pubkey_chain[d.context] = replace(d.pubkey_chain[d.context], key_der=der)


def key_der_from_hex(digits: str) -> bytes:
    """The DER the hex digits of a key-string spell, checked to be an RSA public key.

    Raises:
        Mismatch: at word 0 (the ``quit`` line), saying what is wrong with the key.
    """
    if not digits:
        raise Mismatch(0, [f"{KEY_EXPECTED}: no hex lines were given before quit"])
    if len(digits) % 2:
        raise Mismatch(0, [f"{KEY_EXPECTED}: {len(digits)} hex digits, not whole bytes"])
    der = bytes.fromhex(digits)
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm):
        raise Mismatch(
            0, [f"{KEY_EXPECTED}: the {len(der)} bytes typed since key-string do not decode as one"]
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        kind = type(key).__name__.lstrip("_")
        raise Mismatch(0, [f"{KEY_EXPECTED}: the key is {kind}, not RSA"])
    return der


GLOBAL_ROWS: tuple[Row, ...] = (("crypto key pubkey-chain rsa", _nothing, PUBKEY_CHAIN),)

CHAIN_ROWS: tuple[Row, ...] = (
    ("addressed-key <address:ip>", _addressed_key, PUBKEY_KEY),
    ("no addressed-key <address:ip>", _no_key("addressed", "address")),
    ("named-key <name:word>", _named_key, PUBKEY_KEY),
    ("no named-key <name:word>", _no_key("named", "name")),
    ("exit", _nothing),
)

KEY_ROWS: tuple[Row, ...] = (
    ("address <address:ip>", _address),
    ("no address", _no_address),
    ("key-string", _key_string, PUBKEY_DATA),
    ("no key-string", _no_key_string),
    ("exit", _nothing, PUBKEY_CHAIN),
)

DATA_ROWS: tuple[Row, ...] = (
    ("<hex:hex_words>", _hex_line),
    ("quit", _quit, PUBKEY_KEY),
)


# --- show -------------------------------------------------------------------------------------


def hex_lines(der: bytes, indent: str = "  ") -> list[str]:
    """``der`` as IOS dumps a key: 4-byte groups of upper-case hex, 8 groups a line."""
    text = der.hex().upper()
    groups = [text[i : i + 8] for i in range(0, len(text), 8)]
    return [indent + " ".join(groups[i : i + 8]) for i in range(0, len(groups), 8)]


def running_config_lines(config: RouterConfig) -> list[str]:
    """The ``crypto key pubkey-chain rsa`` block of ``show running-config`` (empty: none)."""
    if not config.pubkey_chain:
        return []
    lines = ["crypto key pubkey-chain rsa"]
    for entry in config.pubkey_chain.values():
        lines.append(f" {entry.kind}-key {entry.name}")
        lines += [f"  address {entry.address}"] if entry.address else []
        if entry.key_der is not None:
            lines += ["  key-string", *hex_lines(entry.key_der), "  quit"]
    return lines


def show_crypto_key_pubkey_chain(config: RouterConfig) -> str:
    """``show crypto key pubkey-chain rsa``: the keys entered by hand (code ``M``).

    Keys IOS extracts from peers' certificates (code ``C``) belong to the PKI, not to the
    configuration; an entry without a key-string has no key yet and is not listed.
    """
    rows = [
        f"M    General      {e.address or '':<20}{e.name}"
        for e in config.pubkey_chain.values()
        if e.key_der is not None
    ]
    head = [
        "Codes: M - Manually configured, C - Extracted from certificate",
        "",
        "Code Usage        IP-Address/VRF      Keyname",
    ]
    return "\n".join([*head, *rows, ""])


def show_crypto_key_mypubkey_rsa(keys: Iterable[KeyPair]) -> str:
    """``show crypto key mypubkey rsa``: each key pair's public half, its ``Key Data`` in hex.

    The ``Key Data`` lines can be pasted as they are after ``key-string`` on the peer. (IOS
    also prints when the pair was generated; the PKI does not record that time.)
    """
    lines: list[str] = []
    for pair in keys:
        exportable = "exportable" if pair.exportable else "not exportable"
        lines += [
            f"Key name: {pair.label}",
            " Storage Device: not specified",
            f" Usage: {pair.usage} Key",
            f" Key is {exportable}.",
            " Key Data:",
            *hex_lines(pair.public_der()),
        ]
    return "\n".join([*lines, ""])
