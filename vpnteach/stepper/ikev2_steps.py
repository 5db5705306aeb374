"""IKEv2 in the stepper: messages named by exchange (RFC 7296 §1.2-§1.4), the IKEv2 table's
moves as TRANSITION steps, and what each means.

A lab whose routers run :class:`~vpnteach.gateway.Ikev2Gateway` (``Lab.seed(ike=2)``) sends
IKEv2 messages on UDP 500 (their header's Major Version is 2, RFC 7296 §3.1). Each delivered
one becomes a MESSAGE step with an :class:`Ikev2Message`: its exchange and direction
(``IKE_SA_INIT request``), its cleartext payloads, and for a message sealed in an SK payload
(§3.14) the payloads inside as the receiving engine opened them with its SK_e/SK_a (RFC 7383
fragments are named ``fragment n/m``). The engine's recorded moves
(:class:`~vpnteach.ikev2.MoveRecord`) become TRANSITION steps carrying an
:class:`Ikev2Transition`; its key facts (SKEYSEED, SK_*, KEYMAT) are ordinary fact steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpnteach._html import HtmlRepr
from vpnteach.crypto.dh import DhComputation
from vpnteach.ikev2.endpoint import Ikev2Endpoint, MoveRecord
from vpnteach.ikev2.sk import SkError, SkKeys, open_sk, open_skf, reassemble
from vpnteach.stepper.step import IkeMessage
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType, PayloadType
from vpnteach.wire.ikev2.message import Ikev2Message as WireMessage
from vpnteach.wire.ikev2.message import Payload, decode_message
from vpnteach.wire.ikev2.payloads import NotifyPayload

EXCHANGE_RFC = {
    ExchangeType.IKE_SA_INIT: "RFC 7296 §1.2",
    ExchangeType.IKE_AUTH: "RFC 7296 §1.2, §2.15",
    ExchangeType.CREATE_CHILD_SA: "RFC 7296 §1.3",
    ExchangeType.INFORMATIONAL: "RFC 7296 §1.4",
}

MESSAGES: dict[str, str] = {
    "IKE_SA_INIT request": (
        "{a} opens the IKE SA in one round trip: its proposals (SA), its Diffie-Hellman public "
        "value (KE) and a nonce, in clear, with NAT detection hashes. Where IKEv1 needed MM1-MM4, "
        "IKEv2 needs this message and its answer."
    ),
    "IKE_SA_INIT response": (
        "{a} picks one proposal and answers with its own KE and nonce. Both sides now compute "
        "g^ir, SKEYSEED and the seven SK_* keys; nothing after this travels in clear."
    ),
    "IKE_AUTH request": (
        "{a} proves who it is inside the SK payload (encrypted with SK_ei, integrity with "
        "SK_ai): its identity, certificate and AUTH, and proposes the first Child SA (SA, TSi, "
        "TSr). The identity is hidden from onlookers, as in Main Mode, but in one message."
    ),
    "IKE_AUTH response": (
        "{a} proves its identity the same way and accepts the Child SA: after this one round "
        "trip both peers have an authenticated IKE SA and the ESP SAs (no Quick Mode)."
    ),
    "CREATE_CHILD_SA request": (
        "{a} asks for a new SA under the protection of the IKE SA: a new Child SA, a Child SA "
        "rekey (with a REKEY_SA notify), each with a new KE only for PFS, or the IKE SA's own "
        "rekey (a new KE required, RFC 7296 §1.3.2)."
    ),
    "CREATE_CHILD_SA response": (
        "{a} accepts: the new SA's keys come from SK_d and the fresh nonces (and the new g^ir "
        "with PFS, or for a new IKE SA). After a rekey the old SA is deleted next."
    ),
    "INFORMATIONAL request": (
        "{a} sends an INFORMATIONAL request inside the SK payload: a Delete, or empty to check "
        "that the peer is alive."
    ),
    "INFORMATIONAL response": "{a} answers the INFORMATIONAL request (every request is answered).",
}

TRANSITIONS: dict[str, str] = {
    "I_WAIT_AUTH": "The keys exist; IKE_AUTH goes out encrypted.",
    "R_WAIT_AUTH": "{a} holds a half-open IKE SA until IKE_AUTH comes (cookies guard this).",
    "READY": "The IKE SA is authenticated and the first Child SA is installed.",
    "EXIT": "The IKE SA is gone.",
}


@dataclass(frozen=True)
class Ikev2Message(IkeMessage):
    """One IKEv2 message as it arrived at its receiver: an :class:`IkeMessage` (label, sender,
    receiver, the bytes; every view of a delivered message shows it) with the IKEv2 decoding.

    Attributes:
        label: exchange and direction (``"IKE_AUTH request"``), plus ``fragment n/m``.
        v2: the decoded IKEv2 message (``None``: it does not decode, see ``note``).
        clear: the cleartext payloads' names (``N(NAT_DETECTION_SOURCE_IP)``).
        inner: the names of the payloads inside its SK payload, as the receiver opened them.
    """

    v2: WireMessage | None = field(default=None, repr=False)
    clear: tuple[str, ...] = ()
    inner: tuple[str, ...] = ()

    @property
    def payload_names(self) -> list[str]:
        """The payloads, those inside SK in braces: ``["SK{IDi, CERT, AUTH, SA, TSi, TSr}"]``
        (for a fragmented message, on its last fragment: ``["SKF{IDi, CERT, ...}"]``)."""
        names = list(self.clear)
        if self.inner and names and names[-1] in ("SK", "SKF"):
            names[-1] += f"{{{', '.join(self.inner)}}}"
        return names


@dataclass(frozen=True)
class Ikev2Transition(HtmlRepr):
    """A move of one peer's IKEv2 state machine (a row of
    :data:`~vpnteach.ikev2.transitions.IKEV2`)."""

    router: str
    record: MoveRecord


def is_ikev2(data: bytes) -> bool:
    """The IKE header says Major Version 2 (RFC 7296 §3.1: version byte 0x20)."""
    return len(data) >= 28 and data[17] >> 4 == 2


def payload_name(payload: Payload) -> str:
    """``SA``, ``KE``, ``N(COOKIE)``: a payload as RFC 7296's figures name it."""
    if isinstance(payload, NotifyPayload):
        try:
            return f"N({NotifyType(payload.notify_message_type).name})"
        except ValueError:
            return f"N({payload.notify_message_type})"
    kind = int(payload.payload_type)
    try:
        name = PayloadType(kind).name
    except ValueError:
        return str(kind)
    return "Nonce" if name == "Ni" else name


