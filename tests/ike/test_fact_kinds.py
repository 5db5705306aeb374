"""Facts carry a kind (``FactKind``) set where they are computed, so readers (the stepper)
group them without parsing names or formulas."""

from __future__ import annotations

from tests.ike.harness import B2, Pair, branch_config
from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.pki.validation import CertificateCheck
from vpnteach.trace import FactKind, Trace


def _seed_facts() -> dict[str, set[FactKind]]:
    """Each fact name of the initiator's seed run (Main Mode rsa-sig + Quick Mode) -> kinds."""
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    kinds: dict[str, set[FactKind]] = {}
    for fact in pair.b1.trace:
        kinds.setdefault(fact.name, set()).add(fact.kind)
    return kinds


def test_the_seed_run_records_each_fact_with_the_kind_of_value_it_is() -> None:
    kinds = _seed_facts()
    # RFC 2409 §5: g^xi and g^xy are the Diffie-Hellman values; §5.1 the signature and its
    # check; RFC 5280 §6 the certificate check; IOS's proposal matching in both phases.
    assert kinds["g^xi"] == kinds["g^xy"] == {FactKind.DH}
    assert kinds["SIG"] == {FactKind.SIGNATURE}
    assert kinds["signature check"] == {FactKind.SIGNATURE_CHECK}
    assert kinds["certificate check"] == {FactKind.CERTIFICATE_CHECK}
    assert kinds["phase 1 selection"] == kinds["phase 2 selection"] == {FactKind.SELECTION}
    assert kinds["plaintext before encryption"] == {FactKind.PLAINTEXT}
    for name in ("SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "HASH_I", "Ni_b"):
        assert kinds[name] == {FactKind.VALUE}, name


def test_a_fact_keeps_its_kind_and_inputs_apart() -> None:
    trace = Trace("Branch1")
    # An input may be called anything, "kind" included: the fact's kind is positional.
    value = trace.derived("x", "f(kind)", b"\x01", FactKind.DH, rfc="RFC 2409 §5", kind="input")
    fact = trace.find("x")
    assert value == b"\x01" and fact.kind is FactKind.DH and fact.inputs == {"kind": "input"}
    assert trace.derived("y", "g()", 2) == 2 and trace.find("y").kind is FactKind.VALUE


def test_the_check_facts_hold_the_check_values() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    by_kind = {f.kind: f.value for f in pair.b1.trace}
    assert isinstance(by_kind[FactKind.SIGNATURE_CHECK], SignatureCheck)
    assert isinstance(by_kind[FactKind.CERTIFICATE_CHECK], CertificateCheck)
