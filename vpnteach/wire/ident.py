"""Identification data of the IPsec DOI (RFC 2407 §4.6.2.2–4.6.2.12), as Python values.

=========================  ===============================  =======================================
ID type                    Identification Data              Python value
=========================  ===============================  =======================================
ID_IPV4_ADDR (1)           4-byte address                   ``ipaddress.IPv4Address``
ID_FQDN (2)                ASCII name, no terminator        ``str``
ID_USER_FQDN (3)           ASCII ``user@domain``            ``str``
ID_IPV4_ADDR_SUBNET (4)    address, then 4-byte mask        ``ipaddress.IPv4Network``
ID_IPV4_ADDR_RANGE (7)     first address, last address      ``tuple[IPv4Address, IPv4Address]``
ID_DER_ASN1_DN (9)         DER Name (X.501)                 ``bytes`` (the DER)
=========================  ===============================  =======================================

The IPv6 forms are analogous; any other type gives the raw ``bytes``.
"""

from __future__ import annotations

import functools
import ipaddress

from vpnteach.wire.constants import IdType

IdValue = (
    ipaddress.IPv4Address
    | ipaddress.IPv6Address
    | ipaddress.IPv4Network
    | ipaddress.IPv6Network
    | tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]
    | str
    | bytes
)

_ADDRESS = {IdType.ID_IPV4_ADDR: 4, IdType.ID_IPV6_ADDR: 16}
_SUBNET = {IdType.ID_IPV4_ADDR_SUBNET: 4, IdType.ID_IPV6_ADDR_SUBNET: 16}
_RANGE = {IdType.ID_IPV4_ADDR_RANGE: 4, IdType.ID_IPV6_ADDR_RANGE: 16}


class IdentificationError(ValueError):
    """Identification data that does not match its ID type."""


def _address(data: bytes) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(data)


def _sized(id_type: int, data: bytes, size: int) -> None:
    if len(data) != size:
        name = IdType(id_type).name
        raise IdentificationError(f"{name} needs {size} bytes of data, got {len(data)}")


def identification_value(id_type: int, data: bytes) -> IdValue:
    """Decode identification data by ID type (RFC 2407 §4.6.2)."""
    if type(data) is bytes and type(id_type) in (int, IdType):
        return _identification_value_cached(int(id_type), data)
    return _identification_value(id_type, data)


@functools.lru_cache(maxsize=512)
def _identification_value_cached(id_type: int, data: bytes) -> IdValue:
    """The same decoding, remembered: every value is immutable, errors are not cached."""
    return _identification_value(id_type, data)


def _identification_value(id_type: int, data: bytes) -> IdValue:
    if id_type in _ADDRESS:
        _sized(id_type, data, _ADDRESS[IdType(id_type)])
        return _address(data)
    if id_type in _SUBNET:
        size = _SUBNET[IdType(id_type)]
        _sized(id_type, data, 2 * size)
        try:
            return ipaddress.ip_network(f"{_address(data[:size])}/{_address(data[size:])}")
        except ValueError as exc:
            raise IdentificationError(f"{IdType(id_type).name}: {exc}") from None
    if id_type in _RANGE:
        size = _RANGE[IdType(id_type)]
        _sized(id_type, data, 2 * size)
        return (_address(data[:size]), _address(data[size:]))
    if id_type in (IdType.ID_FQDN, IdType.ID_USER_FQDN):
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise IdentificationError(f"{IdType(id_type).name} is not ASCII") from None
    return data


def describe_identification(id_type: int, data: bytes) -> str:
    """A one-line description for a span; never raises."""
    try:
        value = identification_value(id_type, data)
    except (IdentificationError, ValueError):
        return f"malformed for ID type {id_type}: {data.hex()}"
    if isinstance(value, tuple):
        return f"{value[0]} - {value[-1]}"
    if isinstance(value, bytes):
        return f"{len(value)} bytes" + (" (DER-encoded X.501 Name)" if id_type == 9 else "")
    return str(value)


def encode_ipv4_subnet(network: ipaddress.IPv4Network | str) -> bytes:
    """Address then netmask, 8 bytes (RFC 2407 §4.6.2.4)."""
    if type(network) is str:
        return _encode_ipv4_subnet_text(network)
    # An IPv4Network is used as it is: building it again would parse its text form.
    net = network if isinstance(network, ipaddress.IPv4Network) else ipaddress.IPv4Network(network)
    return net.network_address.packed + net.netmask.packed


@functools.lru_cache(maxsize=512)
def _encode_ipv4_subnet_text(network: str) -> bytes:
    net = ipaddress.IPv4Network(network)
    return net.network_address.packed + net.netmask.packed
