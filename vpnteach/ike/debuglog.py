"""Render IKE records as Cisco IOS text: ``debug crypto isakmp``, ``show crypto isakmp ...``.

Nothing here computes protocol values: the engine records :class:`~vpnteach.ike.records.LogLine`
and :class:`~vpnteach.ike.records.MoveRecorded` values, and this module only formats them, one
template per record kind, with the simulated clock as IOS prints it (``Jun 6 10:21:50.071:``)
and the ISAKMP SA's conn-id (``ISAKMP:(1001):``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from vpnteach.ike.policy import DEFAULT_POLICY, GROUP_BITS, IsakmpPolicy
from vpnteach.ike.records import LogLine, MoveRecorded, Record
from vpnteach.wire.printable import printable

SEED_CLOCK = datetime(2010, 6, 6, 10, 21, 50, tzinfo=timezone.utc).timestamp()
"""The seed log's first timestamp read as UTC (Jun 6 2010 10:21:50) as a simulated-clock value.

``vpnteach.pki.seed.SEED_CLOCK`` is the same wall-clock time in AEST, the routers' zone: pass
that zone to :func:`render_debug` when the clock follows the PKI's."""

C = "ISAKMP:({c}):"
CC = "ISAKMP (0:{c}):"

TEMPLATES: dict[str, str] = {
    "sa_request": C + " SA request profile is (NULL)",
    "peer_created": "ISAKMP: Created a peer struct for {peer}, peer port {port}",
    "peer_handle": "ISAKMP: New peer created peer = 0x{peer_ptr} peer_handle = 0x{handle}",
    "locking": "ISAKMP: Locking peer struct 0x{peer_ptr}, refcount 1 for isakmp_initiator",
    "insert_sa": "insert sa successfully sa = {sa_ptr}",
    "local_port": "ISAKMP: local port {local_port}, remote port {remote_port}",
    "new_node": "ISAKMP: set new node {node} to QM_IDLE",
    "no_aggressive": C + "Can not start Aggressive mode, trying Main mode.",
    "no_psk": C + "No pre-shared key with {peer}!",
    "psk_found": C + "found peer pre-shared key matching {peer}",
    "vid_constructed": C + " constructed {name} ID",
    "begin_mm": C + " beginning Main Mode exchange",
    "begin_am": C + " beginning Aggressive Mode exchange",
    # ours (no public IOS log of the refusal at hand): crypto isakmp aggressive-mode disable
    "am_disabled": C + " Aggressive Mode is disabled: AM1 from {peer} refused",
    "sending": C + " sending packet to {peer} my_port {my_port} peer_port {peer_port} "
    "({role}) {sa_state}\n" + C + "Sending an IKE IPv4 Packet.",
    "received": CC + " received packet from {peer} dport {dport} sport {sport} Global "
    "({role}) {sa_state}",
    "processing": C + " processing {payload} payload. message ID = {mid}",
    "vid_processing": C + " processing vendor id payload",
    "vid_seems_unity": C + " vendor ID seems Unity/DPD but major {major} mismatch",
    "vid_natt": CC + " vendor ID is {name}",
    "vid_is": C + " vendor ID is {name}",
    "vid_ios": C + " speaking to another IOS box!",
    "scan_xauth": "ISAKMP : Scanning profiles for xauth ...",
    "checking_transform": C + "Checking ISAKMP transform {number} against {against}",
    "attribute": "ISAKMP: {line}",
    "atts_acceptable": C + "atts are acceptable. Next payload is {next}",
    "atts_not_acceptable": C + "atts are not acceptable. Next payload is {next}",
    "problem": C + "{text}",
    "acceptable_life": C
    + "Acceptable atts:actual life: 0\n"
    + C
    + "Acceptable atts:life: 0\n"
    + C
    + "Fill atts in sa vpi_length:4\n"
    + C
    + "Fill atts in sa life_in_seconds:{life}\n"
    + C
    + "Returning Actual lifetime: {life}\n"
    + C
    + ":Started lifetime timer: {life}",
    "cert_req_constructing": CC + " constructing CERT_REQ for issuer {issuer}",
    "peer_wants_cert": C
    + " peer wants a CT_X509_SIGNATURE cert\n"
    + C
    + " peer wants cert issued by {issuer}",
    "choosing_trustpoint": "Choosing trustpoint {trustpoint} as issuer",
    "nat_d": "ISAKMP:received payload type 20",
    "nat_text": C + "{text}",
    "initial_contact": C + "Send initial contact",
    "id_not_in_cert": C
    + "My ID configured as IPv4 Addr, but Addr not in Cert!\n"
    + C
    + "Using FQDN as My ID",
    "sa_doing": C + "SA is doing {method} authentication using id type {id_type}",
    "id_payload": CC + " ID payload\n{body}",
    "total_length": C + "Total payload length: {length}",
    "constructing_cert": CC + " constructing CERT payload for {subject}",
    "growing_buffer": "ISKAMP: growing send buffer from 1024 to 3072",
    "sign_keypair": C + " using the {trustpoint} trustpoint's keypair to sign",
    "profiles_none": "ISAKMP:(0):: peer matches *none* of the profiles",
    "processing_cert": C + " processing a CT_X509_SIGNATURE cert",
    "pubkey_not_cached": C + " peer's pubkey isn't cached",
    "no_dn": C + " Unable to get DN from certificate!",
    "no_ou": C + " Cert presented by peer contains no OU field.",
    "authenticated": C
    + "SA authentication status:\n        authenticated\n"
    + C
    + "SA has been authenticated with {peer}",
    "peer_inserted": "ISAKMP: Trying to insert a peer {local}/{peer}/{port}/, "
    "and inserted successfully {handle}.",
    "begin_qm": C + "beginning Quick Mode exchange, M-ID of {mid}",
    "qm_spi": C + "QM {role} gets spi",
    "checking_ipsec": C + "Checking IPSec proposal {number}",
    "ipsec_attribute": "ISAKMP: {line}",
    "ipsec_acceptable": C + "atts are acceptable.",
    "ipsec_not_acceptable": C + "atts are not acceptable.",
    "creating_sas": C + " Creating IPSec SAs",
    "ipsec_sa": "{direction} SA from {src} to {dst} (f/i) 0/ 0\n"
    "        (proxy {src_proxy} to {dst_proxy})\n{T}has spi 0x{spi} and conn_id 0\n"
    "{T}lifetime of {seconds} seconds\n{T}lifetime of {kilobytes} kilobytes",
    "deleting_node": C + "deleting node {mid} error FALSE reason '{reason}'",
    "deleting_sa": C + 'deleting SA reason "{reason}" state ({role}) {sa_state} (peer {peer})',
    "notify_sent": C + "sending {notify} notify to {peer}",
    "notify_received": C + " processing NOTIFY {notify} protocol {protocol}",
    "delete_received": C + " processing DELETE payload for {protocol} SA",
    "retransmit": C
    + " retransmitting phase {phase} {sa_state}...\n"
    + C
    + " incrementing error counter on sa, attempt {attempt} of {limit}: retransmit phase {phase}",
    "give_up": C + " retransmission limit reached: deleting SA",
    "resend_skipped": C
    + " retransmission skipped for phase {phase} (time since last transmission {since_ms})",
    "error": C + "{text}",
    "dpd_sent": C + "Sending NOTIFY DPD/R_U_THERE to {peer}, seq. no 0x{sequence} "
    "(attempt {attempt} of 5)",
    "dpd_ack": C + "DPD/R_U_THERE_ACK received from peer {peer}, sequence 0x{sequence}",
    "dpd_dead": C + "peer {peer} not responding!",
    "dropped": C + " dropping message: {reason}",
    # rsa-encr (RFC 2409 §5.2): "SKEYID state generated" is IOS's wording; the other two are
    # ours (no public IOS log of these failures was at hand).
    "skeyid_generated": C + "SKEYID state generated",
    "rsa_encr_unusable": C + "policy {priority} (rsa-encr) skipped: {reason}",
    "pke_failed": C + " unable to decrypt the {payload} payload body: {reason}",
    "bad_message": "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {peer} failed its sanity "
    "check or is malformed",
}
"""One IOS text template per record kind; ``{c}`` is the conn-id, ``{T}`` a timestamp."""


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
    template = TEMPLATES.get(rec.kind, C + " {kind} {params}")
    # Parameters may carry peer text (an Aggressive Mode FQDN, a certificate subject): a
    # newline or an escape sequence in them must not start a line of its own or reach a
    # terminal (vpnteach.wire.printable, strongSwan's chunk_printable).
    params = {k: printable(v) if type(v) is str else v for k, v in rec.params.items()}
    text = template.format(c=rec.conn_id, T=stamp, kind=rec.kind, params=params, **params)
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
        "\n".join(f"        {name:<12} : {printable(value)}" for name, value in rows)
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
