"""Key ledger and derivation graph of a real phase-1 trace (RFC 2409 §5, Appendix B)."""

from __future__ import annotations

import re

from tests.ui.scenario import Scenario, phase1_traces
from tests.ui.wellformed import assert_well_formed, local, svg_elements
from vpnteach.crypto.prf import get_hash
from vpnteach.ike import keymat
from vpnteach.ui.facts import derivation_dot, derivation_html, fact_html, fact_key, ledger_html
from vpnteach.ui.graphviz_backend import DotRenderer

EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)";$', re.MULTILINE)

# RFC 2409 §5 and Appendix B: what each phase-1 key is computed from.
EXPECTED_EDGES = {
    ("g_xy", "skeyid"),
    ("ni_b", "skeyid"),
    ("nr_b", "skeyid"),
    ("skeyid", "skeyid_d"),
    ("skeyid_d", "skeyid_a"),
    ("skeyid_a", "skeyid_e"),
    ("skeyid_e", "ka"),
    ("cky_i", "skeyid_e"),
    ("g_xi", "iv_(phase_1)"),
}


def test_fact_and_input_names_share_one_key() -> None:
    assert fact_key("g^xy") == fact_key("g_xy") == "g_xy"
    assert fact_key("CKY-I") == fact_key("cky_i")
    assert fact_key("Ni_b") == "ni_b" and fact_key("SKEYID_e") == "skeyid_e"


def test_ledger_lists_every_fact_with_formula_value_and_rfc(lab: Scenario) -> None:
    text = assert_well_formed(ledger_html(lab.trace, "Branch1"))
    for fact in lab.trace:
        assert fact.name in text and fact.formula in text
    skeyid_e = lab.trace.find("SKEYID_e")
    assert isinstance(skeyid_e.value, bytes) and skeyid_e.value.hex() in text  # 16 bytes: whole
    assert "prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)" in text
    assert "RFC 2409 Appendix B" in text


def test_long_values_are_abbreviated_with_a_show_all(lab: Scenario) -> None:
    g_xy = lab.trace.find("g^xy").value
    assert isinstance(g_xy, bytes) and len(g_xy) == 96
    page = ledger_html(lab.trace)
    assert "show all 96 bytes" in page
    assert g_xy[:16].hex() in page.replace(" ", "")


def test_derivation_graph_links_each_key_to_what_it_was_computed_from(lab: Scenario) -> None:
    dot = derivation_dot(lab.trace)
    edges = {(a.split(":", 1)[1], b.split(":", 1)[1]) for a, b in EDGE.findall(dot)}
    assert edges >= EXPECTED_EDGES
    assert len(EDGE.findall(dot)) == sum(len(f.inputs) for f in lab.trace)


def test_the_peers_value_no_fact_produced_is_one_dashed_input_node(lab: Scenario) -> None:
    dot = derivation_dot(lab.trace)
    g_xr = lab.peer_trace.find("g^xr").value  # Branch1 used it as g_y (DH) and g_xr (IV)
    assert isinstance(g_xr, bytes)
    node = f'"Branch1:input_{g_xr[:8].hex()}"'
    line = next(line for line in dot.splitlines() if line.startswith(f"  {node} [label="))
    assert f'label="g_y = g_xr\\n{g_xr[:4].hex()}…' in line and "style=dashed" in line
    assert f'{node} -> "Branch1:g_xy";' in dot and f'{node} -> "Branch1:iv_(phase_1)";' in dot
    skeyid = next(line for line in dot.splitlines() if line.startswith('  "Branch1:skeyid" ['))
    assert "style=dashed" not in skeyid


def test_two_peers_get_one_cluster_each(lab: Scenario) -> None:
    dot = derivation_dot([*lab.trace, *lab.peer_trace])
    assert 'subgraph cluster_0 { label="Branch1";' in dot
    assert 'subgraph cluster_1 { label="Branch2";' in dot


def test_derivation_svg_has_a_node_per_fact(lab: Scenario, system_dot: DotRenderer) -> None:
    page = derivation_html(lab.trace, renderer=system_dot)
    assert_well_formed(page)
    (svg,) = svg_elements(page)
    nodes = {
        el.findtext("{http://www.w3.org/2000/svg}title")
        for el in svg.iter()
        if local(el.tag) == "g" and el.get("class") == "node"
    }
    assert {f"Branch1:{fact_key(f.name)}" for f in lab.trace} <= nodes


def test_fact_card_shows_formula_inputs_and_rfc(lab: Scenario) -> None:
    text = assert_well_formed(fact_html(lab.trace.find("Ka")))
    assert "K1 | K2 | ... where K1 = prf(SKEYID_e, 0)" in text
    assert "skeyid_e" in text and "key_size" in text and "24" in text
    assert "RFC 2409 Appendix B" in text and "Branch1" in text


def test_keymat_links_to_the_quick_mode_nonces_not_the_main_mode_ones() -> None:
    t1, _, _, _ = phase1_traces()
    skeyid_d = t1.find("SKEYID_d").value
    assert isinstance(skeyid_d, bytes)
    qm_ni = t1.derived("Ni_b", "random nonce (Quick Mode)", bytes(range(16)))
    qm_nr = t1.derived("Nr_b", "received nonce (Quick Mode)", bytes(range(16, 32)))
    spi = bytes.fromhex("5f1c3e27")
    keymat.keymat(get_hash("md5"), skeyid_d, 3, spi, qm_ni, qm_nr, 40, trace=t1)
    edges = set(EDGE.findall(derivation_dot(t1)))
    target = "Branch1:keymat_(spi_5f1c3e27)"
    assert ("Branch1:ni_b#2", target) in edges and ("Branch1:nr_b#2", target) in edges
    assert ("Branch1:skeyid_d", target) in edges
    assert ("Branch1:ni_b", "Branch1:skeyid") in edges
    assert ("Branch1:ni_b#2", "Branch1:skeyid") not in edges
    assert ("Branch1:input_protocol", target) in edges


def test_the_derivation_graph_has_a_description_and_a_table_view(lab: Scenario) -> None:
    page = derivation_html(lab.trace)
    text = assert_well_formed(page)
    assert "Key derivation as a table" in text
    assert "SKEYID_e" in text and "computed from" in text
    if "<svg" in page:  # a renderer exists: the SVG is an image with a title and description
        assert "role='img'" in page and "<desc id=" in page


def test_ledger_values_are_named_fields_never_python_reprs(lab: Scenario) -> None:
    from vpnteach.ike.policy import IsakmpPolicy
    from vpnteach.ike.proposal import IkeSuite, Phase1Selection
    from vpnteach.trace import Fact

    suite = IkeSuite(5, None, 1, 3, 1, 86400)
    policy = IsakmpPolicy(10, "3des", "md5", "rsa-sig", 1, 86400)
    selection = Phase1Selection((), 1, policy, suite)
    fact = Fact("phase 1 selection", "IOS policy matching", selection, {}, "RFC 2409 §5", "Branch2")
    text = assert_well_formed(ledger_html([fact]))
    assert "Phase1Selection(" not in text and "IkeSuite(" not in text
    for words in ("crypto isakmp policy 10", "5 = TRIPLE_DES_CBC", "1 = MD5",
                  "3 = RSA_SIGNATURES", "1 = MODP_768", "86400 s"):  # fmt: skip
        assert words in text, words
