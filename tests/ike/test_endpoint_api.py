"""The endpoint's public API for the gateway (reconfigure, Delete for IPsec SAs), and a forged
QM2 that decrypts but fails HASH(2): dropped, the Quick Mode in flight goes on."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from tests.ike.harness import B1, B2, MODERN_POLICY, Pair, branch_config
from vpnteach.ike.events import NegotiationFailed, Phase2Complete, SaDeleted
from vpnteach.ike.protection import SEALED
from vpnteach.ike.states import IkeState
from vpnteach.wire.constants import ProtocolId
from vpnteach.wire.message import decode_message


def _established() -> tuple[Pair, Phase2Complete]:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    done = [e for e in pair.events(pair.b1) if isinstance(e, Phase2Complete)]
    pair.events(pair.b2)
    return pair, done[0]


def test_delete_ipsec_sas_tells_the_peer_which_esp_spis_are_gone() -> None:
    pair, p2 = _established()
    spi = p2.inbound.spi
    assert pair.b1.delete_ipsec_sas(B2, [spi], pair.now)
    pair.run()
    got = [e for e in pair.events(pair.b2) if isinstance(e, SaDeleted)]
    assert [(e.protocol_id, e.spis, e.by_peer) for e in got] == [
        (ProtocolId.PROTO_IPSEC_ESP, (spi,), True)
    ]
    assert pair.b2.isakmp_sa(B1) is not None  # the ISAKMP SA stays (RFC 2408 §3.15)


def test_delete_ipsec_sas_without_an_isakmp_sa_sends_nothing() -> None:
    pair, p2 = _established()
    assert not pair.b1.delete_ipsec_sas("10.9.9.9", [p2.inbound.spi], pair.now)
    assert not pair.b1.delete_ipsec_sas(B2, [], pair.now)
    assert pair.b1.datagrams_to_send(pair.now) == []
    with pytest.raises(ValueError, match="4 bytes"):
        pair.b1.delete_ipsec_sas(B2, [b"\x01\x02"], pair.now)


def test_reconfigure_applies_to_new_negotiations_and_keeps_established_sas() -> None:
    pair, _ = _established()
    sa = pair.b1.isakmp_sa(B2)
    modern = replace(branch_config("Branch1"), policies=(MODERN_POLICY,))
    pair.b1.reconfigure(modern, pair.now)
    assert pair.b1.config is modern and pair.b1.ctx.config is modern
    assert pair.b1.isakmp_sa(B2) is sa and sa is not None and sa.established
    pair.b1.delete_isakmp_sa(B2, pair.now)
    pair.run()
    pair.b1.initiate(B2, pair.now)
    mm1 = decode_message(pair.b1.datagrams_to_send(pair.now)[0].data)
    transforms = mm1.payloads[0].proposals[0].transforms  # type: ignore[union-attr]
    assert len(transforms) == 1 and transforms[0].attributes[0].int_value == 7  # AES (App. A)


def test_a_forged_qm2_with_a_bad_hash_is_dropped_and_the_real_qm2_completes() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    while not any(f.name == SEALED and f.inputs["message"] == "QM1" for f in pair.b1.trace):
        pair.step()
    (qm1,) = pair.b1.datagrams_to_send(pair.now)
    pair.b2.receive_datagram(qm1.data, (B1, 500), pair.now)
    (qm2,) = pair.b2.datagrams_to_send(pair.now)
    sealed = pair.b2.trace.find(SEALED)  # QM2 as Branch2 built it
    # QM2 with one bit of Nr flipped, encrypted with the real Ka and IV (so it decrypts)
    chain = bytearray(sealed.value + sealed.inputs["padding"])  # type: ignore[operator]
    # a byte of Nr: the chain ends with Nr, IDci, IDcr (the IDs 16 bytes each)
    chain[-len(sealed.inputs["padding"]) - 32 - 10] ^= 1  # type: ignore[arg-type]
    ka = pair.b2.trace.find("Ka").value
    iv = sealed.inputs["iv"]
    assert isinstance(ka, bytes) and isinstance(iv, bytes)
    encryptor = Cipher(TripleDES(ka), modes.CBC(iv)).encryptor()
    forged = qm2.data[:28] + encryptor.update(bytes(chain)) + encryptor.finalize()
    assert len(forged) == len(qm2.data) and forged != qm2.data
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None
    in_flight = dict(sa.nodes)
    pair.b1.receive_datagram(forged, (B2, 500), pair.now)
    assert pair.b1.stats["dropped_QuickModeHashError"] == 1
    assert sa.nodes == in_flight and all(
        n.state is IkeState.IKE_QM_I_QM1 and n.messages.retransmit is not None
        for n in sa.nodes.values()
    )
    assert not any(isinstance(e, NegotiationFailed) for e in pair.events(pair.b1))
    assert pair.b1.datagrams_to_send(pair.now) == []  # no notification: IOS stays silent
    pair.b1.receive_datagram(qm2.data, (B2, 500), pair.now)  # the genuine QM2 still works
    pair.run()
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b1))
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b2))