def label_of(message: WireMessage) -> str:
    """``IKE_AUTH request``, ``IKE_AUTH request (fragment 1/2)``."""
    h = message.header
    try:
        exchange = ExchangeType(h.exchange_type).name
    except ValueError:
        exchange = f"exchange {h.exchange_type}"
    label = f"{exchange} {'response' if h.response else 'request'}"
    skf = message.skf
    if skf is not None:
        label += f" (fragment {skf.fragment_number}/{skf.total_fragments})"
    return label


class Fragments:
    """The insides of IKE fragments (RFC 7383 §2.5) opened with the receiver's keys, kept until
    the last one names the payloads of the whole message (§2.6: reassembled in order)."""

    def __init__(self) -> None:
        self.parts: dict[tuple[bytes, int, bool], dict[int, bytes]] = {}
        self.first: dict[tuple[bytes, int, bool], int] = {}

    def inner(self, data: bytes, message: WireMessage, keys: SkKeys) -> tuple[str, ...]:
        """The payload names once every fragment of ``message``'s message is in, else ``()``."""
        skf, h = message.skf, message.header
        if skf is None:
            return ()
        try:
            inside = open_skf(data, message, keys)
        except (SkError, DecodeError, ValueError):
            return ()
        key = (h.spi_i, h.message_id, h.response)
        parts = self.parts.setdefault(key, {})
        parts[skf.fragment_number] = inside
        if skf.fragment_number == 1:
            self.first[key] = skf.first_payload
        if len(parts) < skf.total_fragments or key not in self.first:
            return ()
        ordered = [parts[n] for n in range(1, skf.total_fragments + 1) if n in parts]
        try:
            payloads = reassemble(self.first[key], ordered)
        except SkError:
            return ()
        return tuple(payload_name(p) for p in payloads)


def ikev2_message(
    data: bytes, sender: str, receiver: str, endpoint: Ikev2Endpoint | None,
    fragments: Fragments | None = None,
) -> Ikev2Message:  # fmt: skip
    """The MESSAGE step's payload for ``data`` (the receiver's engine's keys open its SK
    payload; the last fragment of a fragmented message names the payloads of the whole)."""
    try:
        message = decode_message(data)
    except DecodeError as exc:
        return Ikev2Message("IKEv2?", sender, receiver, data, note=f"It does not decode: {exc}.")
    names = tuple(payload_name(p) for p in message.payloads)
    keys = _keys(message, endpoint)
    inner: tuple[str, ...] = ()
    if keys is not None and message.sk is not None:
        inner = _inner(data, message, keys)
    elif keys is not None and fragments is not None:
        inner = fragments.inner(data, message, keys)
    return Ikev2Message(
        label_of(message), sender, receiver, data, v2=message, clear=names, inner=inner
    )


def _keys(message: WireMessage, endpoint: Ikev2Endpoint | None) -> SkKeys | None:
    """The receiving IKE SA's keys for what its peer sealed (``None`` before they exist)."""
    sa = endpoint.sas.get(message.header.spi_i) if endpoint is not None else None
    return sa.sk_in() if sa is not None and sa.init is not None else None


def _inner(data: bytes, message: WireMessage, keys: SkKeys) -> tuple[str, ...]:
    """What the receiver finds inside the SK payload."""
    try:
        return tuple(payload_name(p) for p in open_sk(data, message, keys))
    except (SkError, DecodeError, ValueError):
        return ()


def message_text(label: str, actor: str) -> tuple[str, str]:
    """The RFC section and explanation of an IKEv2 message ``label`` sent by ``actor``."""
    base = label.split(" (fragment")[0]
    rfc = next((r for e, r in EXCHANGE_RFC.items() if base.startswith(e.name)), "RFC 7296 §1")
    text = MESSAGES.get(base, "{a} sends an IKEv2 message.").format(a=actor)
    if base != label:
        text += " It travels in fragments (RFC 7383): the certificate makes it too big."
    return rfc, text


def transition_text(actor: str, record: MoveRecord) -> str:
    """What a move of the IKEv2 table means."""
    old, new = str(record.state), str(record.next_state)
    what = f"{record.handler}() ({record.input})"
    if old == new:
        return f"{actor} stays in {new} while it runs {what}."
    extra = TRANSITIONS.get(new)
    base = f"{actor}'s IKEv2 state machine moves from {old} to {new}: {what}."
    return base + (" " + extra.format(a=actor) if extra else "")


def dh_of(endpoint: Ikev2Endpoint, value: object) -> tuple[object, ...]:
    """The engine's DH computation whose public value or shared secret is ``value``."""
    for sa in endpoint.sas.values():
        found = [sa.init.dh if sa.init else None, sa.pending_dh]
        found.append(sa.pending_create.dh if sa.pending_create else None)
        for dh in found:
            if isinstance(dh, DhComputation) and value in (dh.public_value, dh.shared_secret):
                return (dh,)
    return ()
