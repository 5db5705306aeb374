"""What IOS's ``?`` says about each keyword and argument, and the IOS commands not modelled.

Help texts are IOS 12.4's own one-line descriptions as its context-sensitive help prints them
(Cisco IOS Configuration Fundamentals Configuration Guide, "Using the Cisco IOS Command-Line
Interface", "Getting Help"; the wording of each line is IOS 12.4T's ``?`` output). The
``UNMODELLED_*`` lists name IOS commands of a mode that vpnteach does not model: they take part
in abbreviation, so ``s`` stays ambiguous in EXEC mode as on a real router (``show``, ``ssh``,
``send``, ``set``, ``setup``), but ``?`` does not list them.
"""

from __future__ import annotations

from vpnteach.ios.grammar import HelpLines

KEYWORD_HELP: dict[str, str] = {
    # exec
    "clear": "Reset functions",
    "clock": "Manage the system clock",
    "configure": "Enter configuration mode",
    "copy": "Copy from one file to another",
    "debug": "Debugging functions (see also 'undebug')",
    "disable": "Turn off privileged commands",
    "enable": "Turn on privileged commands",
    "logout": "Exit from the EXEC",
    "ping": "Send echo messages",
    "show": "Show running system information",
    "terminal": "Configure from the terminal",
    "undebug": "Disable debugging functions (see also 'debug')",
    "all": "Enable all debugging",
    "set": "Set the time and date",
    "source": "specify source address or name",
    "repeat": "specify repeat count",
    "size": "specify datagram size",
    "timeout": "specify timeout interval",
    "running-config": "Current operating configuration",
    "history": "Display the session command history",
    "certificates": "Show certificates",
    "trustpoints": "Show trustpoints",
    "sa": "IPSEC SA table",
    "detail": "detailed SA information",
    "verbose": "Display verbose information",
    "policy": "Set policy for an ISAKMP protection suite",
    "mypubkey": "Show public keys associated with this router",
    "transform-set": "Define transform and settings",
    "tag": "Crypto map tag",
    "router": "vpnteach's router process (not IOS)",
    "counters": "Packets the router process handled, by kind (not IOS)",
    # global configuration
    "access-list": "Add an access list entry",
    "crypto": "Encryption module",
    "do": "To run exec commands in config mode",
    "end": "Exit from configure mode",
    "exit": "Exit from configure mode",
    "hostname": "Set system's network name",
    "interface": "Select an interface to configure",
    "ip": "Global IP configuration subcommands",
    "no": "Negate a command or set its defaults",
    "ntp": "Configure NTP",
    "server": "Configure NTP server",
    "timezone": "Configure time zone",
    "domain-name": "Define the default domain name",
    "domain": "IP DNS Resolver",
    "route": "Establish static routes",
    "ca": "Certification authority",
    "pki": "Public Key components",
    "ipsec": "Configure IPSEC policy",
    "isakmp": "Configure ISAKMP policy",
    "key": "Long term key operations",
    "map": "Enter a crypto map",
    "generate": "Generate new keys",
    "rsa": "Generate RSA keys",
    "pubkey-chain": "Peer public key chain management",
    "trustpoint": "Define a CA trustpoint",
    "authenticate": "Get the certification authority certificate",
    "enroll": "Request a certificate from a CA",
    "identity": "Set the identity which ISAKMP will use",
    "keepalive": "Set a keepalive interval for use with IOS peers",
    "peer": "ISAKMP peer policy",
    "aggressive-mode": "Disable ISAKMP aggressive mode",
    "security-association": "Security association parameters",
    "access-list-extended": "Extended Access List",
    "extended": "Extended Access List",
    "address": "match address of packets to encrypt",
    # config-isakmp
    "authentication": "Set authentication method for protection suite",
    "encryption": "Set encryption algorithm for protection suite",
    "group": "Set the Diffie-Hellman group",
    "hash": "Set hash algorithm for protection suite",
    "lifetime": "Set lifetime for ISAKMP security association",
    "des": "DES - Data Encryption Standard (56 bit keys).",
    "3des": "Three key triple DES",
    "aes": "AES - Advanced Encryption Standard.",
    "md5": "Message Digest 5",
    "sha": "Secure Hash Standard",
    "pre-share": "Pre-Shared Key",
    "rsa-encr": "Rsa encryption",
    "rsa-sig": "Rsa signature",
    # ca-trustpoint
    "enrollment": "Enrollment parameters",
    "url": "Enrollment URL",
    "mode": "Mode supported by the Certificate Authority",
    "ra": "Mode supported by the Certificate Authority",
    "rsakeypair": "Specify rsakeypair label",
    "revocation-check": "Revocation checking options",
    "ip-address": "Include IP address in the certificate",
    # config-crypto-map
    "match": "Match values.",
    "transform-sets": "Specify list of transform sets in priority order",
    "pfs": "Specify pfs settings",
    # config-if
    "description": "Interface specific description",
    "shutdown": "Shutdown the selected interface",
    # config-ext-nacl
    "permit": "Specify packets to forward",
    "deny": "Specify packets to reject",
    "any": "Any source host",
    "host": "A single source host",
    # pubkey chain
    "addressed-key": "Configure a peer's public key by IP address",
    "named-key": "Configure a peer's public key by name",
    "key-string": "Enter a public key as a hexidecimal number",
    "quit": "Exit the data entry mode",
    # config-isakmp-peer, cfg-crypto-trans
    "client-endpoint": "Specify the tunnel-client-endpoint attribute",
    "password": "Specify the tunnel-password attribute",
    "transport": "transport (payload encapsulation).",
    "tunnel": "tunnel (datagram encapsulation).",
}
"""IOS's help line for each keyword; a key of several words is the line for the last word at
that place (``"debug crypto isakmp"``), where IOS words it differently."""

