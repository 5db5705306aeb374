"""Every encrypted ISAKMP message leaves a fact on both sides: the payload chain the sender
sealed and the one the receiver opened, with the IV and the ciphertext (RFC 2409 §5.3, App. B).
"""

from __future__ import annotations

from dataclasses import replace

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from tests.ike.harness import B2, SEED_POLICY, Pair, branch_config
from vpnteach.ike.protection import OPENED, SEALED
from vpnteach.trace import Fact


def _facts(pair: Pair, name: str) -> tuple[list[Fact], list[Fact]]:
    return (
        [f for f in pair.b1.trace if f.name == name],
        [f for f in pair.b2.trace if f.name == name],
    )


def _seed_run_with_a_delete() -> Pair:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    pair.b1.delete_isakmp_sa(B2, pair.now)
    pair.run()
    return pair


def test_each_side_records_what_it_sealed_and_the_other_what_it_opened() -> None:
    pair = _seed_run_with_a_delete()
    sealed1, sealed2 = _facts(pair, SEALED)
    opened1, opened2 = _facts(pair, OPENED)
    assert [f.inputs["message"] for f in sealed1] == ["MM5", "QM1", "QM3", "INFO"]
    assert [f.inputs["message"] for f in sealed2] == ["MM6", "QM2"]
    # what Branch1 sealed is exactly what Branch2 opened, message by message (and back)
    for sealed, opened in ((sealed1, opened2), (sealed2, opened1)):
        assert [(f.value, f.inputs["ciphertext"], f.inputs["iv"]) for f in sealed] == [
            (f.value, f.inputs["ciphertext"], f.inputs["iv"]) for f in opened
        ]
    assert [f.inputs["exchange"] for f in sealed1] == [
        "IDENTITY_PROTECTION", "QUICK_MODE", "QUICK_MODE", "INFORMATIONAL"
    ]  # fmt: skip
    assert sealed1[0].inputs["m_id"] == 0 and sealed1[1].inputs["m_id"] != 0


def test_the_sealed_plaintext_decrypts_from_the_ciphertext_with_an_independent_3des() -> None:
    # Independent reference: the `cryptography` package's 3DES-CBC, with Ka and the fact's IV.
    pair = _seed_run_with_a_delete()
    sealed1, _ = _facts(pair, SEALED)
    ka = pair.b1.trace.find("Ka").value
    assert isinstance(ka, bytes)
    for fact in sealed1:
        iv, ciphertext = fact.inputs["iv"], fact.inputs["ciphertext"]
        assert isinstance(iv, bytes) and isinstance(ciphertext, bytes)
        decryptor = Cipher(TripleDES(ka), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        assert padded == fact.value + fact.inputs["padding"]  # type: ignore[operator]
        # RFC 2409 §5.3: the last padding byte counts the padding bytes before it
        assert padded[-1] == len(padded) - len(fact.value) - 1  # type: ignore[arg-type]


def test_a_message_that_does_not_decrypt_leaves_no_opened_fact() -> None:
    # Different pre-shared keys: different Ka, so Branch2 cannot decode MM5 (RFC 2409 §5.4).
    psk = replace(SEED_POLICY, authentication="pre-share")
    c1 = branch_config("Branch1", policy=psk, psk="cisco123", pki=False)
    c2 = branch_config("Branch2", policy=psk, psk="cisco124", pki=False)
    pair = Pair.make(c1, c2)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    sealed1, _ = _facts(pair, SEALED)
    assert [f.inputs["message"] for f in sealed1] == ["MM5"]
    assert pair.b2.stats["dropped_ProtectionError"] == 1
    assert _facts(pair, OPENED) == ([], [])
