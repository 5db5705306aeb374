"""Which payloads each IKEv2 message may carry, checked before any handler (RFC 7296 §1.2-1.4).

A rule lists the payload types a message must carry and those it may; anything else makes
the message invalid (INVALID_SYNTAX, §2.21.1), as does an unknown payload with the Critical
bit set (UNSUPPORTED_CRITICAL_PAYLOAD, §2.5). Notifies and Vendor IDs may appear anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach.ikev2.context import ProtocolError
from vpnteach.ikev2.transitions import Input
from vpnteach.wire.ikev2.constants import PayloadType as P
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import UnknownPayload

_ANYWHERE = frozenset({P.N, P.V})
_SINGLE = frozenset({P.SA, P.KE, P.Ni, P.IDi, P.IDr, P.AUTH, P.TSi, P.TSr})


@dataclass(frozen=True)
class Rule:
    """Required and allowed payload types of one message."""

    required: frozenset[int]
    allowed: frozenset[int]

    def check(self, payloads: tuple[Payload, ...]) -> None:
        """Raise :class:`ProtocolError` naming the first violation."""
        types = [p.payload_type for p in payloads]
        for p in payloads:
            if isinstance(p, UnknownPayload) and p.critical:
                raise ProtocolError(
                    "unsupported_critical_payload", f"payload type {p.payload_type}"
                )
        missing = self.required - set(types)
        if missing:
            raise ProtocolError("missing_payload", f"payload types {sorted(missing)} missing")
        for t in types:
            if t not in self.allowed and t not in _ANYWHERE and not _unknown(payloads, t):
                raise ProtocolError("unexpected_payload", f"payload type {t} not allowed here")
            if t in _SINGLE and types.count(t) > 1:
                raise ProtocolError("duplicate_payload", f"payload type {t} more than once")


def _unknown(payloads: tuple[Payload, ...], t: int) -> bool:
    """A non-critical unknown payload is skipped (§2.5)."""
    return any(isinstance(p, UnknownPayload) and p.payload_type == t for p in payloads)


def _rule(required: set[int], allowed: set[int]) -> Rule:
    return Rule(frozenset(required), frozenset(required | allowed))


_CHILD = {P.SA, P.TSi, P.TSr}
RULES: dict[Input, Rule] = {
    Input.SA_INIT_REQUEST: _rule({P.SA, P.KE, P.Ni}, {P.CERTREQ}),
    Input.SA_INIT_RESPONSE: _rule(set(), {P.SA, P.KE, P.Ni, P.CERTREQ}),
    Input.AUTH_REQUEST: _rule({P.IDi, P.AUTH}, {P.CERT, P.CERTREQ, P.IDr, P.CP} | _CHILD),
    Input.AUTH_RESPONSE: _rule(set(), {P.IDr, P.AUTH, P.CERT, P.CP} | _CHILD),
    Input.INFORMATIONAL_REQUEST: _rule(set(), {P.D, P.CP}),
    Input.INFORMATIONAL_RESPONSE: _rule(set(), {P.D, P.CP}),
    Input.CREATE_CHILD_SA_REQUEST: _rule({P.SA, P.Ni}, {P.KE} | _CHILD),
    Input.CREATE_CHILD_SA_RESPONSE: _rule(set(), {P.SA, P.Ni, P.KE} | _CHILD),
}
