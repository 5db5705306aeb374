"""Fuzz ``IkeEndpoint.receive_datagram`` in every state of a Main Mode + Quick Mode + DPD run.

Input layout: byte 0 picks the snapshot (a prepared endpoint, see ``fuzz/_endpoints.py``;
the seed and the modern profile, every state of both roles), byte 1 the mode (mod 4):

0. raw: the rest is the UDP payload, received on port 500 from the peer;
1. raw on port 4500 (the fuzzer decides whether a non-ESP marker is there);
2. structure-aware: bytes 2-5 are exchange type, an M-ID selector (0, the SA's live Quick
   Mode M-IDs, the M-IDs of the run's messages at this state, a fresh one), the first payload
   type and the flags; the rest is the *plaintext* body, encrypted with the SA's real ``Ka``
   and the IV the receiver will use, under the SA's cookies; so the fuzzer reaches the
   handlers behind decryption, but cannot forge the HASH (it does not know ``SKEYID_a``);
3. insider: as 2, but the HASH payload is computed with the real ``SKEYID_a`` (HASH(1) of
   Quick Mode or of an informational, HASH(2) for a Quick Mode reply) and put first, so the
   payload handlers after the authentication see fuzzed payloads.

Invariants, checked on every input:

* no exception escapes ``receive_datagram`` (it drops only the package's own input errors,
  so a bug raises with its traceback);
* modes 0-2, unless the datagram is a replay of a genuine message of the run: an
  established ISAKMP SA keeps its cookies, keys, suite, peer, port, state and phase-1 IV
  chain, gains no Quick Mode node, its completed Quick Modes keep their IPsec SA specs, and
  no event that needs authentication (phase complete, notification received, SA deleted,
  DPD answered) is emitted. (A Quick Mode still in flight is not protected: a forged reply
  with a bad HASH ends it, see ``fuzz/REPORT.md``.)
* mode 3: an established SA that is still alive keeps its cookies and keys.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._endpoints import Run, Snapshot, build_run, is_genuine
from fuzz._harness import main
from vpnteach.ike import keymat
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import (
    DeadPeerAnswered,
    NotificationReceived,
    Phase1Complete,
    Phase2Complete,
    SaDeleted,
)
from vpnteach.ike.protection import pad
from vpnteach.ike.sa import IsakmpSa, Role
from vpnteach.ike.states import IkeState
from vpnteach.wire.chain import decode_payload_chain, encode_payload_chain
from vpnteach.wire.constants import ExchangeType, Flags, PayloadType
from vpnteach.wire.message import IsakmpHeader, Message, encode_message
from vpnteach.wire.payloads import HashPayload

NAME = "endpoint"
#: Events only an authenticated message may cause (NegotiationFailed and NotificationSent
#: are the endpoint's own reaction to a bad message, and allowed).
AUTHENTICATED_EVENTS = (
    Phase1Complete,
    Phase2Complete,
    NotificationReceived,
    SaDeleted,
    DeadPeerAnswered,
)
FRESH_MID = 0x0BADC0DE
RUNS: tuple[Run, ...] = ()
TARGETS: list[tuple[Snapshot, Run, tuple[int, ...]]] = []


def _setup() -> None:
    global RUNS
    if TARGETS:
        return
    RUNS = (build_run(False), build_run(True))
    for run in RUNS:
        for index, snap in enumerate(run.snapshots):
            sa = snap.sa
            mids = {0, FRESH_MID, *(sa.nodes if sa else ())}
            mids |= {m.header.message_id for i, m, _ in run.plaintexts if i == index}
            TARGETS.append((snap, run, tuple(sorted(mids))))


# --- building the datagram ---------------------------------------------------------------


def _hash_payload(sa: IsakmpSa, exchange: int, mid: int, rest: bytes) -> bytes:
    """HASH(1) / HASH(2) with the real SKEYID_a (RFC 2409 §5.5, §5.7), as a payload chain."""
    assert sa.keying is not None
    h, skeyid_a = sa.keying.hash, sa.keying.keys.skeyid_a
    node = sa.nodes.get(mid)
    if exchange == ExchangeType.INFORMATIONAL:
        digest = keymat.informational_hash(h, skeyid_a, mid, rest)
    elif node is not None and node.role is Role.INITIATOR and node.state == IkeState.IKE_QM_I_QM1:
        digest = keymat.qm_hash2(h, skeyid_a, mid, node.ni_b, rest)
    else:
        digest = keymat.qm_hash1(h, skeyid_a, mid, rest)
    return encode_payload_chain((HashPayload(digest),))


def _sealed(
    ep: IkeEndpoint, snap: Snapshot, mids: tuple[int, ...], data: bytes, insider: bool
) -> bytes | None:
    """An encrypted message under the copy's SA; ``None`` when there are no keys yet."""
    sa = ep.isakmp_sa(snap.peer[0])
    k = sa.keying if sa is not None else None
    if sa is None or k is None or len(data) < 4:
        return None
    exchange, mid, first, flags = data[0], mids[data[1] % len(mids)], data[2], data[3]
    body = data[4:]
    if insider:
        chain = _hash_payload(sa, exchange, mid, body)
        body = bytes([first]) + chain[1:] + body  # HASH's next payload is the fuzzed type
        first = PayloadType.HASH
    bs = k.cipher.block_size
    plaintext = pad(body, bs) if insider else body + bytes(-len(body) % bs or (0 if body else bs))
    try:
        iv = k.ivs.iv(mid)
    except ValueError:
        iv = bytes(bs)
    ciphertext = k.cipher.encrypt(k.keys.ka, iv, plaintext)
    flags |= Flags.ENCRYPTION
    header = IsakmpHeader(sa.cky_i, sa.cky_r, exchange, flags, mid, next_payload=first)
    return encode_message(Message(header, (), ciphertext))


