"""IOS's views of the IKEv2 engine: ``show crypto ikev2 sa [detailed]`` and
``debug crypto ikev2`` lines from the endpoint's move records.

``show crypto ikev2 sa`` follows IOS 15's layout, as in Cisco's "FlexVPN and Internet Key
Exchange Version 2 Configuration Guide" (chapter "Configuring IKEv2 Fragmentation", whose
sample output begins ``IPv4 Crypto IKEv2 SA`` / ``Tunnel-id Local Remote fvrf/ivrf Status``;
https://vdocuments.us/configuring-ikev2-fragmentation-cisco-ipv4-crypto-ikev2-sa-tunnel-id-local-remote.html)
and TechNote 115934 "IOS IKEv2 Debugs for Site-to-Site VPN with PSKs"
(https://www.cisco.com/c/en/us/support/docs/ip/internet-key-exchange-ike/115934-technote-ikev2-00.html)::

     IPv4 Crypto IKEv2  SA

    Tunnel-id Local                 Remote                fvrf/ivrf            Status
    1         10.1.1.1/500          10.2.2.1/500          none/none            READY
          Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:14, Auth sign: RSA, Auth verify: RSA
          Life/Active Time: 86400/2 sec

     IPv6 Crypto IKEv2  SA

IOS repeats the ``Tunnel-id`` heading before every SA (a CSR1000v's two-tunnel answer in a
public Azure/Cisco BGP-over-IPsec lab write-up shows it twice).

The ``detailed`` form adds the SPIs, the identities and the Message ID counters (RFC 7296 §2.2).
Published ``detailed`` answers (the Cisco ASA/IOS AnyConnect-to-IOS FlexVPN example; a Cisco
hub's answer in a public VyOS/Cisco DMVPN write-up; the pyATS Genie parser's golden output)
agree on: the three ``Local ...``/``Remote ...`` counter rows all carry the next Message ID,
the ``Remote`` column starts 15 characters after the value column, and ``Cisco Trust Security
SGT is disabled`` follows the NAT-T line. ``Local window`` is the engine's own (1: it sends one
request at a time, RFC 7296 §2.3), where IOS's default is 5.
The ``debug`` lines name each move as IOS does (``IKEv2:(SESSION ID = 1,SA ID = 1):...``),
one per row of the transition table the engine took (:class:`~vpnteach.ikev2.MoveRecord`).
"""  # noqa: E501

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from vpnteach.ikev2.config import CertCredential
from vpnteach.ikev2.endpoint import MoveRecord
from vpnteach.ikev2.events import IkeSaRekeyCollision
from vpnteach.ikev2.sa import IkeSa
from vpnteach.ikev2.transitions import Input, State

_HASH = {
    "PRF_HMAC_SHA1": "SHA1",
    "PRF_HMAC_SHA2_256": "SHA256",
    "PRF_HMAC_SHA2_384": "SHA384",
    "PRF_HMAC_SHA2_512": "SHA512",
    "PRF_HMAC_MD5": "MD5",
    "PRF_AES128_XCBC": "AES-XCBC",
}
_INTEG = {
    "AUTH_HMAC_SHA1_96": "SHA96",
    "AUTH_HMAC_SHA2_256_128": "SHA256",
    "AUTH_HMAC_SHA2_384_192": "SHA384",
    "AUTH_HMAC_SHA2_512_256": "SHA512",
    "AUTH_HMAC_MD5_96": "MD596",
}
_STATUS = {
    State.READY: "READY",
    State.DELETE: "DELETE",
    State.I_WAIT_INIT: "IN-NEG",
    State.I_WAIT_AUTH: "IN-NEG",
    State.R_WAIT_AUTH: "IN-NEG",
    State.IDLE: "IN-NEG",
}


