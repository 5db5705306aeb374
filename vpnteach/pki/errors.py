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
