"""Errors of the PKI layer: each says what was wrong, in the words IOS would use where IOS has some.

Every error is a :class:`ValueError` subclass (the project rule for bad input). A *bad
certificate* is not an error: :func:`vpnteach.pki.validation.validate_certificate` reports it
as a failed check and lets the IKE engine decide.
"""

from __future__ import annotations


class PkiError(ValueError):
    """Base class of the PKI errors."""


class MalformedInputError(PkiError):
    """A CSR, certificate or CRL that does not parse (the message names which one and why)."""


class KeyNotFoundError(PkiError):
    """A key label that names no key pair on the router."""


class KeyNotExportableError(PkiError):
    """An export of a key pair generated without ``exportable``."""


class TrustpointError(PkiError):
    """A trustpoint command refused: unknown trustpoint, not authenticated, ..."""


class EnrollmentError(PkiError):
    """The CA refused a certificate request (bad signature, wrong mode, ...)."""


class ScepError(PkiError):
    """A SCEP message that cannot be used (RFC 8894): says what was wrong and where.

    Attributes:
        where: the structure (``"PKCSReq.signerInfo"``) or ``"offset N"`` where it went wrong.
        fail_info: the RFC 8894 §3.2.1.4 ``failInfo`` value (0..4) a CA answers with, or
            ``None`` when the message is too broken to answer with a CertRep at all.
    """

    def __init__(self, what: str, where: str = "", fail_info: int | None = None) -> None:
        self.where = where
        self.fail_info = fail_info
        super().__init__(f"{where}: {what}" if where else what)
