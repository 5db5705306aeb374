"""IKE fragment reassembly (RFC 7383 §2.6), with bounds on what a receiver keeps.

An IKE SA keeps the authenticated fragments of a message (each one's ICV is checked before it
is kept, §2.6) until all are in. RFC 7383 leaves the limits to the receiver; whoever finished
IKE_SA_INIT with us holds the keys of a half-open SA, so a message in pieces is memory an
unauthenticated peer chooses. This engine keeps, per IKE SA:

* one message in reassembly per direction (requests, responses; strongSwan's
  ``task_manager_v2.c`` also keeps one defragmentation buffer per direction): a fragment of
  another Message ID replaces the older buffer, which can no longer complete;
* at most :data:`MAX_FRAGMENTS` fragments and :data:`MAX_REASSEMBLED` bytes of decrypted
  content per message (strongSwan refuses a message larger than ``charon.max_packet``,
  10,000 bytes by default, fragmented or not; Rockhopper's defaults are 64 fragments and
  32,768 bytes): beyond either, the message is dropped with its buffer;
* a buffer for :data:`FRAGMENT_SECONDS` at most: the receiver discards the fragments of a
  message that did not complete in time (§2.6); the sender retransmits all of them
  (§2.6.1), which starts a new buffer.
"""

from __future__ import annotations

from vpnteach.ikev2.context import ProtocolError
from vpnteach.ikev2.sa import FragmentBuffer
from vpnteach.ikev2.sk import reassemble
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import SkfPayload

MAX_FRAGMENTS = 64
"""More fragments than this in one message are refused."""
MAX_REASSEMBLED = 32 * 1024
"""Bytes of decrypted fragment content one message may reach."""
FRAGMENT_SECONDS = 30.0
"""Seconds a message may take to arrive in full, from its first fragment kept."""

Buffers = dict[tuple[int, bool], FragmentBuffer]


def add_fragment(
    buffers: Buffers, key: tuple[int, bool], skf: SkfPayload, inside: bytes, now: float
) -> tuple[Payload, ...] | None:
    """Keep one authenticated fragment of the message ``key`` (Message ID, response); the
    message's payloads once all are in (its buffer then goes), else ``None``.

    Raises:
        ProtocolError: too many fragments, a changed Total Fragments, or a message larger
            than :data:`MAX_REASSEMBLED` (its buffer goes too).
        SkError: the reassembled payloads do not parse.
    """
    if skf.total_fragments > MAX_FRAGMENTS:
        raise ProtocolError("bad_fragment", f"{skf.total_fragments} fragments announced")
    for older in [k for k in buffers if k[1] == key[1] and k != key]:
        del buffers[older]  # one message per direction: that one will never complete
    buffer = buffers.get(key)
    if buffer is None or now - buffer.started > FRAGMENT_SECONDS:
        buffer = buffers[key] = FragmentBuffer(skf.total_fragments, started=now)
    if buffer.total != skf.total_fragments:
        raise ProtocolError("bad_fragment", "Total Fragments changed within a message")
    size = buffer.size() - len(buffer.parts.get(skf.fragment_number, b"")) + len(inside)
    if size > MAX_REASSEMBLED:
        del buffers[key]
        raise ProtocolError("bad_fragment", f"a message of more than {MAX_REASSEMBLED} bytes")
    buffer.parts[skf.fragment_number] = inside
    if skf.fragment_number == 1:
        buffer.first_payload = skf.first_payload
    parts = buffer.complete()
    if parts is None:
        return None
    del buffers[key]
    return reassemble(buffer.first_payload, parts)


def expire_fragments(buffers: Buffers, now: float) -> int:
    """Forget the buffers older than :data:`FRAGMENT_SECONDS`; how many went."""
    stale = [k for k, b in buffers.items() if now - b.started > FRAGMENT_SECONDS]
    for key in stale:
        del buffers[key]
    return len(stale)