KEYWORD_HELP.update(
    {
        "show crypto": "Encryption module",
        "show crypto isakmp": "Show ISAKMP",
        "show crypto isakmp sa": "Show ISAKMP Security Associations",
        "show crypto isakmp policy": "Show ISAKMP protection suite policies",
        "show crypto ipsec": "Show IPSEC setting",
        "show crypto ipsec sa": "IPSEC SA table",
        "show crypto ipsec transform-set": "Crypto transform sets",
        "show crypto key": "Show long term public keys",
        "show crypto map": "Crypto maps",
        "show crypto pki": "Show PKI",
        "show router": "vpnteach's router process (not IOS)",
        "debug crypto": "Cryptographic subsystem",
        "debug crypto isakmp": "ISAKMP Key Management",
        "debug crypto ipsec": "IPSEC processing",
        "undebug crypto isakmp": "ISAKMP Key Management",
        "undebug crypto ipsec": "IPSEC processing",
        "clear crypto": "Encryption module",
        "clear crypto sa": "Clear all IPSEC security associations",
        "clear crypto isakmp": "Flush the ISAKMP database",
        "clear crypto sa peer": "Clear all IPSEC SAs for a given crypto peer",
        "clear crypto ikev2": "Clear IKEv2 SAs",
        "clear crypto ikev2 sa": "Clear IKEV2 SA",
        "clear crypto session": "Clear crypto session",
        "clear crypto session remote": "Remote IKE peer",
        "crypto isakmp key": "Set pre-shared key for remote peer",
        "crypto key generate": "Generate new keys",
        "no crypto isakmp key": "Set pre-shared key for remote peer",
    }
)

KEYWORD_HELP.update(
    {
        "crypto ikev2": "Configure IKEv2 Options",
        "crypto ikev2 cookie-challenge": "Enable cookie-challenge for IKEv2",
        "crypto ikev2 keyring": "Define IKEv2 keyring",
        "crypto ikev2 policy": "Define IKEV2 policies",
        "crypto ikev2 profile": "Define IKEv2 profiles",
        "crypto ikev2 proposal": "Define IKEV2 proposals",
        "set ikev2-profile": "Specify ikev2 Profile",
        "show crypto ikev2": "Shows ikev2 information",
        "show crypto ikev2 sa": "Shows ikev2 SAs",
        "show crypto ikev2 sa detailed": "Shows IKEv2 SA details",
        "show crypto ikev2 proposal": "Show IKEv2 proposals",
        "debug crypto ikev2": "IKEv2 Key Management",
        "undebug crypto ikev2": "IKEv2 Key Management",
        "aes-cbc-128": "AES-CBC-128",
        "aes-cbc-192": "AES-CBC-192",
        "aes-cbc-256": "AES-CBC-256",
        "aes-gcm-128": "Combined-mode,128 bit key,16 byte ICV(Authentication Tag)",
        "aes-gcm-256": "Combined-mode,256 bit key,16 byte ICV(Authentication Tag)",
        "sha1": "Secure Hash Standard",
        "sha256": "Secure Hash Standard 2 (256 bit)",
        "sha384": "Secure Hash Standard 2 (384 bit)",
        "sha512": "Secure Hash Standard 2 (512 bit)",
    }
)

