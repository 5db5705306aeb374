"""The two SAs of each Quick Mode, and which pairs this router asked for.

RFC 2409 §5.5: one Quick Mode creates an inbound and an outbound SA that live and die
together: a Delete or INVALID-SPI naming one of them (RFC 2408 §3.15, §3.14.1) removes both.
The side that initiated a pair rekeys it first (:mod:`vpnteach.gateway.lifetimes`), so the
gateway remembers which outbound SAs it asked for. Both maps are keyed by
:class:`~vpnteach.esp.sa.SaId` (direction, SPI, destination: what names an SA, RFC 4301 §4.1),
never by object identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vpnteach.esp.sa import Direction, IpsecSa, SaId


class SaPairs:
    """Partners and ownership of installed SA pairs."""

    def __init__(self) -> None:
        self._partner: dict[SaId, IpsecSa] = {}
        self._ours: set[SaId] = set()

    def __len__(self) -> int:
        return len(self._partner)

    def add(self, inbound: IpsecSa, outbound: IpsecSa, *, ours: bool) -> None:
        """A new pair from one Quick Mode; ``ours``: we initiated it (so we rekey it)."""
        self._partner[inbound.sa_id], self._partner[outbound.sa_id] = outbound, inbound
        if ours:
            self._ours.add(outbound.sa_id)

    def with_partners(self, sas: Iterable[IpsecSa]) -> list[IpsecSa]:
        """``sas`` and the partner of each, each SA once, in order."""
        found = list(sas)
        found += [p for sa in found if (p := self._partner.get(sa.sa_id)) is not None]
        return list(dict.fromkeys(found))

    def find(self, spi: int, direction: Direction) -> IpsecSa | None:
        """The paired SA with ``spi`` going ``direction`` (an SA the SAD may already have
        removed at its hard lifetime: its events name it by SPI and direction only)."""
        for sa_id, partner in self._partner.items():
            if sa_id.spi == spi and sa_id.direction is direction:
                return self._partner.get(partner.sa_id)
        return None

    def initiated_by_us(self, sa: IpsecSa) -> bool:
        """Did this router start the Quick Mode of ``sa``?"""
        return sa.sa_id in self._ours

    def forget(self, sa: IpsecSa) -> None:
        """``sa`` left the SAD."""
        self._partner.pop(sa.sa_id, None)
        self._ours.discard(sa.sa_id)

    def prune(self, installed: Callable[[IpsecSa], bool]) -> None:
        """Forget every SA that is no longer ``installed`` (the SAD removed it on its own, at
        its hard lifetime), so the maps never outgrow the SAD."""
        for sa in [sa for sa in self._partner.values() if not installed(sa)]:
            self.forget(sa)