def show_crypto_ikev2_sa(
    sas: Iterable[IkeSa], local_address: str, now: float, *, lifetime: int = 86400,
    detail: bool = False, lifetimes: Mapping[str, int] | None = None,
    dpd: tuple[int, int] | None = None,
) -> str:  # fmt: skip
    """``show crypto ikev2 sa [detailed]`` over ``sas`` (those past IKE_SA_INIT's request);
    ``lifetimes``: the profile's ``lifetime`` by peer address (else ``lifetime``); ``dpd``:
    the profile's ``dpd`` interval and retry."""
    lines = [" IPv4 Crypto IKEv2  SA", ""]
    for sa in (sa for sa in sas if sa.state != State.EXIT):  # IOS heads every SA's block
        lines.append(f"{'Tunnel-id':<10}{'Local':<22}{'Remote':<22}{'fvrf/ivrf':<21}Status")
        local = f"{local_address}/{sa.local_port}"
        remote = f"{sa.peer[0]}/{sa.peer[1]}"
        status = _STATUS.get(sa.state, str(sa.state))
        lines.append(f"{sa.conn_id:<10}{local:<22}{remote:<22}{'none/none':<21}{status}")
        lines += [f"      {_suite_line(sa)}"]
        life = (lifetimes or {}).get(sa.peer[0], lifetime)
        lines.append(f"      Life/Active Time: {life}/{max(0, int(now - sa.created))} sec")
        lines += _detail(sa, dpd or (0, 0)) if detail else []
        lines.append("")
    lines += [" IPv6 Crypto IKEv2  SA", ""]
    return "\n".join(lines) + "\n"


def _suite_line(sa: IkeSa) -> str:
    if sa.init is None:
        return "Encr: Unknown - 0, PRF: Unknown - 0, Hash: None, DH Grp:0, Auth: Unknown - 0"
    suite = sa.init.suite
    encr = "AES-GCM" if suite.integ is None else "AES-CBC"
    hash_name = _INTEG.get(suite.integ.name, suite.integ.name) if suite.integ else "None"
    auth = "RSA" if isinstance(sa.config.credential, CertCredential) else "PSK"
    return (
        f"Encr: {encr}, keysize: {suite.proposal.key_bits}, "
        f"PRF: {_HASH.get(suite.prf.name, suite.prf.name)}, Hash: {hash_name}, "
        f"DH Grp:{suite.proposal.dh}, Auth sign: {auth}, Auth verify: {auth}"
    )


def _detail(sa: IkeSa, dpd: tuple[int, int]) -> list[str]:
    local_spi, remote_spi = (sa.spi_i, sa.spi_r) if sa.initiator else (sa.spi_r, sa.spi_i)
    desc = "Negotiation done" if sa.established else "Negotiation in progress"
    local, remote = sa.next_request_id, sa.expected_request_id  # IOS prints the next ID thrice
    return [
        f"      CE id: {1000 + sa.conn_id}, Session-id: {sa.conn_id}",
        f"      Status Description: {desc}",
        f"      Local spi: {local_spi.hex().upper()}       Remote spi: {remote_spi.hex().upper()}",
        f"      Local id: {sa.config.local_id}",
        f"      Remote id: {sa.peer_identity or sa.config.remote_id or ''}",
        f"      Local req msg id:  {local:<15}Remote req msg id:  {remote}",
        f"      Local next msg id: {local:<15}Remote next msg id: {remote}",
        f"      Local req queued:  {local:<15}Remote req queued:  {remote}",
        f"      Local window:      {1:<15}Remote window:      1",
        f"      DPD configured for {dpd[0]} seconds, retry {dpd[1]}",
        "      Fragmentation " + ("configured." if sa.fragmentation else "not configured."),
        "      Extended Authentication not configured.",
        "      NAT-T is " + ("detected" if sa.init and sa.init.nat_detected else "not detected"),
        "      Cisco Trust Security SGT is disabled",
        "      Initiator of SA : " + ("Yes" if sa.initiator else "No"),
    ]


