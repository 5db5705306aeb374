"""Half-open ISAKMP SAs: how many a responder keeps, and for how long (call admission control).

An MM1 (or AM1) with a fresh CKY-I makes the responder create an ISAKMP SA and answer (RFC 2408
§2.5.3: the cookies name the SA). The message is unauthenticated and its source address can be
forged, so without limits anyone can make the responder keep any number of SAs for ever. IOS
and strongSwan bound them; so does this engine:

* **in negotiation, globally**: IOS ``crypto call admission limit ike in-negotiation-sa N``
  (Cisco IOS "Call Admission Control for IKE"): at most ``N`` responder SAs not yet
  established; beyond, new SA requests are dropped (and counted). Default
  :data:`DEFAULT_IN_NEGOTIATION` (the IOS documentation's default for this limit);
* **per source address**: strongSwan's ``charon.block_threshold`` (default 5, its
  ``charon.conf``): at most that many half-open SAs from one IP address;
* **timeout**: as strongSwan's ``charon.half_open_timeout``, a responder SA that does not
  complete Main Mode in time is deleted, but the timeout runs from the initiator's *last*
  message, and its default is :data:`DEFAULT_HALF_OPEN_TIMEOUT` (90 s), not strongSwan's 30 s:
  the initiators here retransmit as IOS does (5, 10, 20, 40, 80 s apart, see
  :class:`~vpnteach.ike.config.Retransmission`; strongSwan's own are 4 s x 1.8^n, up to 42 s
  apart), so a responder that gives up sooner than the longest gap loses negotiations a lossy
  link would have completed (the lab's 30 %-loss campaign: 47 of 50 runs with 30 s, 50 of 50
  with 90 s or more). ``vpnteach router run --half-open-timeout 30`` gives strongSwan's value.
  The engine takes ``now`` as input (no clock here): the SA's ``expires`` is set when it is
  created, moved on by each message from the peer, and replaced by its lifetime when Main
  Mode completes.

Only *responder* SAs count: an SA we initiated retransmits and dies by retransmission
(:class:`~vpnteach.ike.config.Retransmission`), and it must never be refused because strangers
filled the table (a responder SA never blocks our own initiation either:
:meth:`~vpnteach.ike.endpoint.IkeEndpoint.initiate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach.ike.sa import IsakmpSa, Role
from vpnteach.wire.errors import InputError

DEFAULT_IN_NEGOTIATION = 1000
"""IOS's default in-negotiation IKE SA limit (``crypto call admission limit ike
in-negotiation-sa``, range 10 to 99999)."""
DEFAULT_PER_SOURCE = 5
"""strongSwan's ``charon.block_threshold``: half-open SAs allowed from one IP address."""
DEFAULT_HALF_OPEN_TIMEOUT = 90.0
"""Seconds a responder SA may wait for the initiator's next message (module docstring: longer
than the 80 s gap of an IOS-style retransmission schedule; strongSwan's default is 30 s)."""
IN_NEGOTIATION_RANGE = (10, 99999)
"""The values IOS accepts for ``in-negotiation-sa``."""


@dataclass(frozen=True)
class HalfOpenLimits:
    """The three bounds of the module docstring (``IkeConfig.half_open``).

    Raises:
        ValueError: a bound below 1 (or a timeout not above 0): it would refuse every peer.
    """

    in_negotiation: int = DEFAULT_IN_NEGOTIATION
    per_source: int = DEFAULT_PER_SOURCE
    timeout: float = DEFAULT_HALF_OPEN_TIMEOUT
    ikev2_timeout: float | None = None  # the IKEv2 engine's (None: its own 30 s, RFC 7296 §2.6)

    def __post_init__(self) -> None:
        if self.in_negotiation < 1 or self.per_source < 1:
            raise ValueError(
                f"half-open limits must be at least 1 (in-negotiation {self.in_negotiation}, "
                f"per source {self.per_source})"
            )
        for timeout in (self.timeout, self.ikev2_timeout):
            if timeout is not None and not timeout > 0:
                raise ValueError(f"half-open timeout must be above 0 s, not {timeout}")


class AdmissionRefused(InputError):
    """An MM1/AM1 dropped because a half-open limit is reached (no SA created, no answer)."""


class HalfOpenTable:
    """The responder SAs still negotiating, by CKY-I, with a count per source address.

    Kept exact by the endpoint: :meth:`opened` when it creates a responder SA,
    :meth:`settled` when one is established or deleted, so that admitting an MM1 costs two
    dictionary look-ups, not a scan of every SA (20,000 forged MM1s must stay cheap).
    """

    def __init__(self) -> None:
        self._peer_of: dict[bytes, str] = {}
        self._per_source: dict[str, int] = {}
        self.refused_in_negotiation = 0
        self.refused_per_source = 0
        self.expired = 0
        self.admitted = 0

    def __len__(self) -> int:
        """How many responder SAs are half-open now."""
        return len(self._peer_of)

    def admit(self, source: str, limits: HalfOpenLimits) -> None:
        """May a new responder SA be created for an MM1/AM1 from ``source``?

        Raises:
            AdmissionRefused: no, and why (counted).
        """
        if len(self._peer_of) >= limits.in_negotiation:
            self.refused_in_negotiation += 1
            raise AdmissionRefused(
                f"IKE denied an SA request from {source}: in-negotiation SA limit "
                f"({limits.in_negotiation}) reached (crypto call admission limit ike "
                "in-negotiation-sa)"
            )
        if self._per_source.get(source, 0) >= limits.per_source:
            self.refused_per_source += 1
            raise AdmissionRefused(
                f"IKE denied an SA request from {source}: {limits.per_source} half-open SAs "
                "from this address already (per-source limit, strongSwan's block_threshold)"
            )
        self.admitted += 1

    def opened(self, sa: IsakmpSa) -> None:
        """``sa`` is a new responder SA (it counts until :meth:`settled`)."""
        if sa.role is Role.RESPONDER and sa.cky_i not in self._peer_of:
            self._peer_of[sa.cky_i] = source = sa.peer[0]
            self._per_source[source] = self._per_source.get(source, 0) + 1

    def settled(self, cky_i: bytes) -> None:
        """The SA with ``cky_i`` is established or gone: it no longer counts."""
        source = self._peer_of.pop(cky_i, None)
        if source is None:
            return
        left = self._per_source[source] - 1
        if left:
            self._per_source[source] = left
        else:
            del self._per_source[source]

    def statistics(self, limits: HalfOpenLimits) -> dict[str, int]:
        """The figures ``show crypto call admission statistics`` and the counters print."""
        return {
            "half-open SAs": len(self._peer_of),
            "half-open limit (in-negotiation-sa)": limits.in_negotiation,
            "half-open limit per source": limits.per_source,
            "half-open timeout (s)": int(limits.timeout),
            "MM1 accepted": self.admitted,
            "MM1 refused (in-negotiation limit)": self.refused_in_negotiation,
            "MM1 refused (per-source limit)": self.refused_per_source,
            "half-open SAs expired": self.expired,
        }
