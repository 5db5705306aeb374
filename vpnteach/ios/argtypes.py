"""Argument types of the IOS grammars that need more than one word or a model's table.

Each is an :data:`~vpnteach.ios.grammar.ArgParser`: ``parse(words, i) -> (value, next_i)``,
raising :class:`~vpnteach.ios.grammar.Mismatch` with what IOS would have accepted. The word
lists come from the IKE model's own tables (``ENCRYPTION_IDS``, ``ESP_CIPHERS``, ...), so the
parser accepts exactly what the model can build.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from ipaddress import IPv4Address

from vpnteach.ike.policy import (
    AES_KEY_LENGTHS,
    ENCRYPTION_IDS,
    ESP_AUTHS,
    ESP_CIPHERS,
    GROUP_BITS,
    AddressMatch,
)
from vpnteach.ios.grammar import ArgParser, Mismatch, int_range, ipv4_arg
from vpnteach.ios.model import RsaKeyCommand

_AES_BITS = tuple(str(b) for b in AES_KEY_LENGTHS)


def ike_cipher(words: Sequence[str], i: int) -> tuple[tuple[str, int | None], int]:
    """``des`` | ``3des`` | ``aes [128|192|256]`` (``encryption`` in config-isakmp)."""
    expected = [*(c for c in ENCRYPTION_IDS if c != "aes"), f"aes [{'|'.join(_AES_BITS)}]"]
    if i >= len(words) or words[i].lower() not in ENCRYPTION_IDS:
        raise Mismatch(i, expected)
    cipher = words[i].lower()
    if cipher == "aes" and i + 1 < len(words):
        if words[i + 1] not in _AES_BITS:
            raise Mismatch(i + 1, [*_AES_BITS, "end of command"])
        return (cipher, int(words[i + 1])), i + 2
    return (cipher, None), i + 1


def esp_transforms(words: Sequence[str], i: int) -> tuple[tuple[str, ...], int]:
    """The transforms of ``crypto ipsec transform-set NAME ...`` (one or more words)."""
    known = [*ESP_CIPHERS, *ESP_AUTHS]
    if i >= len(words):
        raise Mismatch(i, known)
    for k in range(i, len(words)):
        word = words[k].lower()
        after_aes = k > i and words[k - 1].lower() in ("esp-aes", "esp-gcm")
        if word not in known and not (after_aes and word in _AES_BITS):
            raise Mismatch(k, [*known, *(_AES_BITS if after_aes else ())])
    return tuple(w.lower() for w in words[i:]), len(words)


def acl_address(words: Sequence[str], i: int) -> tuple[AddressMatch, int]:
    """``any`` | ``host A.B.C.D`` | ``A.B.C.D WILDCARD`` (one side of an ACL entry)."""
    first = words[i].lower() if i < len(words) else ""
    if first == "any":
        return AddressMatch.any(), i + 1
    if first == "host":
        address, nxt = ipv4_arg(words, i + 1)
        return AddressMatch.host(address), nxt
    try:
        address, nxt = ipv4_arg(words, i)
    except Mismatch:
        raise Mismatch(i, ["any", "host", "an IPv4 address A.B.C.D"]) from None
    wildcard, nxt = _dotted(words, nxt, "a wildcard mask such as 0.0.0.255")
    return AddressMatch(address, wildcard), nxt


def _dotted(words: Sequence[str], i: int, what: str) -> tuple[str, int]:
    try:
        return ipv4_arg(words, i)
    except Mismatch:
        raise Mismatch(i, [what]) from None


def subnet_mask(words: Sequence[str], i: int) -> tuple[str, int]:
    """A contiguous subnet mask such as ``255.255.255.0`` (ones, then zeros)."""
    what = "a subnet mask such as 255.255.255.0"
    mask, nxt = _dotted(words, i, what)
    host_bits = ~int(IPv4Address(mask)) & 0xFFFFFFFF
    if host_bits & (host_bits + 1):
        raise Mismatch(i, [what])
    return mask, nxt


def pfs_group(words: Sequence[str], i: int) -> tuple[int, int]:
    """``groupN`` (IOS) or ``group N`` (the seed's spelling) for ``set pfs``."""
    names = [f"group{g}" for g in GROUP_BITS]
    word = words[i].lower() if i < len(words) else ""
    if word in names:
        return int(word[5:]), i + 1
    if word == "group":
        group, nxt = int_range(min(GROUP_BITS), max(GROUP_BITS))(words, i + 1)
        if group not in GROUP_BITS:
            raise Mismatch(i + 1, [str(g) for g in GROUP_BITS])
        return group, nxt
    raise Mismatch(i, names)


def dh_group(words: Sequence[str], i: int) -> tuple[int, int]:
    """A Diffie-Hellman group number the model supports (``group`` in config-isakmp)."""
    numbers = [str(g) for g in GROUP_BITS]
    if i >= len(words) or words[i] not in numbers:
        raise Mismatch(i, numbers)
    return int(words[i]), i + 1


REVOCATION_METHODS = ("crl", "none", "ocsp")


def revocation_methods(words: Sequence[str], i: int) -> tuple[tuple[str, ...], int]:
    """``revocation-check`` methods, one or more, tried in order."""
    if i >= len(words):
        raise Mismatch(i, REVOCATION_METHODS)
    for k in range(i, len(words)):
        if words[k].lower() not in REVOCATION_METHODS:
            raise Mismatch(k, REVOCATION_METHODS)
    return tuple(w.lower() for w in words[i:]), len(words)


def transform_set_names(words: Sequence[str], i: int) -> tuple[tuple[str, ...], int]:
    """``set transform-set`` names: one to six."""
    if i >= len(words):
        raise Mismatch(i, ["a transform set name"])
    if len(words) - i > 6:
        raise Mismatch(i + 6, ["end of command (at most 6 transform sets)"])
    return tuple(words[i:]), len(words)


_RSA_FLAGS = {"general-keys": "usage", "usage-keys": "usage", "exportable": "exportable"}
MODULUS_EXPECTED = "a modulus of 1024-4096 bits, a multiple of 256 (the RSA keys vpnteach builds)"


def modulus_ok(bits: int) -> bool:
    """A modulus the key generator builds (IOS also takes 360-1023: too weak to model)."""
    return 1024 <= bits <= 4096 and bits % 256 == 0


def _MODULUS(words: Sequence[str], i: int) -> tuple[int, int]:
    bits, nxt = int_range(360, 4096)(words, i)
    if not modulus_ok(bits):
        raise Mismatch(i, [MODULUS_EXPECTED])
    return bits, nxt


def rsa_options(words: Sequence[str], i: int) -> tuple[RsaKeyCommand, int]:
    """The options of ``crypto key generate rsa``, in any order (all optional)."""
    found: dict[str, object] = {}
    while i < len(words):
        word = words[i].lower()
        if word in _RSA_FLAGS:
            key = _RSA_FLAGS[word]
            found[key] = word if key == "usage" else True
            i += 1
        elif word == "modulus":
            found["modulus"], i = _MODULUS(words, i + 1)
        elif word == "label":
            if i + 1 >= len(words):
                raise Mismatch(i + 1, ["a key label"])
            found["label"], i = words[i + 1], i + 2
        else:
            raise Mismatch(i, [*_RSA_FLAGS, "modulus", "label", "end of command"])
    return _rsa_command(found), i


def _rsa_command(found: dict[str, object]) -> RsaKeyCommand:
    label = found.get("label")
    modulus = found.get("modulus", 1024)  # IOS would prompt "How many bits in the modulus"
    return RsaKeyCommand(
        label=str(label) if label is not None else None,
        modulus=int(str(modulus)),
        exportable=bool(found.get("exportable", False)),
        usage=str(found.get("usage", "general-keys")),
    )


_HEX_WORD = re.compile(r"[0-9A-Fa-f]+")
HEX_EXPECTED = "hex digits 0-9 A-F (the key as show crypto key mypubkey rsa prints it)"


def hex_words(words: Sequence[str], i: int) -> tuple[str, int]:
    """A line of a ``key-string``: groups of hex digits (``30819F30 0D06092A ...``), joined."""
    if i >= len(words):
        raise Mismatch(i, [HEX_EXPECTED, "quit"])
    for k in range(i, len(words)):
        if not _HEX_WORD.fullmatch(words[k]):
            raise Mismatch(k, [HEX_EXPECTED] if k > i else [HEX_EXPECTED, "quit"])
    return "".join(words[i:]), len(words)


_ID_NAME = re.compile(r"[A-Za-z0-9._@-]+")
ID_NAME_EXPECTED = "a host name such as branch1.amit.com (ASCII letters, digits, . - _ @)"


def id_name(words: Sequence[str], i: int) -> tuple[str, int]:
    """A name an ID payload carries (``fqdn`` / ``user-fqdn``): ASCII only (RFC 2407 §4.6.2.1)."""
    if i >= len(words) or not _ID_NAME.fullmatch(words[i]):
        raise Mismatch(i, [ID_NAME_EXPECTED])
    return words[i], i + 1


_HOSTNAME = re.compile(r"[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_DOMAIN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")
HOSTNAME_EXPECTED = "a host name: a letter, then letters, digits or hyphens (at most 63)"
DOMAIN_EXPECTED = "a domain name such as amit.com (letters, digits, hyphens and dots)"


def _first_bad(word: str, allowed: str) -> int:
    for n, c in enumerate(word):
        if not (c.isascii() and (c.isalnum() or c in allowed)):
            return n
    return 0


def hostname(words: Sequence[str], i: int) -> tuple[str, int]:
    """``hostname NAME`` (RFC 1123 §2.1 labels, as IOS checks them)."""
    if i >= len(words) or not _HOSTNAME.fullmatch(words[i]):
        word = words[i] if i < len(words) else ""
        raise Mismatch(i, [HOSTNAME_EXPECTED], _first_bad(word, "-"))
    return words[i], i + 1


def domain_name(words: Sequence[str], i: int) -> tuple[str, int]:
    """``ip domain-name NAME``: dotted labels of letters, digits and hyphens."""
    if i >= len(words) or not _DOMAIN.fullmatch(words[i]):
        word = words[i] if i < len(words) else ""
        raise Mismatch(i, [DOMAIN_EXPECTED], _first_bad(word, "-."))
    return words[i], i + 1


#: Interface types: (IOS name, shortest abbreviation IOS accepts here).
INTERFACE_TYPES = (
    ("Ethernet", 1),
    ("FastEthernet", 1),
    ("GigabitEthernet", 1),
    ("Serial", 1),
    ("Loopback", 2),
    ("Tunnel", 2),
)
_IF_NAME = re.compile(r"([A-Za-z-]+)([0-9][0-9/.:]*)?")
_IF_NUMBER = re.compile(r"[0-9]+(/[0-9]+){0,2}(\.[0-9]+)?")


def _interface_type(word: str) -> str | None:
    lower = word.lower()
    for name, shortest in INTERFACE_TYPES:
        if len(lower) >= shortest and name.lower().startswith(lower):
            return name
    return None


def interface_name(words: Sequence[str], i: int) -> tuple[str, int]:
    """``Serial1/0``, ``serial 1/0``, ``s1/0``, ``fa0/0`` -> the canonical ``Serial1/0``."""
    types = [name for name, _ in INTERFACE_TYPES]
    found = _IF_NAME.fullmatch(words[i]) if i < len(words) else None
    kind = _interface_type(found.group(1)) if found else None
    if found is None or kind is None:
        raise Mismatch(i, types)
    number, nxt = found.group(2), i + 1
    if number is None:
        number = words[nxt] if nxt < len(words) else ""
        nxt += 1
    if not _IF_NUMBER.fullmatch(number):
        raise Mismatch(nxt - 1, [f"an interface number such as 1/0 ({kind})"])
    return f"{kind}{number}", nxt


def tunnel_interface(words: Sequence[str], i: int) -> tuple[str, int]:
    """``Tunnel0`` (``tu 0``): an interface whose mode has the ``tunnel`` lines."""
    name, nxt = interface_name(words, i)
    if not name.startswith("Tunnel"):
        raise Mismatch(i, ["Tunnel"])
    return name, nxt


def interface_rank(name: str) -> tuple[int, tuple[int, ...]]:
    """Sort key giving IOS's interface order (by type, then by number)."""
    found = _IF_NAME.fullmatch(name)
    kind = found.group(1) if found else name
    ranks = [n for n, _ in INTERFACE_TYPES]
    numbers = tuple(int(n) for n in re.findall(r"[0-9]+", name))
    return (ranks.index(kind) if kind in ranks else len(ranks), numbers)


ARG_TYPES: dict[str, ArgParser] = {
    "ike_cipher": ike_cipher,
    "esp_transforms": esp_transforms,
    "acl_address": acl_address,
    "mask": subnet_mask,
    "pfs_group": pfs_group,
    "dh_group": dh_group,
    "revocation": revocation_methods,
    "ts_names": transform_set_names,
    "rsa_options": rsa_options,
    "interface": interface_name,
    "tunnel_interface": tunnel_interface,
    "hex_words": hex_words,
    "id_name": id_name,
    "hostname": hostname,
    "domain": domain_name,
}
"""The IOS-specific argument types, by the name patterns use."""