KEYWORD_HELP["crypto ipsec profile"] = "Configure an ipsec policy profile"
KEYWORD_HELP["show crypto session"] = "Show crypto sessions (tunnels)"
KEYWORD_HELP["show interfaces"] = "Interface status and configuration"
KEYWORD_HELP["show ip"] = "IP information"
KEYWORD_HELP["show ip interface"] = "IP interface status and configuration"
KEYWORD_HELP["show ip interface brief"] = "Brief summary of IP status and configuration"

_TUNNEL_HELP = {
    "tunnel": "protocol-over-protocol tunneling",
    "tunnel source": "source of tunnel packets",
    "tunnel destination": "destination of tunnel",
    "tunnel mode": "tunnel encapsulation method",
    "tunnel mode ipsec": "IPSec tunnel encapsulation",
    "tunnel mode ipsec ipv4": "over IPv4",
    "tunnel mode gre": "generic route encapsulation protocol",
    "tunnel mode gre ip": "over IP",
    "tunnel protection": "Enable tunnel protection",
    "tunnel protection ipsec": "Enable IPSec tunnel protection",
    "tunnel protection ipsec profile": "Determine the ipsec policy profile to use.",
    "ip address": "Set the IP address of an interface",
    "ip unnumbered": "Enable IP processing without an explicit address",
}
"""``config-if``'s help for a tunnel interface's lines (IOS 15), by place; ``no`` too."""

MODE_HELP: dict[str, dict[str, str]] = {
    "config-if-tunnel": {**_TUNNEL_HELP, **{f"no {k}": v for k, v in _TUNNEL_HELP.items()}},
    "ipsec-profile": {
        "set": "Specify a parameter",
        "exit": "Exit from crypto ipsec profile sub mode",
        "transform-set": "Specify list of transform sets in priority order",
        "ikev2-profile": "Specify ikev2 Profile",
        "security-association": "Security association parameters",
    },
    "config-ikev2-proposal": {
        "encryption": "Set encryption algorithm(s)",
        "group": "Set the Diffie-Hellman group(s)",
        "integrity": "Set integrity hash algorithm(s)",
        "prf": "Set prf algorithm(s)",
        **{
            str(g): f"DH {bits} MODP"
            for g, bits in ((1, 768), (2, 1024), (5, 1536), (14, 2048), (15, 3072), (16, 4096))
        },
    },
    "config-ikev2-policy": {"proposal": "Specify Proposal"},
    "config-ikev2-keyring": {"peer": "Configure a Peer and associated keys"},
    "config-ikev2-keyring-peer": {
        "address": "IP address",
        "pre-shared-key": "Configure a pre-shared key",
    },
    "config-ikev2-profile": {
        "address": "IP Address(es)",
        "authentication": "Set authentication method",
        "identity": "Specify IKEv2 local identity",
        "keyring": "Specify keyring",
        "lifetime": "Set lifetime for IKEv2 SAs",
        "dpd": "Enable IKE liveness check for peers",
        "on-demand": "Send liveness query only if no inbound traffic",
        "periodic": "Send liveness query at regular intervals",
        "match": "Match values of peer",
        "pki": "Specify pki trustpoints",
        "local": "Local",
        "remote": "Remote",
        "dn": "Distinguished Name",
        "fqdn": "Fully qualified domain name string",
        "trustpoint": "Specify trustpoint(s)",
    },
}
"""Where a sub-mode's ``?`` words a keyword differently from :data:`KEYWORD_HELP` (IOS 15's
FlexVPN modes: ``encryption`` is "Set encryption algorithm(s)" there)."""

EXEC_HELP = {**KEYWORD_HELP, "exit": "Exit from the EXEC"}
"""EXEC mode's wording where it differs (``exit`` leaves the session, not a mode)."""

ARGUMENT_HELP: dict[str, str] = {
    "priority": "Priority of protection suite",
    "name": "Name",
    "address": "IP address",
    "seq": "Sequence to insert into crypto map entry",
    "dst": "Ping destination address or hostname",
    "tp": "Trustpoint name",
    "lifetime": "lifetime in seconds",
    "key": "pre-shared key",
    "when": "Current Time (hh:mm:ss)",
    "profile": "Name of ikev2 Profile",
    "ikev2_profile": "Name of ikev2 Profile",
    "ipsec_profile": "Name of the IPsec profile",
    "next_hop": "Forwarding router's address",
}
"""IOS's help line for an argument, by its name in the patterns."""

