"""Prepared IKE endpoints in every state, cheap copies of them, and the genuine messages.

Two seeded endpoints (``tests/ike/harness.py``) run Main Mode, Quick Mode and a DPD exchange,
one datagram at a time; before each delivery the receiving endpoint is kept as a
:class:`Snapshot`: it expects exactly the message about to arrive. A fuzz input runs against
:meth:`Snapshot.fresh`, a ``copy.deepcopy`` that shares the immutable parts (configuration,
keys of the PKI, frozen dataclasses, transition tables) through the memo: about 0.1 ms per
copy instead of 1.4 ms for a plain deepcopy, so no fuzzed input sees another one's effects.
The traces the SA's parts keep (the IV manager's) are emptied and silenced in the snapshot.

Every message the run decrypted is recorded with its header (:class:`Genuine`): a fuzzed
datagram that equals a genuine one (same header fields, same payload bytes under the SA's
keys) is a replay of an authentic message and may change state; any other must not touch an
established SA.
"""

from __future__ import annotations

import copy
import functools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.ike.harness import B1, B2, MODERN_POLICY, MODERN_TS, T0, branch_config
from vpnteach.crypto.rng import SeededRng
from vpnteach.ike import endpoint as endpoint_module
from vpnteach.ike import informational, protection
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.sa import IsakmpSa
from vpnteach.ike.transitions import TransitionTable
from vpnteach.trace import Trace
from vpnteach.wire.chain import decode_payload_chain
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.message import Message, decode_message
from vpnteach.wire.natt import strip_non_esp_marker
from vpnteach.wire.payloads import HashPayload

GenuineKey = tuple[bytes, bytes, int, int, bytes]  # cky_i, cky_r, exchange, M-ID, payloads


def _immutables(root: object, memo: dict[int, Any]) -> dict[int, Any]:
    """Put every frozen dataclass and transition table reachable from ``root`` in ``memo``."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        params = getattr(obj, "__dataclass_params__", None)
        frozen = params is not None and params.frozen and not isinstance(obj, type)
        if frozen or isinstance(obj, TransitionTable):
            memo[id(obj)] = obj
        elif isinstance(obj, Trace):  # IV managers keep the run's trace: silence it, or
            obj.facts.clear()  # every derived IV would grow the snapshot (and its copies)
            obj.enabled = False
        elif isinstance(obj, (list, tuple, set, frozenset, deque)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.extend(vars(obj).values())
    return memo


@dataclass
class Snapshot:
    """One endpoint in one state, and the peer it talks to."""

    name: str
    endpoint: IkeEndpoint
    peer: tuple[str, int]
    memo: dict[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ep = self.endpoint
        ep.recorder.records.clear()
        ep.ctx.outbox.clear()
        ep.ctx.events.clear()
        self.memo = _immutables(ep, {id(ep.config): ep.config})
        ep.trace = ep.ctx.trace = Trace(ep.trace.actor)  # each copy records into its own

    def fresh(self) -> IkeEndpoint:
        """A private copy of the endpoint (shares only immutable parts)."""
        self.endpoint.recorder.records.clear()  # Quick Mode nodes log into the original
        return copy.deepcopy(self.endpoint, dict(self.memo))

    @property
    def sa(self) -> IsakmpSa | None:
        """The endpoint's ISAKMP SA with the peer, if any."""
        return self.endpoint.isakmp_sa(self.peer[0])


@dataclass
class Run:
    """The snapshots and genuine messages of one seeded run."""

    snapshots: list[Snapshot]
    datagrams: list[tuple[int, bytes, int]]  # (snapshot index, UDP payload, local port)
    plaintexts: list[tuple[int, Message, bytes]]  # (snapshot index, header, plaintext)
    genuine: set[GenuineKey]


def _recording_open(into: list[tuple[Message, bytes]]) -> Callable[..., Any]:
    real = protection.open_body

    def record(msg: Message, cipher: Any, ka: bytes, ivs: Any) -> Any:
        assert msg.encrypted_body is not None
        plain = cipher.decrypt(ka, ivs.iv(msg.header.message_id), msg.encrypted_body)
        into.append((msg, plain))
        return real(msg, cipher, ka, ivs)

    return record


def genuine_key(msg: Message, plaintext: bytes) -> GenuineKey | None:
    """What makes an encrypted message authentic: cookies, exchange, M-ID and the bytes its
    authentication covers. ``None`` if it does not decode.

    The padding is not covered; for a message that starts with HASH (Quick Mode, an
    informational) neither is the HASH payload's own generic header (RFC 2409 §5.5, §5.7:
    ``prf(SKEYID_a, M-ID | <the payloads after HASH>)``), so a changed RESERVED byte there
    still makes an authentic message.
    """
    try:
        chain = decode_payload_chain(msg.header.next_payload, plaintext)
    except DecodeError:
        return None
    h = msg.header
    body = plaintext[: len(plaintext) - len(chain.padding)]
    first = chain.payloads[0] if chain.payloads else None
    if isinstance(first, HashPayload):
        body = first.hash_data + body[4 + len(first.hash_data) :]
    return (h.cky_i, h.cky_r, h.exchange_type, h.message_id, body)


