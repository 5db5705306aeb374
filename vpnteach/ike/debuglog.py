"""Render IKE records as Cisco IOS text: ``debug crypto isakmp``, ``show crypto isakmp ...``.

Nothing here computes protocol values: the engine records typed
:class:`~vpnteach.ike.records.LogLine` values (one class per kind, each with its IOS
``template``) and :class:`~vpnteach.ike.records.MoveRecorded` values, and this module only
formats them, with the simulated clock as IOS prints it (``Jun 6 10:21:50.071:``) and the
ISAKMP SA's conn-id (``ISAKMP:(1001):``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from vpnteach.ike.policy import DEFAULT_POLICY, GROUP_BITS, IsakmpPolicy
from vpnteach.ike.records import LogLine, MoveRecorded, Record, fields_of
from vpnteach.wire.printable import printable

SEED_CLOCK = datetime(2010, 6, 6, 10, 21, 50, tzinfo=timezone.utc).timestamp()
"""The seed log's first timestamp read as UTC (Jun 6 2010 10:21:50) as a simulated-clock value.

``vpnteach.pki.seed.SEED_CLOCK`` is the same wall-clock time in AEST, the routers' zone: pass
that zone to :func:`render_debug` when the clock follows the PKI's."""


def ios_time(now: float, tz: tzinfo = timezone.utc) -> str:
    """``Jun 6 10:21:50.071`` for a simulated-clock value (seconds since the epoch) in ``tz``."""
    t = datetime.fromtimestamp(now, tz=tz)
    return f"{t:%b} {t.day} {t:%H:%M:%S}.{t.microsecond // 1000:03d}"


def signed_mid(mid: int) -> int:
    """A message ID as IOS prints it: a signed 32-bit number (``-1512312688``)."""
    return mid - (1 << 32) if mid >= 1 << 31 else mid


def render_record(record: Record, tz: tzinfo = timezone.utc) -> list[str]:
    """The IOS lines for one record, each starting with its timestamp."""
    stamp = ios_time(record.time, tz) + ": "
    if isinstance(record, MoveRecorded):
        return _move_lines(record, stamp)
    return _line_lines(record, stamp)


def _move_lines(rec: MoveRecorded, stamp: str) -> list[str]:
    prefix = f"ISAKMP:({rec.conn_id}):"
    node = f"Node {signed_mid(rec.node)}, " if rec.node is not None else ""
    return [
        f"{stamp}{prefix}{node}Input = {rec.input}",
        f"{stamp}{prefix}Old State = {rec.old_state.value} New State = {rec.new_state.value}",
    ]


class RenderedBlock(str):
    """Several IOS lines this module rendered itself (:func:`id_payload_body`), each value in
    them already made printable: the one kind of parameter whose newlines are kept."""

    __slots__ = ()


def _line_lines(rec: LogLine, stamp: str) -> list[str]:
    # Parameters may carry peer text (an Aggressive Mode FQDN, a certificate subject): a
    # newline or an escape sequence in them must not start a line of its own or reach a
    # terminal (vpnteach.wire.printable, strongSwan's chunk_printable).
    params = {k: printable(v) if type(v) is str else v for k, v in fields_of(rec).items()}
    text = rec.template.format(c=rec.conn_id, T=stamp, **params)
    # A template may hold several IOS lines: the ones starting with "ISAKMP" get their own
    # timestamp, indented continuation lines do not ("{T}" places one explicitly).
    return [
        stamp + line if i == 0 or line.startswith("ISAKMP") else line
        for i, line in enumerate(text.split("\n"))
    ]


def render_debug(records: Iterable[Record], tz: tzinfo = timezone.utc) -> str:
    """The whole ``debug crypto isakmp`` output for ``records``, timestamps in ``tz``."""
    return "\n".join(line for r in records for line in render_record(r, tz)) + "\n"


def id_payload_body(
    next_payload: int, id_type: int, fields: Sequence[tuple[str, str]]
) -> RenderedBlock:
    """The indented body IOS prints under "ID payload" (next-payload, type, ..., length)."""
    rows = [("next-payload", str(next_payload)), ("type", str(id_type)), *fields]
    return RenderedBlock(
        "\n".join([f"        {name:<12} : {printable(value)}" for name, value in rows])
    )


# ------------------------------------------------------------------ show commands


@dataclass(frozen=True)
class IsakmpSaRow:
    """One row of ``show crypto isakmp sa``."""

    dst: str
    src: str
    state: str
    conn_id: int
    status: str = "ACTIVE"
    slot: int = 0


def show_crypto_isakmp_sa(rows: Iterable[IsakmpSaRow]) -> str:
    """``show crypto isakmp sa`` as IOS 12.4 prints it."""
    lines = [
        "IPv4 Crypto ISAKMP SA",
        f"{'dst':<15} {'src':<15} {'state':<14} {'conn-id':>7} {'slot':>4} status",
    ]
    for r in rows:
        lines.append(f"{r.dst:<15} {r.src:<15} {r.state:<14} {r.conn_id:>7} {r.slot:>4} {r.status}")
    lines += ["", "IPv6 Crypto ISAKMP SA", ""]
    return "\n".join(lines)


_ENC_NAMES = {
    "des": "DES - Data Encryption Standard (56 bit keys).",
    "3des": "Three key triple DES",
    "aes": "AES - Advanced Encryption Standard ({bits} bit keys).",
}
_HASH_NAMES = {
    "md5": "Message Digest 5",
    "sha": "Secure Hash Standard",
    "sha256": "Secure Hash Standard 2 (256 bit)",
    "sha384": "Secure Hash Standard 2 (384 bit)",
    "sha512": "Secure Hash Standard 2 (512 bit)",
}
_AUTH_NAMES = {
    "rsa-sig": "Rivest-Shamir-Adleman Signature",
    "pre-share": "Pre-Shared Key",
    "rsa-encr": "Rivest-Shamir-Adleman Encryption",
}


def _suite_lines(policy: IsakmpPolicy) -> list[str]:
    enc = _ENC_NAMES[policy.encryption].format(bits=policy.key_length)
    rows = [
        ("encryption algorithm", enc),
        ("hash algorithm", _HASH_NAMES[policy.hash]),
        ("authentication method", _AUTH_NAMES[policy.authentication]),
        ("Diffie-Hellman group", f"#{policy.group} ({GROUP_BITS[policy.group]} bit)"),
        ("lifetime", f"{policy.lifetime} seconds, no volume limit"),
    ]
    return [f"        {name + ':':<24}{value}" for name, value in rows]


def show_crypto_isakmp_policy(policies: Iterable[IsakmpPolicy]) -> str:
    """``show crypto isakmp policy``: each configured suite, then the default suite."""
    lines = ["", "Global IKE policy"]
    for policy in sorted(policies, key=lambda p: p.priority):
        lines.append(f"Protection suite of priority {policy.priority}")
        lines += _suite_lines(policy)
    lines.append("Default protection suite")
    lines += _suite_lines(DEFAULT_POLICY)
    return "\n".join(lines) + "\n"
