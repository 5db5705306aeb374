"""IOS configuration: parse the seed's router configs, edit them, render ``show`` output.

>>> from vpnteach.ios import parse_config
>>> cfg = parse_config("hostname Branch1\\ncrypto isakmp policy 10\\n encryption 3des\\n")
>>> cfg.isakmp_policies[10].encryption
'3des'

What is accepted (the full list, generated from the grammar tables, is
:func:`vpnteach.ios.commands.command_reference`):

* global: ``hostname``, ``ip domain-name`` / ``ip domain name``, ``ntp server``,
  ``clock timezone``, ``crypto key generate rsa`` (options in any order), ``crypto pki|ca
  trustpoint``, ``crypto isakmp policy|key|identity|keepalive``, ``crypto isakmp
  aggressive-mode disable``, ``crypto isakmp peer address A`` (:mod:`vpnteach.ios.isakmp_peer`),
  ``crypto ipsec transform-set``, ``crypto ipsec security-association lifetime
  seconds|kilobytes``, ``crypto key pubkey-chain rsa``, ``ip access-list extended``,
  ``access-list 100-199``, ``crypto map NAME SEQ [ipsec-isakmp]``, ``interface``, ``ip route``,
  ``end``, ``exit``, and a ``no`` form of each that can be undone;
* sub-modes: config-isakmp (``encryption`` / ``authentication`` / ``hash`` / ``group`` /
  ``lifetime``), ca-trustpoint (``enrollment url``, ``enrollment mode ra``, ``rsakeypair``,
  ``revocation-check``, ``ip-address``), cfg-crypto-trans (``mode``), config-ext-nacl
  (``permit|deny ip SRC DST`` with ``any`` / ``host A`` / ``A WILDCARD``), config-pubkey-chain
  (``addressed-key A``, ``named-key NAME``), config-pubkey-key (``address``, ``key-string``
  then hex lines until ``quit``: :mod:`vpnteach.ios.pubkey`), config-isakmp-peer
  (``set aggressive-mode password KEY``, ``set aggressive-mode client-endpoint
  ipv4-address A | fqdn NAME | user-fqdn USER@NAME``), config-crypto-map
  (``match address``, ``set peer``, ``set transform-set``, ``set pfs [groupN | group N]``,
  ``set security-association lifetime``), config-if (``ip address``, ``crypto map``,
  ``shutdown``, ``description``);
* spellings: keywords in any case, shortened to any prefix no other keyword at that place
  begins (:mod:`vpnteach.ios.tree`; ``cry isa pol 10``, ``int s1/0``, ``en 3des``); interface
  names such as ``Serial1/0``,
  ``serial 1/0``, ``s1/0``, ``fa0/0``, ``gi0/1``, ``lo0``; ``!`` comment lines, blank lines,
  indentation, and a pasted console prompt (``Branch1(config-if)#``).
* not accepted, like IOS: text glued after a command (the tutorial's ``ra! Required ...``), a
  command wrapped onto two lines (``crypto map CRYPTO`` / ``10 ipsec-isakmp``). Not modelled:
  AH transforms, ACL protocols other than ``ip``, dynamic maps. ``crypto pki authenticate`` /
  ``enroll`` are known (for ``?`` and abbreviation) but refused in configuration text: they
  are dialogues, held by the console (:mod:`vpnteach.ios.console`).

EXEC commands, for every front end: :mod:`vpnteach.ios.execmode`; the IOS console engine:
:mod:`vpnteach.ios.console`.
"""

from __future__ import annotations

from vpnteach.ios.commands import command_reference
from vpnteach.ios.config import ApplyResult, apply_commands, parse_config, try_apply
from vpnteach.ios.errors import ConfigWarning, IosConfigError
from vpnteach.ios.model import (
    ClockTimezone,
    CryptoMapSpec,
    InterfaceConfig,
    IsakmpKeepalive,
    IsakmpPeerConfig,
    PubkeyEntry,
    RouterConfig,
    RsaKeyCommand,
    StaticRoute,
    TrustpointConfig,
)
from vpnteach.ios.pubkey import show_crypto_key_mypubkey_rsa, show_crypto_key_pubkey_chain
from vpnteach.ios.show import (
    run_show,
    show_crypto_ipsec_transform_set,
    show_crypto_map,
    show_running_config,
)

__all__ = [
    "ApplyResult",
    "ClockTimezone",
    "ConfigWarning",
    "CryptoMapSpec",
    "InterfaceConfig",
    "IosConfigError",
    "IsakmpKeepalive",
    "IsakmpPeerConfig",
    "PubkeyEntry",
    "RouterConfig",
    "RsaKeyCommand",
    "StaticRoute",
    "TrustpointConfig",
    "apply_commands",
    "command_reference",
    "parse_config",
    "run_show",
    "show_crypto_ipsec_transform_set",
    "show_crypto_key_mypubkey_rsa",
    "show_crypto_key_pubkey_chain",
    "show_crypto_map",
    "show_running_config",
    "try_apply",
]
