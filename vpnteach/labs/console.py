"""A lab router behind the console engine (:class:`~vpnteach.ios.console.ConsoleDevice`), and
the seed lab unconfigured (``vpnteach console --blank``).

The dialogues' effects go over the simulated network as the exec commands do: ``crypto pki
authenticate`` fetches the CA certificate with SCEP GetCACert, ``crypto pki enroll`` sends the
PKCSReq (with the router's address in the subject when the operator said yes to the IP-address
question: IKE then sends ID_IPV4_ADDR; refused, IOS logs "Addr not in Cert!" at MM5/MM6 and
uses the FQDN) and prints the certificate-received lines when the CertRep comes back.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path
from typing import TYPE_CHECKING

from vpnteach.ios import apply_commands
from vpnteach.ios.argtypes import interface_name
from vpnteach.ios.console import CaOffer, Console, EnrollAnswers
from vpnteach.ios.errors import ExecError
from vpnteach.ios.grammar import Mismatch
from vpnteach.labs.enroll import request_certificate
from vpnteach.labs.exec import LabContext
from vpnteach.pki import scep
from vpnteach.pki.errors import PkiError

if TYPE_CHECKING:
    from vpnteach.ios.model import RouterConfig
    from vpnteach.lab import Lab
    from vpnteach.labs.router import LabRouter

BLANK = "hostname {name}\ninterface Serial1/0\ninterface FastEthernet0/0\n"
"""A router out of the box: its hardware interfaces, nothing configured."""


class LabDevice(LabContext):
    """A lab router as the console engine sees it."""

    def __init__(self, router: LabRouter) -> None:
        super().__init__(router)
        self.pending: list[str] = []

    def set_config(self, config: RouterConfig) -> str:
        return "".join(line + "\n" for line in self.router.set_config(config))

    def fqdn(self) -> str:
        return self.router.pki.fqdn

    def offer_ca(self, trustpoint: str) -> CaOffer:
        pki = self.router.pki
        try:
            answer = self.router.scep_exchange(pki.get_ca_cert_request(trustpoint))
            if not isinstance(answer, scep.CACertResponse):
                raise ExecError(f"% The CA answered GetCACert with {type(answer).__name__}")
            shown = pki.authenticate(trustpoint, answer, accept=False)
        except PkiError as exc:
            raise ExecError(str(exc)) from None

        def accept(yes: bool) -> str:
            return pki.authenticate(trustpoint, answer, accept=yes).text.splitlines()[-1]

        return CaOffer(shown.md5, shown.sha1, accept)

    def check_enrollment(self, trustpoint: str) -> None:
        try:
            self.router.pki.enrollment_request(trustpoint)
        except PkiError as exc:
            raise ExecError(str(exc)) from None

    def serial_number(self) -> str:
        return self.router.serial_number

    def enroll(self, answers: EnrollAnswers) -> tuple[str, str]:
        sent, later = request_certificate(self.router, answers)
        self.pending += later
        return sent, "".join(line + "\n" for line in later)

    def unsolicited(self) -> str:
        out = self.router.read_console() + "".join(line + "\n" for line in self.pending)
        self.pending = []
        return out

    def address_of(self, interface: str) -> str | None:
        try:
            return str(_ip(interface))
        except ValueError:
            pass
        try:
            name, _ = interface_name(interface.split(), 0)
        except Mismatch:
            return None
        found = self.router.config.interfaces.get(name)
        return found.address if found is not None else None

    def save_config(self, path: str) -> str:
        text = self.router.config.to_text()
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            return f"%Error opening {path} ({exc.strerror})\n"
        return f"Destination filename [{Path(path).name}]? \n[OK]\n{len(text)} bytes copied\n"

    def read_config(self, path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ExecError(f"%Error opening {path} ({exc})") from None


def _ip(text: str) -> IPv4Address:
    return IPv4Address(text)


def console_for(router: LabRouter, *, enabled: bool = False) -> Console:
    """An IOS console on ``router`` (user EXEC, or privileged with ``enabled``)."""
    return Console(LabDevice(router), enabled=enabled)


def blank_seed_lab(seed: int | str | None = 2010) -> Lab:
    """The seed's topology with Branch1 and Branch2 out of the box (hostname ``Router``, no
    addresses), the clock at the seed's enrollment morning: everything is to be typed."""
    from vpnteach.lab import Lab
    from vpnteach.labs.seed import ENROLL_START, add_seed_topology
    from vpnteach.pki.ca import AEST

    lab = Lab(seed, start=ENROLL_START, timezone=AEST)
    for name in ("Branch1", "Branch2"):
        lab.add_router(BLANK.format(name=name), f"{name} (blank)")
    add_seed_topology(lab)
    for name in ("Branch1", "Branch2"):
        router = lab.router(name)
        router.set_config(apply_commands(router.config, "hostname Router"))
    return lab
