"""Wire numbers of IKEv2, as ``IntEnum``s named after the IANA "IKEv2 Parameters" registries.

Sources: RFC 7296 §3 (header, payloads, transform types and IDs, notify types), RFC 4868
(HMAC-SHA-2 integrity and PRF numbers), RFC 5282 (AES-GCM in IKEv2), RFC 7427 (digital
signature authentication), RFC 7383 (fragmentation), RFC 5685/7296 §2.6 (cookies) and the IANA
registry https://www.iana.org/assignments/ikev2-parameters.

Decoders keep numbers as plain ``int`` so unknown values survive a decode/encode round trip;
:func:`vpnteach.wire.constants.describe` renders ``"34 = IKE_SA_INIT"`` for these enums too.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag


class PayloadType(IntEnum):
    """IKEv2 Payload Types (RFC 7296 §3.2; RFC 7383 §2.5 for SKF)."""

    NONE = 0
    SA = 33
    KE = 34
    IDi = 35
    IDr = 36
    CERT = 37
    CERTREQ = 38
    AUTH = 39
    Ni = 40  # the one Nonce payload type: Ni and Nr share the number 40
    N = 41
    D = 42
    V = 43
    TSi = 44
    TSr = 45
    SK = 46
    CP = 47
    EAP = 48
    SKF = 53


NONCE = PayloadType.Ni
"""Nonce payload type (40): RFC 7296 §3.2 lists it as "Nonce (Ni, Nr)"."""


class ExchangeType(IntEnum):
    """IKEv2 Exchange Types (RFC 7296 §3.1)."""

    IKE_SA_INIT = 34
    IKE_AUTH = 35
    CREATE_CHILD_SA = 36
    INFORMATIONAL = 37


class Flags(IntFlag):
    """IKEv2 header flags (RFC 7296 §3.1): bit 3 Initiator, bit 4 Version, bit 5 Response."""

    INITIATOR = 0x08
    VERSION = 0x10
    RESPONSE = 0x20


class ProtocolId(IntEnum):
    """Security Protocol Identifiers (RFC 7296 §3.3.1)."""

    NONE = 0
    IKE = 1
    AH = 2
    ESP = 3


class TransformType(IntEnum):
    """Transform Type values (RFC 7296 §3.3.2)."""

    ENCR = 1
    PRF = 2
    INTEG = 3
    DH = 4
    ESN = 5


class EncrId(IntEnum):
    """Transform Type 1, Encryption Algorithm IDs (RFC 7296 §3.3.2, RFC 5282 §7)."""

    ENCR_DES = 2
    ENCR_3DES = 3
    ENCR_NULL = 11
    ENCR_AES_CBC = 12
    ENCR_AES_CTR = 13
    ENCR_AES_CCM_8 = 14
    ENCR_AES_CCM_12 = 15
    ENCR_AES_CCM_16 = 16
    ENCR_AES_GCM_8 = 18
    ENCR_AES_GCM_12 = 19
    ENCR_AES_GCM_16 = 20
    ENCR_CHACHA20_POLY1305 = 28


class PrfId(IntEnum):
    """Transform Type 2, Pseudorandom Function IDs (RFC 7296 §3.3.2, RFC 4868 §4, RFC 4434)."""

    PRF_HMAC_MD5 = 1
    PRF_HMAC_SHA1 = 2
    PRF_AES128_XCBC = 4
    PRF_HMAC_SHA2_256 = 5
    PRF_HMAC_SHA2_384 = 6
    PRF_HMAC_SHA2_512 = 7
    PRF_AES128_CMAC = 8


class IntegId(IntEnum):
    """Transform Type 3, Integrity Algorithm IDs (RFC 7296 §3.3.2, RFC 4868 §4)."""

    NONE = 0
    AUTH_HMAC_MD5_96 = 1
    AUTH_HMAC_SHA1_96 = 2
    AUTH_AES_XCBC_96 = 5
    AUTH_HMAC_SHA2_256_128 = 12
    AUTH_HMAC_SHA2_384_192 = 13
    AUTH_HMAC_SHA2_512_256 = 14


class DhId(IntEnum):
    """Transform Type 4, Key Exchange Method (Diffie-Hellman group) IDs (RFC 7296 §3.3.2)."""

    NONE = 0
    MODP_768 = 1
    MODP_1024 = 2
    MODP_1536 = 5
    MODP_2048 = 14
    MODP_3072 = 15
    MODP_4096 = 16
    ECP_256 = 19
    ECP_384 = 20
    CURVE25519 = 31


class EsnId(IntEnum):
    """Transform Type 5, Extended Sequence Numbers (RFC 7296 §3.3.2)."""

    NO_ESN = 0
    ESN = 1


class TransformAttribute(IntEnum):
    """Transform attribute types (RFC 7296 §3.3.5): only Key Length, always TV."""

    KEY_LENGTH = 14


class IdType(IntEnum):
    """Identification payload ID Types (RFC 7296 §3.5)."""

    ID_IPV4_ADDR = 1
    ID_FQDN = 2
    ID_RFC822_ADDR = 3
    ID_IPV6_ADDR = 5
    ID_DER_ASN1_DN = 9
    ID_DER_ASN1_GN = 10
    ID_KEY_ID = 11


class CertEncoding(IntEnum):
    """Certificate Encoding (RFC 7296 §3.6)."""

    PKCS7_WRAPPED_X509 = 1
    PGP = 2
    DNS_SIGNED_KEY = 3
    X509_SIGNATURE = 4
    KERBEROS_TOKEN = 6
    CRL = 7
    ARL = 8
    SPKI = 9
    X509_ATTRIBUTE = 10
    RAW_RSA_KEY = 11
    HASH_AND_URL_X509 = 12
    HASH_AND_URL_BUNDLE = 13


class AuthMethod(IntEnum):
    """Authentication Method (RFC 7296 §3.8, RFC 7427 §3)."""

    RSA_DIGITAL_SIGNATURE = 1
    SHARED_KEY_MIC = 2
    DSS_DIGITAL_SIGNATURE = 3
    ECDSA_SHA256_P256 = 9
    ECDSA_SHA384_P384 = 10
    ECDSA_SHA512_P521 = 11
    DIGITAL_SIGNATURE = 14


class TsType(IntEnum):
    """Traffic Selector Types (RFC 7296 §3.13.1)."""

    TS_IPV4_ADDR_RANGE = 7
    TS_IPV6_ADDR_RANGE = 8


class NotifyType(IntEnum):
    """Notify Message Types (RFC 7296 §3.10.1; RFC 7383, RFC 7427, RFC 5685, RFC 4555)."""

    UNSUPPORTED_CRITICAL_PAYLOAD = 1
    INVALID_IKE_SPI = 4
    INVALID_MAJOR_VERSION = 5
    INVALID_SYNTAX = 7
    INVALID_MESSAGE_ID = 9
    INVALID_SPI = 11
    NO_PROPOSAL_CHOSEN = 14
    INVALID_KE_PAYLOAD = 17
    AUTHENTICATION_FAILED = 24
    SINGLE_PAIR_REQUIRED = 34
    NO_ADDITIONAL_SAS = 35
    INTERNAL_ADDRESS_FAILURE = 36
    FAILED_CP_REQUIRED = 37
    TS_UNACCEPTABLE = 38
    INVALID_SELECTORS = 39
    TEMPORARY_FAILURE = 43
    CHILD_SA_NOT_FOUND = 44
    INITIAL_CONTACT = 16384
    SET_WINDOW_SIZE = 16385
    ADDITIONAL_TS_POSSIBLE = 16386
    IPCOMP_SUPPORTED = 16387
    NAT_DETECTION_SOURCE_IP = 16388
    NAT_DETECTION_DESTINATION_IP = 16389
    COOKIE = 16390
    USE_TRANSPORT_MODE = 16391
    HTTP_CERT_LOOKUP_SUPPORTED = 16392
    REKEY_SA = 16393
    ESP_TFC_PADDING_NOT_SUPPORTED = 16394
    NON_FIRST_FRAGMENTS_ALSO = 16395
    MOBIKE_SUPPORTED = 16396
    MULTIPLE_AUTH_SUPPORTED = 16404
    REDIRECT_SUPPORTED = 16406
    IKEV2_FRAGMENTATION_SUPPORTED = 16430
    SIGNATURE_HASH_ALGORITHMS = 16431


ERROR_NOTIFY_LIMIT = 16384
"""Notify types below this are errors, at or above it status types (RFC 7296 §3.10.1)."""
