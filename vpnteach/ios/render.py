"""``show running-config``: a :class:`RouterConfig` in IOS 12.4's canonical form.

What IOS does to a configuration on its way into the running config, and so do we:

* sections in IOS's order (hostname, clock, domain, PKI, ISAKMP, IPsec, crypto maps,
  interfaces, routes, access lists, NTP), separated by ``!``;
* keywords in their stored spelling: ``encryption 3des`` is shown as ``encr 3des``,
  ``ip domain-name`` as ``ip domain name``;
* default values are not shown: a policy with DES, SHA, rsa-sig, group 1 and 86400 s shows no
  line for them, a transform set in tunnel mode shows no ``mode``;
* a few lines end with a space, as IOS prints them (``crypto map CRYPTO 10 ipsec-isakmp ``,
  ``set transform-set TS ``, ``crypto ipsec transform-set TS esp-3des esp-md5-hmac ``);
* ``crypto isakmp aggressive-mode disable`` follows the ``crypto isakmp key`` lines, then come
  the ``crypto isakmp peer address`` blocks (``set aggressive-mode password``, then
  ``client-endpoint``), ``!`` between blocks;
* ``crypto key pubkey-chain rsa`` follows the ISAKMP lines, each key with its ``address`` and
  its ``key-string`` in 8 groups of 8 hex digits a line, closed by ``quit``;
* ``crypto key generate rsa`` is never shown (the keys live in private NVRAM); pass
  ``include_keys=True`` to write it anyway, so that the text rebuilds the same object.
"""

from __future__ import annotations

from collections.abc import Iterator

from vpnteach.ike.policy import (
    GLOBAL_SA_LIFETIME_KILOBYTES,
    GLOBAL_SA_LIFETIME_SECONDS,
    AccessList,
    IsakmpPolicy,
    TransformSet,
)
from vpnteach.ios import ikev2, isakmp_peer, pubkey, vti
from vpnteach.ios.argtypes import interface_rank
from vpnteach.ios.model import (
    CryptoMapSpec,
    InterfaceConfig,
    RouterConfig,
    RsaKeyCommand,
    StaticRoute,
    TrustpointConfig,
)

_DEFAULT_POLICY = IsakmpPolicy(1)


def running_config(config: RouterConfig, include_keys: bool = False) -> str:
    """The whole running configuration, ending with ``end``."""
    sections = [
        [f"hostname {config.hostname}"],
        _clock(config),
        _domain(config),
        [_key_line(k) for k in config.rsa_key_commands] if include_keys else [],
        *(_trustpoint(t) for t in config.trustpoints.values()),
        *(_policy(config.isakmp_policies[p]) for p in sorted(config.isakmp_policies)),
        list(_isakmp_globals(config)),
        isakmp_peer.running_config_lines(config),
        pubkey.running_config_lines(config),
        *ikev2.running_config_sections(config),
        list(_ipsec_lifetimes(config)),
        *(_transform_set(t) for t in config.transform_sets.values()),
        *vti.running_config_sections(config),
        *(_crypto_map(s) for m in config.crypto_maps.values() for s in _by_seq(m)),
        *(_interface(config.interfaces[n]) for n in _interface_order(config)),
        [_route(r) for r in config.static_routes],
        *(_access_list(a) for a in config.access_lists.values()),
        [f"ntp server {server}" for server in config.ntp_servers],
    ]
    lines = ["!"]
    for section in sections:
        if section:
            lines += [*section, "!"]
    return "\n".join([*lines, "end", ""])


def _clock(config: RouterConfig) -> list[str]:
    tz = config.clock_timezone
    if tz is None:
        return []
    minutes = f" {tz.minutes}" if tz.minutes else ""
    return [f"clock timezone {tz.zone} {tz.hours}{minutes}"]


def _domain(config: RouterConfig) -> list[str]:
    return [f"ip domain name {config.domain_name}"] if config.domain_name else []


def _key_line(key: RsaKeyCommand) -> str:
    words = ["crypto key generate rsa", key.usage, f"modulus {key.modulus}"]
    words += [f"label {key.label}"] if key.label else []
    words += ["exportable"] if key.exportable else []
    return " ".join(words)


def _trustpoint(tp: TrustpointConfig) -> list[str]:
    lines = [f"crypto pki trustpoint {tp.name}"]
    lines += [" enrollment mode ra"] if tp.enrollment_mode_ra else []
    lines += [f" enrollment url {tp.enrollment_url}"] if tp.enrollment_url else []
    lines += [f" ip-address {tp.ip_address}"] if tp.ip_address else []
    if tp.revocation_check != ("crl",):
        lines.append(f" revocation-check {' '.join(tp.revocation_check)}")
    lines += [f" rsakeypair {tp.rsakeypair}"] if tp.rsakeypair else []
    return lines


