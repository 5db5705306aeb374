"""Wire numbers of ISAKMP/IKEv1, as ``IntEnum``s named after the IANA ISAKMP registries.

Sources: RFC 2408 §3 (ISAKMP), RFC 2407 §4 (the IPsec DOI), RFC 2409 Appendix A (IKE
attribute classes), RFC 3947 (NAT-T payloads), RFC 3706 (DPD), RFC 3602/4106/4868
(AES/GCM/SHA-2 numbers), RFC 6407 (GDOI payload numbers) and the IANA "Internet Key Exchange
(IKE) Attributes" and "ISAKMP" registries.

Decoders keep numbers as plain ``int``; :func:`as_enum` turns a known number into its member and
leaves an unknown one as the plain ``int``, so unknown values survive a decode/encode round
trip and never raise. :func:`describe` renders ``"2 = Identity Protection (Main Mode)"``.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from typing import TypeVar

E = TypeVar("E", bound=IntEnum)


class PayloadType(IntEnum):
    """Next Payload Types (RFC 2408 §3.1; RFC 3947 §3.2, §5.2; RFC 6407; Cisco fragmentation)."""

    NONE = 0
    SA = 1
    PROPOSAL = 2
    TRANSFORM = 3
    KE = 4
    ID = 5
    CERT = 6
    CR = 7
    HASH = 8
    SIG = 9
    NONCE = 10
    N = 11
    D = 12
    VID = 13
    ATTRIBUTE = 14  # Mode Config (draft-dukes-ike-mode-cfg)
    SAK = 15
    SAT = 16
    KD = 17
    SEQ = 18
    POP = 19
    NAT_D = 20
    NAT_OA = 21
    GAP = 22
    NAT_D_DRAFT = 130
    NAT_OA_DRAFT = 131
    FRAGMENT = 132


class ExchangeType(IntEnum):
    """Exchange Types (RFC 2408 §3.1, RFC 2409 §9)."""

    NONE = 0
    BASE = 1
    IDENTITY_PROTECTION = 2
    AUTHENTICATION_ONLY = 3
    AGGRESSIVE = 4
    INFORMATIONAL = 5
    TRANSACTION = 6  # Mode Config (draft-dukes-ike-mode-cfg)
    QUICK_MODE = 32
    NEW_GROUP_MODE = 33


class Flags(IntFlag):
    """ISAKMP header flags (RFC 2408 §3.1)."""

    ENCRYPTION = 0x01
    COMMIT = 0x02
    AUTHENTICATION_ONLY = 0x04


class NotifyMessageType(IntEnum):
    """Notify Message Types (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706)."""

    INVALID_PAYLOAD_TYPE = 1
    DOI_NOT_SUPPORTED = 2
    SITUATION_NOT_SUPPORTED = 3
    INVALID_COOKIE = 4
    INVALID_MAJOR_VERSION = 5
    INVALID_MINOR_VERSION = 6
    INVALID_EXCHANGE_TYPE = 7
    INVALID_FLAGS = 8
    INVALID_MESSAGE_ID = 9
    INVALID_PROTOCOL_ID = 10
    INVALID_SPI = 11
    INVALID_TRANSFORM_ID = 12
    ATTRIBUTES_NOT_SUPPORTED = 13
    NO_PROPOSAL_CHOSEN = 14
    BAD_PROPOSAL_SYNTAX = 15
    PAYLOAD_MALFORMED = 16
    INVALID_KEY_INFORMATION = 17
    INVALID_ID_INFORMATION = 18
    INVALID_CERT_ENCODING = 19
    INVALID_CERTIFICATE = 20
    CERT_TYPE_UNSUPPORTED = 21
    INVALID_CERT_AUTHORITY = 22
    INVALID_HASH_INFORMATION = 23
    AUTHENTICATION_FAILED = 24
    INVALID_SIGNATURE = 25
    ADDRESS_NOTIFICATION = 26
    NOTIFY_SA_LIFETIME = 27
    CERTIFICATE_UNAVAILABLE = 28
    UNSUPPORTED_EXCHANGE_TYPE = 29
    UNEQUAL_PAYLOAD_LENGTHS = 30
    CONNECTED = 16384
    RESPONDER_LIFETIME = 24576
    REPLAY_STATUS = 24577
    INITIAL_CONTACT = 24578
    R_U_THERE = 36136
    R_U_THERE_ACK = 36137


class Doi(IntEnum):
    """Domain of Interpretation (RFC 2408 §2.1, RFC 2407 §4.2, RFC 6407)."""

    ISAKMP = 0
    IPSEC = 1
    GDOI = 2


class Situation(IntFlag):
    """IPsec DOI situation bits (RFC 2407 §4.2)."""

    SIT_IDENTITY_ONLY = 0x01
    SIT_SECRECY = 0x02
    SIT_INTEGRITY = 0x04


class ProtocolId(IntEnum):
    """Security protocol identifiers (RFC 2407 §4.4.1)."""

    RESERVED = 0
    PROTO_ISAKMP = 1
    PROTO_IPSEC_AH = 2
    PROTO_IPSEC_ESP = 3
    PROTO_IPCOMP = 4


class IkeTransformId(IntEnum):
    """ISAKMP transform identifiers (RFC 2407 §4.4.2)."""

    KEY_IKE = 1


class IpsecTransformId(IntEnum):
    """IPsec ESP transform identifiers (RFC 2407 §4.4.4, RFC 3602, RFC 4106, RFC 4309)."""

    ESP_DES_IV64 = 1
    ESP_DES = 2
    ESP_3DES = 3
    ESP_RC5 = 4
    ESP_IDEA = 5
    ESP_CAST = 6
    ESP_BLOWFISH = 7
    ESP_3IDEA = 8
    ESP_DES_IV32 = 9
    ESP_RC4 = 10
    ESP_NULL = 11
    ESP_AES = 12
    ESP_AES_CTR = 13
    ESP_AES_CCM_8 = 14
    ESP_AES_CCM_12 = 15
    ESP_AES_CCM_16 = 16
    ESP_AES_GCM_8 = 18
    ESP_AES_GCM_12 = 19
    ESP_AES_GCM_16 = 20


class AhTransformId(IntEnum):
    """IPsec AH transform identifiers (RFC 2407 §4.4.3, RFC 4868)."""

    AH_MD5 = 2
    AH_SHA = 3
    AH_DES = 4
    AH_SHA2_256 = 5
    AH_SHA2_384 = 6
    AH_SHA2_512 = 7


class IkeAttribute(IntEnum):
    """IKE (phase 1) attribute classes (RFC 2409 Appendix A)."""

    ENCRYPTION_ALGORITHM = 1
    HASH_ALGORITHM = 2
    AUTHENTICATION_METHOD = 3
    GROUP_DESCRIPTION = 4
    GROUP_TYPE = 5
    GROUP_PRIME = 6
    GROUP_GENERATOR_ONE = 7
    GROUP_GENERATOR_TWO = 8
    GROUP_CURVE_A = 9
    GROUP_CURVE_B = 10
    LIFE_TYPE = 11
    LIFE_DURATION = 12
    PRF = 13
    KEY_LENGTH = 14
    FIELD_SIZE = 15
    GROUP_ORDER = 16


class EncryptionAlgorithm(IntEnum):
    """IKE Encryption Algorithm values (RFC 2409 App. A, RFC 3602, RFC 4312)."""

    DES_CBC = 1
    IDEA_CBC = 2
    BLOWFISH_CBC = 3
    RC5_R16_B64_CBC = 4
    TRIPLE_DES_CBC = 5
    CAST_CBC = 6
    AES_CBC = 7
    CAMELLIA_CBC = 8


class HashAlgorithm(IntEnum):
    """IKE Hash Algorithm values (RFC 2409 App. A, RFC 4868)."""

    MD5 = 1
    SHA = 2
    TIGER = 3
    SHA2_256 = 4
    SHA2_384 = 5
    SHA2_512 = 6


class AuthenticationMethod(IntEnum):
    """IKE Authentication Method values (RFC 2409 App. A, RFC 4754, draft XAUTH/hybrid)."""

    PRE_SHARED_KEY = 1
    DSS_SIGNATURES = 2
    RSA_SIGNATURES = 3
    RSA_ENCRYPTION = 4
    REVISED_RSA_ENCRYPTION = 5
    ECDSA_SHA256_P256 = 9
    ECDSA_SHA384_P384 = 10
    ECDSA_SHA512_P521 = 11
    HYBRID_INIT_RSA = 64221
    HYBRID_RESP_RSA = 64222
    HYBRID_INIT_DSS = 64223
    HYBRID_RESP_DSS = 64224
    XAUTH_INIT_PRESHARED = 65001
    XAUTH_RESP_PRESHARED = 65002
    XAUTH_INIT_DSS = 65003
    XAUTH_RESP_DSS = 65004
    XAUTH_INIT_RSA = 65005
    XAUTH_RESP_RSA = 65006
    XAUTH_INIT_RSA_ENCRYPTION = 65007
    XAUTH_RESP_RSA_ENCRYPTION = 65008
    XAUTH_INIT_RSA_REVISED_ENCRYPTION = 65009
    XAUTH_RESP_RSA_REVISED_ENCRYPTION = 65010


class GroupDescription(IntEnum):
    """Diffie-Hellman group numbers (RFC 2409 §6, RFC 3526, RFC 5114, RFC 5903)."""

    MODP_768 = 1
    MODP_1024 = 2
    EC2N_155 = 3
    EC2N_185 = 4
    MODP_1536 = 5
    MODP_2048 = 14
    MODP_3072 = 15
    MODP_4096 = 16
    MODP_6144 = 17
    MODP_8192 = 18
    ECP_256 = 19
    ECP_384 = 20
    ECP_521 = 21
    MODP_1024_160 = 22
    MODP_2048_224 = 23
    MODP_2048_256 = 24


class GroupType(IntEnum):
    """IKE Group Type values (RFC 2409 App. A)."""

    MODP = 1
    ECP = 2
    EC2N = 3


class LifeType(IntEnum):
    """Life Type values, IKE (RFC 2409 App. A) and IPsec SA Life Type (RFC 2407 §4.5)."""

    SECONDS = 1
    KILOBYTES = 2


class IpsecAttribute(IntEnum):
    """IPsec DOI SA attribute classes (RFC 2407 §4.5, RFC 4304)."""

    SA_LIFE_TYPE = 1
    SA_LIFE_DURATION = 2
    GROUP_DESCRIPTION = 3
    ENCAPSULATION_MODE = 4
    AUTHENTICATION_ALGORITHM = 5
    KEY_LENGTH = 6
    KEY_ROUNDS = 7
    COMPRESS_DICTIONARY_SIZE = 8
    COMPRESS_PRIVATE_ALGORITHM = 9
    ECN_TUNNEL = 10
    EXTENDED_SEQUENCE_NUMBER = 11


class EncapsulationMode(IntEnum):
    """Encapsulation Mode values (RFC 2407 §4.5, RFC 3947 §6.1 and its draft numbers)."""

    TUNNEL = 1
    TRANSPORT = 2
    UDP_ENCAPSULATED_TUNNEL = 3
    UDP_ENCAPSULATED_TRANSPORT = 4
    UDP_ENCAPSULATED_TUNNEL_DRAFT = 61443
    UDP_ENCAPSULATED_TRANSPORT_DRAFT = 61444


class AuthenticationAlgorithm(IntEnum):
    """IPsec Authentication Algorithm values (RFC 2407 §4.5, RFC 4868, RFC 4543)."""

    HMAC_MD5 = 1
    HMAC_SHA = 2
    DES_MAC = 3
    KPDK = 4
    HMAC_SHA2_256 = 5
    HMAC_SHA2_384 = 6
    HMAC_SHA2_512 = 7
    HMAC_RIPEMD = 8
    AES_XCBC_MAC = 9
    SIG_RSA = 10
    AES_128_GMAC = 11
    AES_192_GMAC = 12
    AES_256_GMAC = 13


class IdType(IntEnum):
    """IPsec DOI identification types (RFC 2407 §4.6.2.1)."""

    ID_IPV4_ADDR = 1
    ID_FQDN = 2
    ID_USER_FQDN = 3
    ID_IPV4_ADDR_SUBNET = 4
    ID_IPV6_ADDR = 5
    ID_IPV6_ADDR_SUBNET = 6
    ID_IPV4_ADDR_RANGE = 7
    ID_IPV6_ADDR_RANGE = 8
    ID_DER_ASN1_DN = 9
    ID_DER_ASN1_GN = 10
    ID_KEY_ID = 11


class CertEncoding(IntEnum):
    """Certificate encodings for CERT and CR payloads (RFC 2408 §3.9)."""

    NONE = 0
    PKCS7 = 1
    PGP = 2
    DNS_SIGNED_KEY = 3
    X509_SIGNATURE = 4
    X509_KEY_EXCHANGE = 5
    KERBEROS_TOKENS = 6
    CRL = 7
    ARL = 8
    SPKI = 9
    X509_ATTRIBUTE = 10


#: Which value enum each IKE attribute class uses (RFC 2409 App. A).
IKE_ATTRIBUTE_VALUES: dict[int, type[IntEnum]] = {
    IkeAttribute.ENCRYPTION_ALGORITHM: EncryptionAlgorithm,
    IkeAttribute.HASH_ALGORITHM: HashAlgorithm,
    IkeAttribute.AUTHENTICATION_METHOD: AuthenticationMethod,
    IkeAttribute.GROUP_DESCRIPTION: GroupDescription,
    IkeAttribute.GROUP_TYPE: GroupType,
    IkeAttribute.LIFE_TYPE: LifeType,
}

#: Which value enum each IPsec DOI attribute class uses (RFC 2407 §4.5).
IPSEC_ATTRIBUTE_VALUES: dict[int, type[IntEnum]] = {
    IpsecAttribute.SA_LIFE_TYPE: LifeType,
    IpsecAttribute.GROUP_DESCRIPTION: GroupDescription,
    IpsecAttribute.ENCAPSULATION_MODE: EncapsulationMode,
    IpsecAttribute.AUTHENTICATION_ALGORITHM: AuthenticationAlgorithm,
}

# Labels where the member name alone would not say what a learner needs to read.
_LABEL_LIST: list[tuple[IntEnum, str]] = [
    (PayloadType.SA, "Security Association"),
    (PayloadType.PROPOSAL, "Proposal"),
    (PayloadType.TRANSFORM, "Transform"),
    (PayloadType.KE, "Key Exchange"),
    (PayloadType.ID, "Identification"),
    (PayloadType.CERT, "Certificate"),
    (PayloadType.CR, "Certificate Request"),
    (PayloadType.N, "Notification"),
    (PayloadType.D, "Delete"),
    (PayloadType.VID, "Vendor ID"),
    (PayloadType.NAT_D, "NAT Discovery (RFC 3947)"),
    (PayloadType.NAT_OA, "NAT Original Address (RFC 3947)"),
    (PayloadType.NAT_D_DRAFT, "NAT Discovery (draft-ietf-ipsec-nat-t-ike)"),
    (PayloadType.NAT_OA_DRAFT, "NAT Original Address (draft)"),
    (PayloadType.FRAGMENT, "IKE Fragment (Cisco)"),
    (ExchangeType.IDENTITY_PROTECTION, "Identity Protection (Main Mode)"),
    (ExchangeType.AGGRESSIVE, "Aggressive Mode"),
    (ExchangeType.QUICK_MODE, "Quick Mode"),
    (ExchangeType.TRANSACTION, "Transaction (Mode Config)"),
    (EncryptionAlgorithm.TRIPLE_DES_CBC, "3DES-CBC"),
    (EncryptionAlgorithm.DES_CBC, "DES-CBC"),
    (EncryptionAlgorithm.AES_CBC, "AES-CBC"),
    (HashAlgorithm.SHA, "SHA-1"),
    (GroupDescription.MODP_768, "768-bit MODP group (group 1)"),
    (GroupDescription.MODP_1024, "1024-bit MODP group (group 2)"),
    (GroupDescription.MODP_1536, "1536-bit MODP group (group 5)"),
    (GroupDescription.MODP_2048, "2048-bit MODP group (group 14)"),
    (IpsecTransformId.ESP_3DES, "ESP_3DES"),
    (IpsecTransformId.ESP_DES, "ESP_DES"),
    (IpsecTransformId.ESP_AES, "ESP_AES"),
]
_LABELS: dict[tuple[type, int], str] = {(type(m), int(m)): t for m, t in _LABEL_LIST}


def as_enum(enum_cls: type[E], value: int) -> E | int:
    """Return the member of ``enum_cls`` for ``value``, or ``value`` itself if unknown."""
    try:
        return enum_cls(value)
    except ValueError:
        return value


def label(enum_cls: type[IntEnum], value: int) -> str:
    """A readable name for ``value`` in ``enum_cls``: the RFC name, or ``"unknown"``."""
    key = (enum_cls, value)
    known = _LABEL_MEMO.get(key)
    if known is not None:
        return known
    member = as_enum(enum_cls, value)
    if not isinstance(member, enum_cls):
        return "unknown"
    text = _LABELS.get((enum_cls, int(member))) or str(member.name)
    if type(value) is int and value in enum_cls._value2member_map_:
        _LABEL_MEMO[key] = text  # only defined members: bounded by the enums' sizes
    return text


_LABEL_MEMO: dict[tuple[type[IntEnum], int], str] = {}


def describe(enum_cls: type[IntEnum], value: int) -> str:
    """``"<value> = <label>"``, e.g. ``describe(ExchangeType, 2)`` is
    ``"2 = Identity Protection (Main Mode)"``."""
    return f"{value} = {label(enum_cls, value)}"
