"""What the exchange handlers share: configuration, randomness, facts, and the outputs.

Handlers never touch sockets or clocks: they queue :class:`~vpnteach.ikev2.sa.Datagram` s,
events and facts here, and the endpoint hands them out (STYLE.md sans-IO shape). Sending a
request arms its retransmission (RFC 7296 §2.1); sending a response keeps it to answer a
retransmitted request again. Headers follow §3.1: the I flag on everything the original
initiator sends, the R flag on responses, the Message ID of the exchange.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from vpnteach.crypto.rng import Rng
from vpnteach.ikev2.config import Ikev2Config
from vpnteach.ikev2.events import Event
from vpnteach.ikev2.sa import Datagram, IkeSa, Retransmit
from vpnteach.ikev2.sk import seal, seal_fragments
from vpnteach.trace import Trace
from vpnteach.wire.ikev2.constants import ERROR_NOTIFY_LIMIT, Flags
from vpnteach.wire.ikev2.message import Ikev2Header, Ikev2Message, Payload, encode_message
from vpnteach.wire.ikev2.payloads import NotifyPayload
from vpnteach.wire.natt import add_non_esp_marker

T = TypeVar("T")

NAT_T_PORT = 4500


class ProtocolError(ValueError):
    """A message that cannot be processed; the endpoint counts and drops it (``reason`` is
    the counter's name) without changing any SA."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


class Context:
    """The shared pieces of one endpoint."""

    def __init__(self, config: Ikev2Config, rng: Rng, trace: Trace) -> None:
        self.config = config
        self.rng = rng
        self.trace = trace
        self.now = 0.0
        self.outbox: list[Datagram] = []
        self.events: deque[Event] = deque()
        self.stats: Counter[str] = Counter()
        self.half_open = 0  # responder SAs waiting for IKE_AUTH (RFC 7296 §2.6)
        self.cookie_secret = rng.random_bytes(16)
        self.adopted: list[IkeSa] = []  # IKE SAs a handler created (a rekey, §1.3.2)

    def emit(self, event: Event) -> None:
        """Report ``event`` to the application."""
        self.events.append(event)

    def _header(self, sa: IkeSa, exchange: int, message_id: int, response: bool) -> Ikev2Header:
        flags = (Flags.INITIATOR if sa.initiator else 0) | (Flags.RESPONSE if response else 0)
        return Ikev2Header(sa.spi_i, sa.spi_r, exchange, int(flags), message_id)

    def _datagram(self, sa: IkeSa, data: bytes) -> Datagram:
        if sa.local_port == NAT_T_PORT:
            data = add_non_esp_marker(data)
        return Datagram(data, sa.peer, sa.local_port)

    def encode(
        self, sa: IkeSa, exchange: int, mid: int, payloads: Sequence[Payload], *, response: bool
    ) -> list[bytes]:
        """The message: plaintext before keys exist, else one SK payload (§3.14), or SKF
        fragments if it is larger than the fragment size and both ends fragment (RFC 7383)."""
        header = self._header(sa, exchange, mid, response)
        if sa.init is None:
            return [encode_message(Ikev2Message(header, tuple(payloads)))]
        whole = seal(header, payloads, sa.sk_out(), self.rng)
        limit = sa.config.fragment_size
        if not sa.fragmentation or len(whole) <= limit:
            return [whole]
        self.stats["fragmented_messages"] += 1
        return seal_fragments(header, payloads, sa.sk_out(), self.rng, limit)

    def send_request(self, sa: IkeSa, exchange: int, payloads: Sequence[Payload]) -> bytes:
        """Send a request with our next Message ID and arm its retransmission; returns the
        message (its first fragment if fragmented)."""
        mid = sa.next_request_id
        messages = self.encode(sa, exchange, mid, payloads, response=False)
        datagrams = tuple(self._datagram(sa, m) for m in messages)
        self.outbox.extend(datagrams)
        interval = self.config.retransmission.interval
        sa.retransmit = Retransmit(datagrams, mid, self.now + interval, interval)
        sa.next_request_id += 1
        return messages[0]

    def send_response(
        self, sa: IkeSa, exchange: int, mid: int, payloads: Sequence[Payload]
    ) -> bytes:
        """Answer the request with Message ID ``mid``; kept for its retransmissions."""
        messages = self.encode(sa, exchange, mid, payloads, response=True)
        datagrams = tuple(self._datagram(sa, m) for m in messages)
        self.outbox.extend(datagrams)
        sa.last_response = datagrams
        return messages[0]


@dataclass(frozen=True)
class Received:
    """One received message as handlers see it: decoded, opened, where it came from."""

    message: Ikev2Message
    data: bytes  # without the non-ESP marker: what AUTH and the ICV cover
    payloads: tuple[Payload, ...]  # plaintext payloads, or the SK payload's decrypted inside
    addr: tuple[str, int]
    local_port: int

    @property
    def message_id(self) -> int:
        """The header's Message ID."""
        return self.message.header.message_id

    def notifies(self) -> list[NotifyPayload]:
        """The Notify payloads, in order."""
        return [p for p in self.payloads if isinstance(p, NotifyPayload)]

    def notify(self, kind: int) -> NotifyPayload | None:
        """The first Notify of type ``kind``."""
        return next((n for n in self.notifies() if n.notify_message_type == kind), None)

    def error_notify(self) -> NotifyPayload | None:
        """The first error Notify (type below 16384, §3.10.1)."""
        return next(
            (n for n in self.notifies() if n.notify_message_type < ERROR_NOTIFY_LIMIT), None
        )

    def first(self, cls: type[T]) -> T | None:
        """The first payload of class ``cls``."""
        return next((p for p in self.payloads if isinstance(p, cls)), None)

    def need(self, cls: type[T], what: str) -> T:
        """The first payload of class ``cls``; :class:`ProtocolError` if absent."""
        found = self.first(cls)
        if found is None:
            raise ProtocolError("missing_payload", f"no {what} payload")
        return found
