"""The PKI and clock faults of the troubleshooting scenarios, as actions on a built lab.

Each action changes a router the way an operator (or time) would, before any traffic: a clock
set without NTP, a year passing, a CA certificate never authenticated or accepted without
comparing its fingerprint, a revoked certificate, a domain name changed or removed after
enrollment, an RSA key regenerated. :data:`PKI_ACTIONS` names them for
:data:`vpnteach.troubleshoot.scenarios.ACTIONS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vpnteach.pki.ca import seed_ca
from vpnteach.pki.keys import fork
from vpnteach.troubleshoot import attacks
from vpnteach.troubleshoot.edit import edit_config

if TYPE_CHECKING:
    from vpnteach.lab import Lab


def _set_clock(lab: Lab, router: str, days: float) -> None:
    """``clock set`` on ``router``: its clock runs ``days`` off the true time (no NTP)."""
    target = lab.router(router)
    target.set_clock(target.clock() + dt.timedelta(days=days))


def _advance_time(lab: Lab, until: str) -> None:
    """Let real time pass (both clocks right) until ISO date ``until``: certificates expire."""
    when = dt.datetime.fromisoformat(until)
    lab.run_until(when.replace(tzinfo=lab.timezone))


def _forget_ca(lab: Lab, router: str) -> None:
    """``router`` holds its own certificate but not the CA's: it cannot check the peer's."""
    for tp in lab.router(router).pki.trustpoints.values():
        tp.ca_certificate = None


def _revoke(lab: Lab, router: str, checker: str) -> None:
    """The CA revokes ``router``'s certificate; ``checker`` turns CRL checking on and fetches
    the CRL from the distribution point (over SCEP, as ``crypto pki crl request``)."""
    attacks.revoke_and_fetch_crl(lab, router, checker)


def _rename_domain(lab: Lab, router: str, domain: str) -> None:
    """``ip domain-name`` changed after enrollment: the FQDN ID no longer matches the cert."""
    edit_config(lab, router, f"ip domain-name {domain}\n")


def _regenerate_key(lab: Lab, router: str) -> None:
    """``crypto key generate rsa`` again on ``router``, answering ``yes`` to "replace them?":
    each key pair is replaced by a new one of the same label and size. The lab router only
    generates a pair it lacks (or whose modulus changed), so the replacement is made here."""
    target = lab.router(router)
    for label, old in list(target.pki.keys.items()):
        new = target.pki.generate_key(
            label, old.modulus, old.exportable, fork(target.rng, f"key/{label}/regenerated")
        )
        target.transcript += [
            f"{target.name}(config)# crypto key generate rsa general-keys label {label} "
            f"modulus {old.modulus}",
            f"% You already have RSA keys defined named {label}.",
            "% Do you really want to replace them? [yes/no]: yes",
            new.ios_message(),
        ]


def _drop_domain(lab: Lab, router: str) -> None:
    """``no ip domain name`` after enrollment: the router's FQDN ID is its bare hostname."""
    edit_config(lab, router, "no ip domain name\n")


def _impostor_ca(lab: Lab, router: str, label: str = "impostor-ca") -> None:
    """``crypto pki authenticate`` answered *yes* without comparing the fingerprint: a man in
    the middle had served another CA's certificate with the same name (RFC 4210 §4.4 and
    IOS's fingerprint prompt exist to catch exactly this). ``router`` now trusts that CA."""
    impostor = seed_ca(fork(lab.rng, label), key_bits=1024).certificate
    for tp in lab.router(router).pki.trustpoints.values():
        tp.ca_certificate = impostor


PKI_ACTIONS: dict[str, Callable[..., Any]] = {
    "set_clock": _set_clock,
    "advance_time": _advance_time,
    "forget_ca": _forget_ca,
    "revoke": _revoke,
    "rename_domain": _rename_domain,
    "drop_domain": _drop_domain,
    "impostor_ca": _impostor_ca,
    "regenerate_key": _regenerate_key,
}
"""The PKI and clock actions, by the name a scenario gives."""