# --- the invariants ----------------------------------------------------------------------


def _fingerprint(sa: IsakmpSa) -> tuple[object, ...]:
    k, n = sa.keying, sa.negotiated
    last = k.ivs._last_phase1_block if k is not None else None
    keys = k.keys if k is not None else None
    suite = n.suite if n is not None else None
    return (sa.cky_i, sa.cky_r, keys, suite, sa.peer, sa.local_port, sa.state, last)


def _keys(sa: IsakmpSa) -> object:
    return sa.keying.keys if sa.keying is not None else None


def _ipsec_sas(sa: IsakmpSa) -> dict[int, object]:
    """The completed Quick Mode exchanges and their IPsec SA specs."""
    done = IkeState.IKE_QM_PHASE2_COMPLETE
    return {mid: n.specs for mid, n in sa.nodes.items() if n.state == done}


def _established(ep: IkeEndpoint) -> list[IsakmpSa]:
    return [sa for sa in ep.sas.values() if sa.established and not sa.dead]


def _check_untouched(before: IkeEndpoint, after: IkeEndpoint) -> list[str]:
    problems = []
    for sa in _established(before):
        now = after.sas.get(sa.cky_i)
        if now is None or now.dead:
            problems.append(f"established SA {sa.cky_i.hex()} was deleted")
            continue
        if _fingerprint(now) != _fingerprint(sa):
            problems.append(f"SA {sa.cky_i.hex()}: {_fingerprint(sa)} -> {_fingerprint(now)}")
        if _ipsec_sas(now) != _ipsec_sas(sa):
            problems.append(f"SA {sa.cky_i.hex()} IPsec SAs: {_ipsec_sas(sa)} -> {_ipsec_sas(now)}")
        if set(now.nodes) - set(sa.nodes):
            problems.append(f"SA {sa.cky_i.hex()} gained nodes {set(now.nodes) - set(sa.nodes)}")
    forged = [e for e in after.ctx.events if isinstance(e, AUTHENTICATED_EVENTS)]
    if _established(before) and forged:
        problems.append(f"events from an unauthenticated datagram: {forged}")
    return problems


def _check_keys(before: IkeEndpoint, after: IkeEndpoint) -> list[str]:
    problems = []
    for sa in _established(before):
        now = after.sas.get(sa.cky_i)
        if now is not None and not now.dead and (now.cky_r, _keys(now)) != (sa.cky_r, _keys(sa)):
            problems.append(f"SA {sa.cky_i.hex()} changed its cookies or keys")
    return problems


def test_one_input(data: bytes) -> None:
    """One input: snapshot, mode, then the datagram or the plaintext (see the module doc)."""
    _setup()
    if len(data) < 2:
        return
    snap, run, mids = TARGETS[data[0] % len(TARGETS)]
    mode, body = data[1] % 4, data[2:]
    port = 4500 if mode == 1 else 500
    ep = snap.fresh()
    datagram = _sealed(ep, snap, mids, body, mode == 3) if mode >= 2 else body
    if datagram is None:
        datagram = body
    ep.receive_datagram(datagram, snap.peer, ep.ctx.now + 0.5, port)  # a bug raises here
    if mode == 3:
        problems = _check_keys(snap.endpoint, ep)
    elif is_genuine(snap, datagram, port, run.genuine):
        problems = []
    else:
        problems = _check_untouched(snap.endpoint, ep)
    if problems:
        raise AssertionError(f"{snap.name}, mode {mode}: " + "; ".join(problems))


# --- seeds -------------------------------------------------------------------------------


def seeds() -> list[bytes]:
    """Every genuine datagram at the state that received it, raw and as a plaintext."""
    _setup()
    found = []
    offset = 0
    for run in RUNS:
        for index, data, port in run.datagrams:
            found.append(bytes([offset + index, 1 if port == 4500 else 0]) + data)
        for index, msg, plain in run.plaintexts:
            mids = TARGETS[offset + index][2]
            h = msg.header
            head = bytes([h.exchange_type, mids.index(h.message_id), h.next_payload, h.flags])
            found.append(bytes([offset + index, 2]) + head + plain)
            if h.next_payload == PayloadType.HASH:
                hash_len = int.from_bytes(plain[2:4], "big")
                padding = decode_payload_chain(h.next_payload, plain).padding
                rest = plain[hash_len : len(plain) - len(padding)]
                after = bytes([h.exchange_type, mids.index(h.message_id), plain[0], h.flags])
                found.append(bytes([offset + index, 3]) + after + rest)
        offset += len(run.snapshots)
    return found


if __name__ == "__main__":
    main(NAME, test_one_input, seeds)
