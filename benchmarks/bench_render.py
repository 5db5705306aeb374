"""Benchmark: time to render each kind of notebook view (issue 7, item 2).

Each row renders a real value (the seed lab's MM1, an encrypted MM5 with its plaintext, both
branches' phase-1 facts, the Main Mode transition table, a certificate checklist, a Main Mode
ladder) and is compared, in the same run, with the cheapest readable view of the same value:
``plain_html`` (the core's fallback table) or ``html.escape(repr(value))``. Diagrams are timed
with each renderer this machine has: Graphviz ``dot`` and the ``graphviz-pure`` binary (both
run as a subprocess per render), and the DOT text alone.

Usage: ``.venv/bin/python benchmarks/bench_render.py`` -> table on stdout and
``benchmarks/results/bench_render.json`` (through ``benchmarks/_harness.py``).
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.ui.scenario

from _harness import Measurement, compare, measure, report

from tests.ui.scenario import scenario
from vpnteach._html import plain_html
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import MAIN_MODE
from vpnteach.ui import (
    checklist_html,
    derivation_dot,
    ladder_html,
    ledger_html,
    message_hexdump_html,
    message_html,
    state_diagram_dot,
)
from vpnteach.ui.graphviz_backend import DotRenderer, diagram_html, find_pure_binary, find_renderer
from vpnteach.ui.ladder import LadderEntry
from vpnteach.wire import decode_message

LADDER = [
    LadderEntry(
        0.001 * i,
        *(("Branch1", "Branch2") if i % 2 == 0 else ("Branch2", "Branch1")),
        f"MM{i + 1}",
        f"S{i}",
    )
    for i in range(6)
] + [LadderEntry(0.1, "Branch1", "Branch2", "QM1", "IKE_QM_SPI_STARVE")]


def pair(
    name: str, ours: Callable[[], object], ref_name: str, ref: Callable[[], object], runs: int
) -> list[Measurement]:
    """Measure ``ours`` and the reference on the same value, in this order, same run count."""
    reference = measure(ref_name, ref, runs=runs)
    return [reference, compare(measure(name, ours, runs=runs), reference)]


def renderers() -> list[DotRenderer]:
    found = [r for r in [find_renderer()] if r.kind == "system"]
    pure = find_pure_binary()
    if pure is not None:
        found.append(DotRenderer("pure", str(pure)))
    return found


def main() -> None:
    lab = scenario()
    mm1, mm5 = decode_message(lab.mm1), decode_message(lab.mm5)
    facts = [*lab.trace, *lab.peer_trace]
    current = {"Branch1": IkeState.IKE_I_MM4, "Branch2": IkeState.IKE_R_MM4}
    rows: list[Measurement] = []
    rows += pair(
        "hex dump MM1 (104 B)",
        lambda: message_hexdump_html(lab.mm1),
        "ref: plain_html(MM1)",
        lambda: plain_html(mm1),
        200,
    )
    rows.append(
        compare(
            measure("message view MM1 (tree + dump)", lambda: message_html(mm1), runs=200), rows[-2]
        )
    )
    rows += pair(
        "hex dump MM5 (1204 B, both views)",
        lambda: message_hexdump_html(lab.mm5, lab.mm5_plaintext),
        "ref: plain_html(MM5)",
        lambda: plain_html(mm5),
        50,
    )
    rows += pair(
        f"ledger, phase-1 facts of both peers ({len(facts)})",
        lambda: ledger_html(facts),
        "ref: escape(repr(facts))",
        lambda: html.escape(repr(facts)),
        100,
    )
    rows += pair(
        "checklist card",
        lambda: checklist_html(lab.check_failed),
        "ref: plain_html(check)",
        lambda: plain_html(lab.check_failed),
        500,
    )
    rows += pair(
        "ladder, 7 messages (SVG + table)",
        lambda: ladder_html(LADDER),
        "ref: escape(repr(entries))",
        lambda: html.escape(repr(LADDER)),
        500,
    )
    dot_ref = measure(
        "ref: escape(repr(MAIN_MODE.moves))", lambda: html.escape(repr(MAIN_MODE.moves)), runs=200
    )
    rows.append(dot_ref)
    rows.append(
        compare(
            measure(
                "state diagram DOT text", lambda: state_diagram_dot(MAIN_MODE, current), runs=200
            ),
            dot_ref,
        )
    )
    rows.append(
        compare(
            measure("derivation graph DOT text", lambda: derivation_dot(facts), runs=200), dot_ref
        )
    )
    none = DotRenderer("none")
    rows.append(
        compare(
            measure(
                "state diagram, no renderer (DOT shown)",
                lambda: diagram_html(state_diagram_dot(MAIN_MODE, current), none),
                runs=200,
            ),
            dot_ref,
        )
    )
    for r in renderers():
        rows.append(
            compare(
                measure(
                    f"state diagram SVG [{r.kind}]",
                    lambda r=r: diagram_html(state_diagram_dot(MAIN_MODE, current), r),
                    runs=15,
                    warmup=1,
                ),
                dot_ref,
            )
        )
        rows.append(
            compare(
                measure(
                    f"derivation graph SVG [{r.kind}]",
                    lambda r=r: diagram_html(derivation_dot(facts), r),
                    runs=15,
                    warmup=1,
                ),
                dot_ref,
            )
        )
    report("bench_render", rows, notes="SVG rows spawn one Graphviz process per render.")


if __name__ == "__main__":
    main()
