"""IOS text rendering: timestamps, moves, show commands (compared with the seed)."""

from __future__ import annotations

import dataclasses
import string

from tests.ike.seed_log import MAIN_MODE_LOG, SHOW_CRYPTO_ISAKMP_SA
from vpnteach.ike import records_endpoint, records_phase1, records_quick_mode
from vpnteach.ike.debuglog import (
    SEED_CLOCK,
    IsakmpSaRow,
    ios_time,
    render_debug,
    show_crypto_isakmp_policy,
    show_crypto_isakmp_sa,
    signed_mid,
)
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.records import LogLine, Recorder
from vpnteach.ike.records_endpoint import PacketSent
from vpnteach.ike.states import SA_REQ_MM, IkeState
from vpnteach.ike.transitions import MAIN_MODE


def _squash(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.strip().splitlines() if line.strip()]


def test_ios_time_matches_the_seed_format() -> None:
    assert ios_time(SEED_CLOCK + 0.071) == "Jun 6 10:21:50.071"


def test_message_ids_print_signed_like_ios() -> None:
    # Source: seed log "M-ID of -1512312688" (0xA5DBF090 as a signed 32-bit number).
    assert signed_mid(0xA5DBF090) == -1512312688
    assert signed_mid(5) == 5


def test_a_recorded_move_renders_as_the_seed_lines() -> None:
    rec = Recorder()
    rec.now = SEED_CLOCK + 0.095
    rec.move(MAIN_MODE.exchange, MAIN_MODE.lookup(IkeState.IKE_READY, SA_REQ_MM))
    rec.log(
        PacketSent(peer="10.2.2.1", my_port=500, peer_port=500, role="I", sa_state="MM_NO_STATE")
    )
    text = render_debug(rec)
    assert "Jun 6 10:21:50.095: ISAKMP:(0):Input = IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM" in text
    assert "Jun 6 10:21:50.095: ISAKMP:(0):Old State = IKE_READY New State = IKE_I_MM1" in text
    assert (
        "ISAKMP:(0): sending packet to 10.2.2.1 my_port 500 peer_port 500 (I) MM_NO_STATE"
        in " ".join(text.split())
    )
    for line in text.splitlines():
        assert line.startswith("Jun 6 10:21:50.095: ")
    assert "Old State = IKE_READY New State = IKE_I_MM1" in MAIN_MODE_LOG


def test_show_crypto_isakmp_sa_equals_the_seed_output() -> None:
    text = show_crypto_isakmp_sa([IsakmpSaRow("10.2.2.1", "10.1.1.1", "QM_IDLE", 1001)])
    seed = _squash(SHOW_CRYPTO_ISAKMP_SA)[1:]  # without the "Branch1# show ..." prompt line
    assert _squash(text) == seed


def test_show_crypto_isakmp_policy_lists_the_seed_policy_and_the_default_suite() -> None:
    text = show_crypto_isakmp_policy(
        [IsakmpPolicy(priority=10, encryption="3des", authentication="rsa-sig", hash="md5")]
    )
    lines = _squash(text)
    assert lines[:2] == ["Global IKE policy", "Protection suite of priority 10"]
    assert "hash algorithm: Message Digest 5" in lines
    assert "Diffie-Hellman group: #1 (768 bit)" in lines
    default = lines[lines.index("Default protection suite") :]
    assert "encryption algorithm: DES - Data Encryption Standard (56 bit keys)." in default
    assert "authentication method: Rivest-Shamir-Adleman Signature" in default
    assert "lifetime: 86400 seconds, no volume limit" in default


def _kinds() -> list[type[LogLine]]:
    found: list[type[LogLine]] = []
    for module in (records_endpoint, records_phase1, records_quick_mode):
        found += [
            k for k in vars(module).values()
            if isinstance(k, type) and issubclass(k, LogLine) and k is not LogLine
        ]  # fmt: skip
    return found


def test_every_record_kind_has_a_template_naming_exactly_its_fields() -> None:
    kinds = _kinds()
    assert len(kinds) == len({k.__name__ for k in kinds}) == 77
    for kind in kinds:
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        used = {name for _, name, _, _ in string.Formatter().parse(kind.template) if name}
        assert used - {"c", "T"} == names, kind
        assert kind.__doc__, kind


def test_a_record_renders_from_its_fields_with_time_and_conn_id_stamped_by_the_recorder() -> None:
    rec = Recorder()
    rec.now, rec.conn_id = SEED_CLOCK + 0.5, 1001
    rec.log(records_phase1.TransformChecked(number=1, against="priority 10 policy"))
    rec.log(records_endpoint.Retransmitted(phase=1, sa_state="MM_KEY_EXCH", attempt=1, limit=5))
    # Seed log line; the retransmission lines are IOS's "retransmitting phase 1 MM_KEY_EXCH...".
    assert render_debug(rec).splitlines() == [
        "Jun 6 10:21:50.500: ISAKMP:(1001):Checking ISAKMP transform 1 against priority 10 policy",
        "Jun 6 10:21:50.500: ISAKMP:(1001): retransmitting phase 1 MM_KEY_EXCH...",
        "Jun 6 10:21:50.500: ISAKMP:(1001): incrementing error counter on sa, attempt 1 of 5: "
        "retransmit phase 1",
    ]