def _policy(policy: IsakmpPolicy) -> list[str]:
    lines = [f"crypto isakmp policy {policy.priority}"]
    if policy.encryption != _DEFAULT_POLICY.encryption:
        bits = f" {policy.key_length}" if policy.key_length not in (None, 128) else ""
        lines.append(f" encr {policy.encryption}{bits}")
    if policy.hash != _DEFAULT_POLICY.hash:
        lines.append(f" hash {policy.hash}")
    if policy.authentication != _DEFAULT_POLICY.authentication:
        lines.append(f" authentication {policy.authentication}")
    if policy.group != _DEFAULT_POLICY.group:
        lines.append(f" group {policy.group}")
    if policy.lifetime != _DEFAULT_POLICY.lifetime:
        lines.append(f" lifetime {policy.lifetime}")
    return lines


def _isakmp_globals(config: RouterConfig) -> Iterator[str]:
    for key in config.isakmp_keys.values():
        yield f"crypto isakmp key {key.key} address {key.address}"
    if config.aggressive_mode_disable:
        yield "crypto isakmp aggressive-mode disable"
    if config.in_negotiation_sa is not None:
        yield f"crypto call admission limit ike in-negotiation-sa {config.in_negotiation_sa}"
    dpd = config.isakmp_keepalive
    if dpd is not None:
        yield f"crypto isakmp keepalive {dpd.seconds} {dpd.retry}" + (
            " periodic" if dpd.mode == "periodic" else ""
        )
    if config.isakmp_identity != "address":
        yield f"crypto isakmp identity {config.isakmp_identity}"


def _ipsec_lifetimes(config: RouterConfig) -> Iterator[str]:
    if config.sa_lifetime_seconds != GLOBAL_SA_LIFETIME_SECONDS:
        yield f"crypto ipsec security-association lifetime seconds {config.sa_lifetime_seconds}"
    if config.sa_lifetime_kilobytes != GLOBAL_SA_LIFETIME_KILOBYTES:
        kilobytes = config.sa_lifetime_kilobytes
        yield f"crypto ipsec security-association lifetime kilobytes {kilobytes}"


def _transform_set(ts: TransformSet) -> list[str]:
    lines = [f"crypto ipsec transform-set {ts.name} {' '.join(ts.transforms)} "]
    return lines + ([f" mode {ts.mode}"] if ts.mode != "tunnel" else [])


def _by_seq(entries: object) -> list[CryptoMapSpec]:
    specs: dict[int, CryptoMapSpec] = dict(entries)  # type: ignore[call-overload]
    return [specs[seq] for seq in sorted(specs)]


def _crypto_map(spec: CryptoMapSpec) -> list[str]:
    lines = [f"crypto map {spec.name} {spec.seq} ipsec-isakmp "]
    lines += [f" set peer {peer}" for peer in spec.peers]
    if spec.lifetime_seconds is not None:
        lines.append(f" set security-association lifetime seconds {spec.lifetime_seconds}")
    if spec.lifetime_kilobytes is not None:
        lines.append(f" set security-association lifetime kilobytes {spec.lifetime_kilobytes}")
    if spec.transform_sets:
        lines.append(f" set transform-set {' '.join(spec.transform_sets)} ")
    if spec.pfs_group is not None:
        lines.append(f" set pfs group{spec.pfs_group}")
    lines += [f" set ikev2-profile {spec.ikev2_profile}"] if spec.ikev2_profile else []
    lines += [f" match address {spec.match_address}"] if spec.match_address else []
    return lines


def _interface_order(config: RouterConfig) -> list[str]:
    return sorted(config.interfaces, key=interface_rank)


def _interface(interface: InterfaceConfig) -> list[str]:
    lines = [f"interface {interface.name}"]
    lines += [f" description {interface.description}"] if interface.description else []
    if interface.address is not None:
        lines.append(f" ip address {interface.address} {interface.mask}")
    elif interface.unnumbered is not None:
        lines.append(f" ip unnumbered {interface.unnumbered}")
    else:
        lines.append(" no ip address")
    lines += vti.interface_lines(interface)
    lines += [f" crypto map {interface.crypto_map}"] if interface.crypto_map else []
    lines += [" shutdown"] if interface.shutdown else []
    return lines


def _route(route: StaticRoute) -> str:
    via = " ".join(w for w in (route.interface, route.next_hop) if w)
    return f"ip route {route.prefix} {route.mask} {via}"


def _access_list(acl: AccessList) -> list[str]:
    if acl.name.isdigit():
        return [f"access-list {acl.name} {entry.ios_text()}" for entry in acl.entries]
    return [f"ip access-list extended {acl.name}", *(f" {e.ios_text()}" for e in acl.entries)]
