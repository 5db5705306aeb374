"""Commands typed at ``Router(config)#`` that are dialogues, not configuration.

The seed types ``crypto pki authenticate WIN2003`` and ``crypto pki enroll WIN2003`` at the
configuration prompt; IOS answers with questions (the CA's fingerprints, a challenge password,
what to put in the subject) and stores nothing in the running configuration (Cisco IOS
Security Configuration Guide, "Configuring Certificate Enrollment for a PKI"). They are rows of
the global grammar so that abbreviation, ``?`` and Tab know them; applied as configuration text
(:func:`vpnteach.ios.apply_commands`) they are refused, since only a console can hold the
dialogue (:mod:`vpnteach.ios.console`).
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.ike.policy import PolicyError
from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args

AUTHENTICATE = "cry(pto) pki auth(enticate) <tp:word>"
ENROLL = "cry(pto) pki enr(oll) <tp:word>"


def _interactive(d: Draft, a: Args) -> None:
    raise PolicyError(
        "an interactive command (a dialogue with the CA), not configuration: type it at "
        "router.console(), or call router.exec(...)"
    )


GLOBAL_ROWS: tuple[tuple[str, Callable[[Draft, Args], None]], ...] = (
    (AUTHENTICATE, _interactive),
    (ENROLL, _interactive),
)