_SAYS: dict[str, str] = {
    "send_sa_init": "Generating IKE_SA_INIT message",
    "receive_sa_init_request": "Received valid IKE_SA_INIT request; sending response",
    "receive_sa_init_response": "Processing IKE_SA_INIT response; generating IKE_AUTH message",
    "receive_auth_request": "Verify peer's authentication data; sending IKE_AUTH response",
    "receive_auth_response": "Verification of peer's authentication data PASSED",
    "send_rekey_child_sa": "Sending CREATE_CHILD_SA request (rekey Child SA)",
    "send_rekey_ike_sa": "Sending CREATE_CHILD_SA request (rekey IKE SA)",
    "receive_create_child_sa_request": "Processing CREATE_CHILD_SA request; sending response",
    "receive_create_child_sa_response": "Processing CREATE_CHILD_SA response",
    "send_delete_ike_sa": "Sending DELETE INFO message for IKEv2 SA",
    "send_delete_child_sa": "Sending DELETE INFO message for IPsec SA",
    "send_liveness": "Sending DPD/liveness query",
    "send_invalid_spi": "Sending INFORMATIONAL with INVALID_SPI notify",
    "receive_informational_request": "Processing INFORMATIONAL request; sending response",
    "receive_informational_response": "Processing INFORMATIONAL response",
    "receive_delete_response": "Deleting SA",
    "give_up": "Maximum number of retransmissions reached; deleting SA",
    "refuse_create_child_sa": "CREATE_CHILD_SA request on an SA being deleted; "
    "sending TEMPORARY_FAILURE",
}
"""What IOS's ``debug crypto ikev2`` says for each handler of the transition table."""


def render_move(record: MoveRecord, timezone: dt.tzinfo) -> list[str]:
    """The ``debug crypto ikev2`` lines of one move (IOS 15 wording, with the state change)."""
    t = dt.datetime.fromtimestamp(record.time, tz=timezone)
    stamp = f"*{t:%b} {t.day:>2} {t:%H:%M:%S}.{t.microsecond // 1000:03d}"
    who = f"IKEv2:(SESSION ID = {record.conn_id},SA ID = {record.conn_id})"
    says = _SAYS.get(record.handler, record.handler)
    if record.input == Input.EV_CREATE_CHILD:  # the same handler, no N(REKEY_SA)
        says = "Sending CREATE_CHILD_SA request (new Child SA)"
    lines = [f"{stamp}: {who}:{says}"]
    event = "" if record.input.value.startswith("EV_") else f" ({record.input})"
    if record.state != record.next_state:
        lines.append(
            f"{stamp}: {who}:SM Trace-> SA: role {record.role.upper()}: "
            f"State {record.state} -> {record.next_state}{event}"
        )
    if record.next_state == State.READY and record.input in (Input.AUTH_REQUEST,
                                                               Input.AUTH_RESPONSE):  # fmt: skip
        lines.append(f"{stamp}: {who}:IKEv2 SA created; inserting SA into database")
    if record.collision is not None:
        lines += [f"{stamp}: {who}:{text}" for text in collision_lines(record.collision)]
    return lines


def collision_lines(c: IkeSaRekeyCollision) -> list[str]:
    """What a settled simultaneous IKE SA rekey says (RFC 7296 §2.8.2): the four nonces (first
    8 octets), the lowest, which new IKE SA is kept and who deletes what."""

    def spis(spi_i: bytes, spi_r: bytes) -> str:
        return f"{spi_i.hex().upper()}/{spi_r.hex().upper()}"

    def n(nonce: bytes) -> str:
        return nonce[:8].hex().upper() + ("*" if nonce == c.lowest_nonce else "")

    lost = "lost" if c.we_delete else "won"
    who = "we delete it" if c.we_delete else "the peer deletes it"
    old = "the peer deletes" if c.we_delete else "we delete"
    return [
        f"IKE SA rekey collision {lost} (RFC 7296 2.8.2): our exchange Ni {n(c.our_ni)} "
        f"Nr {n(c.their_nr)}, peer's exchange Ni {n(c.their_ni)} Nr {n(c.our_nr)} "
        "(* lowest)",
        f"Keeping new IKEv2 SA {spis(c.kept_spi_i, c.kept_spi_r)} with the Child SAs; "
        f"redundant IKEv2 SA {spis(c.redundant_spi_i, c.redundant_spi_r)}: {who}; "
        f"{old} the old IKEv2 SA {spis(c.old_spi_i, c.old_spi_r)}",
    ]
