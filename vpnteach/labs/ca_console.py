"""The CA's console: the seed's WIN2003 is a Windows Server 2003 CA, administered with
``certutil`` at a command prompt (Microsoft, "Certutil", Windows Server 2003 command-line
reference), so its console in ``vpnteach console`` is a small one:

* ``certutil -view``: the issued certificates (request, serial, requester, validity, revoked);
* ``certutil -revoke SERIAL``: revoke one (the next CRL lists it);
* ``certutil -crl``: publish a CRL now;
* ``help``.

It has the interface of :class:`~vpnteach.ios.console.keys.Target`, so every front end can
switch to it like to a router.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpnteach.pki.errors import PkiError

if TYPE_CHECKING:
    from vpnteach.lab import Lab

PROMPT = "C:\\Documents and Settings\\Administrator>"
USAGE = """Usage: certutil -view | -revoke SERIAL | -crl
  -view              Dump the issued certificates
  -revoke SERIAL     Revoke a certificate (hexadecimal serial number)
  -crl               Publish a new CRL now
"""


class CaConsole:
    """A command prompt on the lab's CA (see the module docstring)."""

    secret = False

    def __init__(self, lab: Lab) -> None:
        if lab.ca is None:
            raise ValueError("this lab has no CA")
        self.lab, self.ca = lab, lab.ca
        self.history: list[str] = []
        self.dialogue = None

    @property
    def prompt(self) -> str:
        return PROMPT

    def enter(self, line: str) -> str:
        words = line.split()
        if not words:
            return ""
        self.history = [*self.history, line.strip()][-10:]
        if words[0].lower() == "help":
            return USAGE
        if words[0].lower() != "certutil":
            return (
                f"'{words[0]}' is not recognized as an internal or external command,\n"
                "operable program or batch file.\n"
            )
        return self._certutil([w.lower() for w in words[1:]], words[1:])

    def _certutil(self, lower: list[str], words: list[str]) -> str:
        if lower == ["-view"]:
            return self._view()
        if lower == ["-crl"]:
            self.ca.publish_crl(self.lab.now)
            return "CertUtil: -CRL command completed successfully.\n"
        if len(lower) == 2 and lower[0] == "-revoke":
            try:
                self.ca.revoke(int(words[1], 16), self.lab.now)
            except (ValueError, PkiError) as exc:
                return f"CertUtil: -revoke command FAILED: {exc}\n"
            return "CertUtil: -revoke command completed successfully.\n"
        return USAGE

    def _view(self) -> str:
        rows = []
        for serial, cert in self.ca.issued.items():
            subject = cert.subject.rfc4514_string() or "(empty)"
            revoked = " REVOKED" if serial in self.ca.revoked else ""
            rows.append(
                f'  Serial Number: "{serial:x}"{revoked}\n  Requester: "{subject}"\n'
                f"  NotBefore: {cert.not_valid_before_utc:%m/%d/%Y %I:%M %p} UTC\n"
                f"  NotAfter: {cert.not_valid_after_utc:%m/%d/%Y %I:%M %p} UTC\n"
            )
        return (
            "\n".join(rows) + f"{len(rows)} Rows\nCertUtil: -view command completed successfully.\n"
        )

    def help(self, line: str) -> str:
        return USAGE

    def complete(self, line: str) -> str:
        return line

    def end(self) -> str:
        return ""

    def unsolicited(self) -> str:
        return ""
