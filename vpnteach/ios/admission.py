"""Call admission control for IKE, configured as IOS has it (Cisco IOS "Call Admission Control
for IKE")::

    crypto call admission limit ike in-negotiation-sa 1000   ! 10-99999
    no crypto call admission limit ike in-negotiation-sa     ! back to the default

It bounds how many responder ISAKMP SAs may be negotiating at once; beyond it a new MM1 is
dropped and counted (:mod:`vpnteach.ike.admission`, which also has strongSwan's per-address
limit and half-open timeout, not configurable in IOS).
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.ike.admission import IN_NEGOTIATION_RANGE
from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args

Handler = Callable[[Draft, Args], None]
Row = tuple[str, Handler] | tuple[str, Handler, str]

_LOW, _HIGH = IN_NEGOTIATION_RANGE
_LIMIT = "crypto call admission limit ike in-negotiation-sa"


def _limit(d: Draft, a: Args) -> None:
    d.in_negotiation_sa = a["number"]


def _no_limit(d: Draft, a: Args) -> None:
    d.in_negotiation_sa = None


GLOBAL_ROWS: tuple[Row, ...] = (
    (f"{_LIMIT} <number:int:{_LOW}-{_HIGH}>", _limit),
    (f"no {_LIMIT} [<number:int:{_LOW}-{_HIGH}>]", _no_limit),
)
