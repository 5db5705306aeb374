"""Walking a payload chain: each payload's generic header names the type of the next one
(RFC 2408 §3.2 for ISAKMP, RFC 7296 §3.2 for IKEv2), and Next Payload 0 ends the chain.

Both versions' decoders read a chain the same way; they differ only in how one payload is
read and named, which they pass in. Each payload gets a span scope ``NAME[n]`` (the n-th
payload of that name) so that a decoded message can be shown field by field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import TypeVar

from vpnteach.wire.buffer import Buffer
from vpnteach.wire.constants import label

P = TypeVar("P")

#: Next Payload 0: "no next payload" in both versions (RFC 2408 §3.1, RFC 7296 §3.10 table)
NO_NEXT_PAYLOAD = 0


def payload_meanings(payload_types: type[IntEnum]) -> dict[int, str]:
    """The meaning of each known payload type's span, e.g. ``{40: "Nonce (Ni, Nr) payload"}``."""
    return {t: f"{label(payload_types, t)} payload" for t in payload_types}


def unknown_payload_name(payload_type: int) -> str:
    """The short name of a payload type a codec does not know: ``"PAYLOAD-99"``."""
    return f"PAYLOAD-{payload_type}"


def walk_chain(
    buf: Buffer,
    first_payload_type: int,
    *,
    pull: Callable[[Buffer, int], tuple[int, P]],
    names: Mapping[int, str],
    meanings: Mapping[int, str],
) -> tuple[P, ...]:
    """Read payloads with ``pull`` from ``first_payload_type`` until Next Payload is 0.

    ``pull(buf, payload_type)`` reads one payload and returns ``(next_payload, payload)``;
    ``names`` gives the scope's short name (a type missing there is ``PAYLOAD-<n>``);
    ``meanings`` the span's meaning (a type missing there is an "unknown payload").
    """
    result: list[P] = []
    seen: dict[str, int] = {}
    nxt = first_payload_type
    while nxt != NO_NEXT_PAYLOAD:
        short = names.get(nxt)
        if short is None:
            short = unknown_payload_name(nxt)
        seen[short] = count = seen.get(short, 0) + 1
        start = buf.open_scope(f"{short}[{count}]")
        payload_type = nxt
        nxt, payload = pull(buf, payload_type)
        buf.close_scope(start, meanings.get(payload_type, "unknown payload"))
        result.append(payload)
    return tuple(result)
