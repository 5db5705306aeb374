"""The stepper names Aggressive Mode datagrams AM1..AM3 (RFC 2409 §5.4) and explains them."""

from __future__ import annotations

import dataclasses

from tests.ike.harness import B2, SEED_POLICY, Pair, branch_config
from vpnteach.stepper import explain
from vpnteach.stepper.naming import MessageNamer


def test_an_aggressive_mode_run_is_named_am1_to_am3_then_quick_mode() -> None:
    psk = dataclasses.replace(SEED_POLICY, authentication="pre-share")
    c1 = branch_config("Branch1", policy=psk, psk="cisco123", pki=False)
    c2 = branch_config("Branch2", policy=psk, psk="cisco123", pki=False)
    pair = Pair.make(dataclasses.replace(c1, aggressive_mode_peers=(B2,)), c2)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    namer = MessageNamer()
    labels = [namer.name(d.data, who)[0] for who, d in pair.log]
    assert labels == ["AM1", "AM2", "AM3", "QM1", "QM2", "QM3"]
    rfc, text = explain.message_text("AM2", "Branch2")
    assert rfc == "RFC 2409 §5.4" and "offline" in text
