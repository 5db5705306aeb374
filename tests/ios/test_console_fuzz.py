"""Grammar-directed lines into the console: every EXEC and configuration row of the tables,
with arguments from the fuzz samples, keywords abbreviated to random prefixes (some too short)
and words cut or dropped. The console answers each with text; a refused line changes nothing."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ios.grammar_samples import PIECES, SAMPLES, argument_values
from vpnteach.ios.commands import MODE_COMMANDS
from vpnteach.ios.execmode import EXEC_COMMANDS
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for

SAMPLES_HERE = {**SAMPLES, "ping_options": ["repeat 2", "source 192.168.11.1", "size 36"],
                "clock_time": ["10:00:00 6 Jun 2010", "25:00:00 Jun 6 2010"]}  # fmt: skip
ROWS = [c.pattern for c in EXEC_COMMANDS if not c.pattern.startswith("copy")] + [
    c.pattern for c in MODE_COMMANDS["config"]
]
LAB = Lab.seed()


def _word(rng: random.Random, piece: str) -> str:
    if piece.startswith("["):
        inner = piece[1:-1].split()
        return " ".join(_word(rng, p) for p in inner) if rng.random() < 0.5 else ""
    if piece.startswith("<"):
        kind, _, param = piece[1:-1].split(":", 1)[1].partition(":")
        values = SAMPLES_HERE.get(kind) or argument_values(kind, param or None)
        return rng.choice(values)
    word = piece.replace("(", "").replace(")", "")
    return word[: rng.randint(1, len(word))]  # any prefix, ambiguous ones included


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ROWS), st.integers(0, 2**32), st.integers(0, 3))
def test_generated_lines_answer_with_text_and_refusals_change_nothing(
    pattern: str, seed: int, damage: int
) -> None:
    rng = random.Random(seed)
    words = [w for w in (_word(rng, p) for p in PIECES.findall(pattern)) if w]
    for _ in range(damage):  # drop or cut a word
        if words:
            k = rng.randrange(len(words))
            words[k] = words[k][: rng.randrange(len(words[k]) + 1)]
    line = " ".join(w for w in words if w)
    console = console_for(LAB.branch1, enabled=True)
    if pattern in {c.pattern for c in MODE_COMMANDS["config"]}:
        console.enter("configure terminal")
    before = LAB.branch1.config
    answer = console.enter(line)
    assert isinstance(answer, str)
    refused = ("% Ambiguous command", "% Incomplete command.", "% Invalid input detected")
    if any(r in answer for r in refused):
        assert LAB.branch1.config is before, (line, answer)
    assert isinstance(console.help(line), str)
    assert isinstance(console.complete(line), str)
    console.end()
