"""The annotated seed: every configuration, ``show`` and ``debug`` line of the seed tutorial has
an explanation, a live counterpart where one exists, and a stepper step that resolves.

The reference is the seed text itself (/work/shared/seed/ipsec-vpn-digital-certificates.txt, or
a copy under assets/seed/): its code lines are found by their shape (a ``debug`` timestamp, an
IOS prompt, a configuration keyword, a ``show`` field), independently of the data, and each must
sit inside a block of ``vpnteach/data/seedmap.json`` whose lines equal the seed's there.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from vpnteach.lab import Lab
from vpnteach.stepper import Stepper, seedmap
from vpnteach.stepper.seedmap import SeedBlock

SEED = Path("/work/shared/seed/ipsec-vpn-digital-certificates.txt")
REPO_SEED = Path(__file__).resolve().parents[2] / "assets" / "seed" / SEED.name

DEBUG = re.compile(r"^Jun \d+ \d\d:")
PROMPT = re.compile(r"^Branch\d(\(config\))?#")
CONFIG = re.compile(
    r"^(hostname |ip |ntp |crypto |enrollment |rsakeypair |revocation-check |encryption |"
    r"authentication |hash |group |match |set |interface |permit |10 ipsec-isakmp|!)"
)
SHOW = re.compile(
    r"^(Certificate|Status:|Issuer:|Subject:|cn=|dc=|Name:|hostname=|CRL Distribution|ldap:|"
    r"ervices,|ss=|n,DC=|http://amit|Validity|start date|end date|Associated|CA Certificate|"
    r"Fingerprint|% Do you|Trustpoint CA|IPv[46] Crypto|dst src|10\.2\.2\.1 10\.1\.1\.1|"
    r"interface:|Crypto map tag|protected vrf|local |remote |current|PERMIT|#pkts|#send|"
    r"path mtu|inbound|outbound|spi:|transform:|in use|conn id|sa timing|IV size|replay|"
    r"MM_NO_STATE|next-payload|type :|FQDN name|protocol :|port :|length :|authenticated$|"
    r"\(proxy|has spi|lifetime of)"
)
# the seed's mistakes the course must correct where they appear (issue 17)
SEED_MISTAKES = (
    "signed by the Public Key of the CA Server",
    "Digital Signature of the Certificate",
    "session key",
    "session-key",
    "CRYPT0",
    "a uni-directional SA is established",
)


def seed_lines() -> list[str]:
    return (REPO_SEED if REPO_SEED.exists() else SEED).read_text().splitlines()


def is_code(line: str) -> bool:
    """A configuration, ``show`` or ``debug`` line of the seed (prose mentions of commands,
    like ``crypto isakmp policy <number> command creates ...``, are not)."""
    if DEBUG.match(line) or PROMPT.match(line):
        return True
    if CONFIG.match(line):
        return " command" not in line and not line.endswith(" and")
    return bool(SHOW.match(line))


def unmapped(lines: list[str], data: dict[str, Any]) -> list[str]:
    """The problems of ``data`` against the seed: blocks not found verbatim and in order,
    code lines outside every block, lines whose note id does not exist."""
    problems, covered, start = [], set(), 0
    for block in data["blocks"]:
        rows = [line for line, _ in block["lines"]]
        for at in range(start, len(lines) - len(rows) + 1):
            if lines[at : at + len(rows)] == rows:
                covered.update(range(at, at + len(rows)))
                start = at + len(rows)
                break
        else:
            problems.append(f"block {block['title']!r} is not in the seed (in order)")
        problems += [
            f"{line!r}: note {note!r} does not exist"
            for line, note in block["lines"]
            if note not in data["notes"]
        ]
    problems += [
        f"line {i + 1} has no explanation: {line!r}"
        for i, line in enumerate(lines)
        if is_code(line) and i not in covered
    ]
    return problems


def test_every_code_line_of_the_seed_is_mapped_to_an_existing_note() -> None:
    assert unmapped(seed_lines(), seedmap.load()) == []


def test_a_seed_line_without_a_mapping_fails_the_check() -> None:
    data = copy.deepcopy(seedmap.load())
    debug = next(b for b in data["blocks"] if b["kind"] == "debug")
    dropped = debug["lines"].pop()  # the block no longer matches the seed, its line uncovered
    problems = unmapped(seed_lines(), data)
    assert any(dropped[0] in p for p in problems), problems
    data = copy.deepcopy(seedmap.load())
    data["blocks"][0]["lines"][0][1] = "no-such-note"
    assert any("no-such-note" in p for p in unmapped(seed_lines(), data))


def test_the_classifier_finds_every_kind_of_block() -> None:
    code = [line for line in seed_lines() if is_code(line)]
    assert sum(bool(DEBUG.match(line)) for line in code) == 148  # the whole debug log
    assert "set pfs {group 1 | group 2 | group 5}" in code
    assert "#send errors 1, #recv errors 0" in code
    assert not any("command" in line and CONFIG.match(line) for line in code)


def test_every_note_is_used_explained_and_sourced() -> None:
    data = seedmap.load()
    used = {note for block in data["blocks"] for _, note in block["lines"]}
    assert used == set(data["notes"])
    for note in seedmap.notes().values():
        assert len(note.text) > 10 and note.source, note.id
        if note.live:
            re.compile(note.live)


@pytest.fixture(scope="module")
def blocks() -> tuple[SeedBlock, ...]:
    return seedmap.annotate(2010)


def test_every_line_with_a_live_counterpart_finds_it_in_the_lab(
    blocks: tuple[SeedBlock, ...],
) -> None:
    missing = [
        (b.title, line.seed)
        for b in blocks
        for line in b.lines
        if b.source and line.note.live is not None and line.live is None
    ]
    assert missing == []
    assert sum(line.live is not None for b in blocks for line in b.lines) > 300


def test_live_debug_lines_equal_the_seed_where_no_value_varies(
    blocks: tuple[SeedBlock, ...],
) -> None:
    # a note without its own pattern claims the live line is the seed line, word for word
    for block in (b for b in blocks if b.kind == "debug"):
        for line in block.lines:
            if line.note.live == "" and line.live is not None:
                assert line.live == seedmap.normalize(line.seed)


def test_debug_lines_are_matched_in_the_order_the_lab_printed_them(
    blocks: tuple[SeedBlock, ...],
) -> None:
    live = seedmap.live_outputs(2010)["debug"]
    mm = [b for b in blocks if b.kind == "debug"][:3]  # MM1..MM6: printed once, in order
    positions = [
        live.index(line.live)
        for b in mm
        for line in b.lines
        if line.live is not None and not line.note.same_line and live.count(line.live) == 1
    ]
    assert positions == sorted(positions) and len(positions) > 80


def test_every_step_reference_resolves_to_the_step_it_names(
    blocks: tuple[SeedBlock, ...],
) -> None:
    steps = list(Stepper.for_lab(Lab.seed(2010)))
    for block in blocks:
        for line in block.lines:
            if line.note.step:
                assert line.step is not None
                actor, words, *_ = line.note.step.split("|")
                assert steps[line.step].actor == actor and words in steps[line.step].title
    linked = [line for b in blocks if b.kind == "debug" for line in b.lines if line.step]
    assert len(linked) > 60


def test_the_seeds_mistakes_are_corrected_where_they_appear(
    blocks: tuple[SeedBlock, ...],
) -> None:
    for mistake in SEED_MISTAKES:
        lines = [line for b in blocks for line in b.lines if mistake in line.seed]
        assert lines, mistake
        assert all(line.note.seed_error for line in lines), mistake
    sign = next(line for b in blocks for line in b.lines if "Public Key of the CA" in line.seed)
    assert "private key" in sign.note.text.lower()
    sig = next(
        line for b in blocks for line in b.lines if "Signature of the Certificate" in line.seed
    )
    assert "HASH_R" in sig.note.text


@pytest.mark.parametrize(
    "command", ["show crypto isakmp sa", "show crypto ipsec sa", "show crypto pki certificates"]
)
def test_every_line_of_the_live_show_output_has_an_explanation(command: str) -> None:
    lab = Lab.seed(2010)
    lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    text = lab.branch1.exec(command)
    block = seedmap.explain_output(f"Branch1# {command}", text)
    live = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    assert [line.live for line in block.lines] == live
    assert [line.live for line in block.lines if line.note is seedmap.UNMATCHED] == []


def test_explain_output_names_the_blocks_when_asked_for_an_unknown_one() -> None:
    with pytest.raises(seedmap.SeedMapError, match="Branch1# show crypto ipsec sa"):
        seedmap.explain_output("show nothing", "")
