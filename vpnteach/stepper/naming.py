"""Naming ISAKMP messages as a learner reads them: ``MM1``..``MM6``, ``AM1``..``AM3``,
``QM1``..``QM3``, ``INFO`` (RFC 2409 §5, §5.4, §5.5 number them by their order in the
exchange), from the bytes on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpnteach.wire.constants import ExchangeType
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.message import decode_message

MM, QM, INFO = (
    ExchangeType.IDENTITY_PROTECTION,
    ExchangeType.QUICK_MODE,
    ExchangeType.INFORMATIONAL,
)


#: The label prefix of each exchange type the namer numbers (Aggressive Mode: RFC 2409 §5.4).
_PREFIX: dict[int, str] = {MM: "MM", ExchangeType.AGGRESSIVE: "AM", QM: "QM"}


@dataclass
class _Exchange:
    initiator: str
    seen: dict[bytes, str] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)


class MessageNamer:
    """Names ISAKMP messages ``MM1``..``MM6``, ``AM1``..``AM3``, ``QM1``..``QM3``, ``INFO``
    from their headers.

    An exchange is identified by its cookie (Main Mode) or cookie and message ID (Quick
    Mode); its initiator is whoever sent its first message. The n-th *distinct* message a
    side sends is numbered by RFC 2409's order (initiator odd, responder even); the same bytes
    again are the same message (a retransmission). ``alias`` names modified bytes after the
    original.
    """

    def __init__(self) -> None:
        self.exchanges: dict[tuple[bytes, int], _Exchange] = {}
        self.aliases: dict[bytes, str] = {}

    def name(self, data: bytes, sender: str, *, commit: bool = True) -> tuple[str, bool]:
        """``(label, seen before)`` for ``data`` sent by ``sender``."""
        if data in self.aliases:
            return self.aliases[data], False
        try:
            header = decode_message(data).header
        except DecodeError:
            return "ISAKMP?", False
        if header.exchange_type == INFO:
            return "INFO", False
        if header.exchange_type not in _PREFIX:
            return f"exchange {header.exchange_type}", False
        key = (header.cky_i, header.message_id if header.exchange_type == QM else 0)
        exchange = self.exchanges.get(key) or _Exchange(sender)
        if commit:
            self.exchanges[key] = exchange
        if data in exchange.seen:
            return exchange.seen[data], True
        count = exchange.sent.get(sender, 0) + 1
        number = 2 * count - 1 if sender == exchange.initiator else 2 * count
        label = f"{_PREFIX[header.exchange_type]}{number}"
        if commit:
            exchange.sent[sender] = count
            exchange.seen[data] = label
        return label, False

    def alias(self, data: bytes, label: str) -> None:
        """Name ``data`` (modified bytes) ``label``."""
        self.aliases[data] = label