TYPE_HELP: dict[str, HelpLines] = {
    "ike_cipher": (
        ("3des", KEYWORD_HELP["3des"]),
        ("aes", KEYWORD_HELP["aes"]),
        ("des", KEYWORD_HELP["des"]),
    ),
    "esp_transforms": (("esp-3des", "ESP transform using 3DES(EDE) cipher (168 bits)"),
                       ("esp-aes", "ESP transform using AES cipher"),
                       ("esp-des", "ESP transform using DES cipher (56 bits)"),
                       ("esp-gcm", "ESP transform using GCM cipher"),
                       ("esp-md5-hmac", "ESP transform using HMAC-MD5 auth"),
                       ("esp-sha-hmac", "ESP transform using HMAC-SHA auth")),
    "acl_address": (("A.B.C.D", "Source address"), ("any", "Any source host"),
                    ("host", "A single source host")),
    "mask": (("A.B.C.D", "Mask"),),
    "pfs_group": (("group1", "D-H Group1 (768-bit modulus) exchange."),
                  ("group14", "D-H Group14 (2048-bit modulus) exchange."),
                  ("group2", "D-H Group2 (1024-bit modulus) exchange."),
                  ("group5", "D-H Group5 (1536-bit modulus) exchange.")),
    "dh_group": (("1", "Diffie-Hellman group 1"), ("14", "Diffie-Hellman group 14"),
                 ("2", "Diffie-Hellman group 2"), ("5", "Diffie-Hellman group 5")),
    "revocation": (("crl", "Revocation check by CRL"), ("none", "Ignore revocation check"),
                   ("ocsp", "Revocation check by OCSP")),
    "ts_names": (("WORD", "Proposal tag"),),
    "rsa_options": (("exportable", "Allow the key to be exported"),
                    ("general-keys", "Generate a general purpose RSA key pair for signing "
                     "and encryption"),
                    ("label", "Provide a label"),
                    ("modulus", "Provide number of modulus bits on the command line"),
                    ("usage-keys", "Generate separate RSA key pairs for signing and "
                     "encryption")),
    "interface": (("FastEthernet", "FastEthernet IEEE 802.3"), ("Loopback", "Loopback interface"),
                  ("Serial", "Serial"), ("Tunnel", "Tunnel interface")),
    "tunnel_interface": (("Tunnel", "Tunnel interface"),),
    "hex_words": (("LINE", "Hexadecimal key data"),),
    "id_name": (("WORD", "Fully qualified domain name"),),
    "ping_options": (("repeat", KEYWORD_HELP["repeat"]), ("size", KEYWORD_HELP["size"]),
                     ("source", KEYWORD_HELP["source"]), ("timeout", KEYWORD_HELP["timeout"])),
    "clock_time": (("hh:mm:ss", "Current Time"),),
    "hostname": (("WORD", "This system's network name"),),
    "domain": (("WORD", "Default domain name"),),
}  # fmt: skip
"""What ``?`` lists for the IOS argument types of :mod:`vpnteach.ios.argtypes`."""

UNMODELLED_EXEC = (
    "access-enable", "archive", "cd", "cns", "connect", "copy", "delete", "dir", "disconnect",
    "erase", "event", "format", "help", "lock", "login", "mkdir", "more", "mrinfo", "mstat",
    "mtrace", "name-connection", "ppp", "pwd", "reload", "rename", "resume", "rlogin", "rmdir",
    "rsh", "send", "set", "setup", "slip", "squeeze", "ssh", "start-chat", "systat", "tclsh",
    "telnet", "terminal", "test", "traceroute", "tunnel", "udptn", "verify", "where",
    "which-route", "write", "x28", "x3",
)  # fmt: skip
"""IOS 12.4 EXEC commands vpnteach does not model (they make ``s``, ``c``, ``d`` ambiguous)."""

UNMODELLED_CONFIG = (
    "aaa", "alias", "archive", "arp", "banner", "boot", "buffers", "call", "cdp",
    "chat-script", "class-map", "config-register", "control-plane", "default", "dial-peer",
    "enable", "file", "ipv6", "key", "line", "logging", "map-class", "menu", "policy-map",
    "privilege", "router", "service", "snmp-server", "username",
)  # fmt: skip
"""IOS 12.4 global configuration commands vpnteach does not model."""
