"""What the console needs from a router beyond EXEC commands: its configuration and the
dialogues' effects (the lab binds it in :mod:`vpnteach.labs.console`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vpnteach.ios.execmode import RouterContext
from vpnteach.ios.model import RouterConfig


@dataclass(frozen=True)
class CaOffer:
    """``crypto pki authenticate``'s first half: the CA certificate's fingerprints, and what
    answering the question does (``accept(True)`` stores it; the text IOS prints then)."""

    md5: str
    sha1: str
    accept: Callable[[bool], str]


@dataclass(frozen=True)
class EnrollAnswers:
    """How the operator answered ``crypto pki enroll``'s questions."""

    trustpoint: str
    serial_number: bool
    ip_address: str | None
    """The address typed at ``Enter Interface name or IP Address[]:`` (``None``: refused)."""


class ConsoleDevice(RouterContext, Protocol):
    """A router a console can configure (see :class:`~vpnteach.ios.execmode.RouterContext`)."""

    def set_config(self, config: RouterConfig) -> str:
        """Run ``config`` from now on; what the router prints doing so (key generation)."""
        ...

    def fqdn(self) -> str:
        """``hostname`` + ``ip domain-name`` (the enrollment's subject)."""
        ...

    def offer_ca(self, trustpoint: str) -> CaOffer:
        """Fetch the CA certificate of ``trustpoint`` (ExecError: no URL, no answer)."""
        ...

    def serial_number(self) -> str:
        """The chassis serial number (``show version``'s Processor board ID)."""
        ...

    def check_enrollment(self, trustpoint: str) -> None:
        """ExecError with IOS's message if ``trustpoint`` cannot enroll yet."""
        ...

    def enroll(self, answers: EnrollAnswers) -> tuple[str, str]:
        """Send the request; IOS's text at once, and the lines printed when the certificate
        comes back (unsolicited, after the prompt)."""
        ...

    def unsolicited(self) -> str:
        """Console lines printed meanwhile (debug lines, ``%PKI-...`` messages)."""
        ...

    def save_config(self, path: str) -> str:
        """``copy running-config FILE``: write the running configuration; IOS's answer."""
        ...

    def read_config(self, path: str) -> str:
        """``copy FILE running-config``: the file's text (ExecError: cannot read it)."""
        ...

    def address_of(self, interface: str) -> str | None:
        """The address of ``interface`` (an ``Enter Interface name or IP Address`` answer)."""
        ...