class _Driver:
    """Delivers queued datagrams one at a time, snapshotting the receiver first."""

    def __init__(self, b1: IkeEndpoint, b2: IkeEndpoint) -> None:
        self.eps = {"Branch1": b1, "Branch2": b2}
        self.peer_of = {"Branch1": B2, "Branch2": B1}
        self.queue: deque[tuple[str, Any]] = deque()
        self.now = T0
        self.run = Run([], [], [], set())

    def collect(self) -> None:
        for name, ep in self.eps.items():
            self.queue.extend((name, d) for d in ep.datagrams_to_send(self.now))

    def deliver_all(self, opened: list[tuple[Message, bytes]]) -> None:
        self.collect()
        while self.queue:
            sender, d = self.queue.popleft()
            receiver = "Branch2" if sender == "Branch1" else "Branch1"
            index = self.snapshot(receiver, d.local_port)
            self.run.datagrams.append((index, d.data, d.addr[1]))
            self.now += 0.01
            start = len(opened)
            src = (self.peer_of[receiver], d.local_port)
            self.eps[receiver].receive_datagram(d.data, src, self.now, d.addr[1])
            self.run.plaintexts += [(index, m, p) for m, p in opened[start:]]
            self.collect()

    def snapshot(self, name: str, port: int) -> int:
        ep = self.eps[name]
        sa = ep.isakmp_sa(self.peer_of[name])
        nodes = ",".join(n.state.name for n in sa.nodes.values()) if sa else ""
        label = f"{name}:{sa.state.name if sa else 'no SA'}" + (f"[{nodes}]" if nodes else "")
        clone = copy.deepcopy(ep)
        self.run.snapshots.append(Snapshot(label, clone, (self.peer_of[name], port)))
        return len(self.run.snapshots) - 1


@functools.cache
def build_run(modern: bool = False) -> Run:
    """Main Mode + Quick Mode + DPD between the seed's branch routers, every state kept."""
    kw: dict[str, Any] = {"policy": MODERN_POLICY, "ts": MODERN_TS} if modern else {}
    rng = SeededRng(1)
    b1 = IkeEndpoint(branch_config("Branch1", **kw), rng.fork("Branch1"), name="Branch1")
    b2 = IkeEndpoint(branch_config("Branch2", **kw), rng.fork("Branch2"), name="Branch2")
    driver = _Driver(b1, b2)
    opened: list[tuple[Message, bytes]] = []
    hooked = _recording_open(opened)
    users = (endpoint_module, informational)  # the modules that import open_body by name
    for module in users:
        setattr(module, "open_body", hooked)  # noqa: B010 - mypy: not an exported name
    try:
        b1.initiate(B2, driver.now)
        driver.deliver_all(opened)
        b1.send_dpd(B2, driver.now, 7)
        driver.deliver_all(opened)
    finally:
        for module in users:
            setattr(module, "open_body", protection.open_body)  # noqa: B010
    run = driver.run
    run.genuine = {k for _, m, p in run.plaintexts if (k := genuine_key(m, p)) is not None}
    return run


def ike_message(data: bytes, local_port: int) -> bytes | None:
    """The ISAKMP message in a UDP payload (after the non-ESP marker on 4500), or ``None``."""
    if local_port != 4500:
        return data
    try:
        kind, message = strip_non_esp_marker(data)
    except DecodeError:
        return None
    return message if kind == "ike" else None


def is_genuine(snapshot: Snapshot, data: bytes, local_port: int, genuine: set[GenuineKey]) -> bool:
    """Whether ``data`` carries an authentic message of the run (a replay), for ``snapshot``."""
    message = ike_message(data, local_port)
    if message is None:
        return False
    try:
        msg = decode_message(message)
    except DecodeError:
        return False
    sa = snapshot.sa
    k = sa.keying if sa is not None else None
    if msg.encrypted_body is None or k is None:
        return False
    body = msg.encrypted_body
    if not body or len(body) % k.cipher.block_size:
        return False
    saved = k.ivs.checkpoint()
    try:
        iv = k.ivs.iv(msg.header.message_id)
        plain = k.cipher.decrypt(k.keys.ka, iv, body)
    except ValueError:
        return False
    finally:
        k.ivs.rollback(saved)
    return genuine_key(msg, plain) in genuine
