"""Hypothesis: whatever the text, the parser answers with a config or an IosConfigError."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from vpnteach.ios import IosConfigError, RouterConfig, apply_commands, parse_config
from vpnteach.ios.commands import MODE_COMMANDS, Command
from vpnteach.ios.grammar import Keyword, Optional, Token

from .conftest import seed_text
from .grammar_samples import PIECES, argument_values


def _keywords(tokens: tuple[Token, ...]) -> set[str]:
    words: set[str] = set()
    for token in tokens:
        if isinstance(token, Keyword):
            words.add(token.word)
        elif isinstance(token, Optional):
            words |= _keywords(token.tokens)
    return words


VOCABULARY = sorted(
    {w for table in MODE_COMMANDS.values() for c in table for w in _keywords(c.tokens)}
    | {"10", "0", "1", "3", "65536", "-5", "99999999999", "3des", "aes", "256", "md5", "any"}
    | {"host", "1.2.3.4", "255.255.255.0", "0.0.0.255", "1.2.3", "group2", "Serial1/0", "s1/0"}
    | {
        "Tunnel0",
        "VTI",
        "TS",
        "ACL",
        "CRYPTO",
        "esp-aes",
        "esp-3des",
        "esp-md5-hmac",
        "rsa-sig",
        "permit",
        "!",
    }
    | {"cisco123", "Branch1.amit.com", "vpn@amit.com", "Tunnel0", "VTI"}
)
MODE_PREFIXES = [
    "",
    "crypto isakmp policy 10\n",
    "crypto pki trustpoint T\n",
    "crypto ipsec transform-set TS esp-3des esp-md5-hmac\n",
    "ip access-list extended ACL\n",
    "crypto map CRYPTO 10 ipsec-isakmp\n",
    "interface Serial1/0\n",
    "interface Tunnel0\n",
    "crypto ipsec profile VTI\n",
    "crypto key pubkey-chain rsa\n",
    "crypto key pubkey-chain rsa\n addressed-key 10.2.2.1\n",
    "crypto key pubkey-chain rsa\n addressed-key 10.2.2.1\n  key-string\n",
    "crypto isakmp peer address 10.2.2.1\n",
]

word_lines = st.lists(st.sampled_from(VOCABULARY), max_size=8).map(" ".join)
any_lines = st.text(max_size=60)
line_lists = st.lists(st.one_of(word_lines, any_lines), min_size=1, max_size=6)


def _parse_or_refuse(text: str, base: RouterConfig | None = None) -> None:
    try:
        result = parse_config(text) if base is None else apply_commands(base, text)
    except IosConfigError as error:
        assert 1 <= error.line <= max(1, len(text.splitlines()))
        assert error.expected
        error.ios_message()
    else:
        assert isinstance(result, RouterConfig)
        result.to_text(include_keys=True)


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(MODE_PREFIXES), lines=line_lists)
def test_random_lines_raise_nothing_but_ios_config_error(prefix: str, lines: list[str]) -> None:
    _parse_or_refuse(prefix + "\n".join(lines))


SEED = parse_config(seed_text("branch1"))


@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from(MODE_PREFIXES), lines=line_lists)
def test_random_edits_of_the_seed_never_half_apply(prefix: str, lines: list[str]) -> None:
    text = prefix + "\n".join(lines)
    _parse_or_refuse(text, SEED)
    assert parse_config(seed_text("branch1")) == SEED


@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from(MODE_PREFIXES), lines=st.lists(word_lines, max_size=6))
def test_whatever_parses_round_trips_through_running_config(prefix: str, lines: list[str]) -> None:
    try:
        cfg = parse_config(prefix + "\n".join(lines))
    except IosConfigError:
        return
    assert parse_config(cfg.to_text(include_keys=True)) == cfg


# --- grammar-directed generation: valid-looking commands written from the tables themselves ---


def _piece(draw: st.DrawFn, piece: str) -> str:
    if piece.startswith("["):
        inner = piece[1:-1].split()
        return " ".join(_piece(draw, p) for p in inner) if draw(st.booleans()) else ""
    arg = re.fullmatch(r"<(\w+):([\w-]+)(?::(\S+))?>", piece)
    if arg:
        return draw(st.sampled_from(argument_values(arg.group(2), arg.group(3))))
    abbrev = re.fullmatch(r"([a-z0-9-]+)\(([a-z0-9-]+)\)", piece)
    if abbrev:
        return draw(st.sampled_from([abbrev.group(1), abbrev.group(1) + abbrev.group(2)]))
    return piece


@st.composite
def command_line(draw: st.DrawFn, mode: str) -> str:
    command = draw(st.sampled_from(MODE_COMMANDS[mode]))
    pieces = PIECES.findall(command.pattern)
    return " ".join(p for p in (_piece(draw, piece) for piece in pieces) if p)


def _depths() -> dict[str, int]:
    """How many mode-entering lines each mode is from ``config`` (breadth first)."""
    depth, queue = {"config": 0}, ["config"]
    while queue:
        mode = queue.pop(0)
        for c in MODE_COMMANDS[mode]:
            if c.enters is not None and c.enters not in depth:
                depth[c.enters] = depth[mode] + 1
                queue.append(c.enters)
    return depth


DEPTH = _depths()


def _words(draw: st.DrawFn, command: Command) -> str:
    return " ".join(p for p in (_piece(draw, x) for x in PIECES.findall(command.pattern)) if p)


def _path(draw: st.DrawFn, mode: str) -> list[str]:
    """Lines that lead from ``config`` into ``mode`` (through its parent modes)."""
    if mode == "config":
        return []
    entering = [
        (other, c)
        for other, table in MODE_COMMANDS.items()
        for c in table
        if c.enters == mode and DEPTH[other] < DEPTH[mode]
    ]
    parent, command = draw(st.sampled_from(entering))
    return [*_path(draw, parent), _words(draw, command)]


@st.composite
def config_text(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        mode = draw(st.sampled_from(sorted(MODE_COMMANDS)))
        lines += _path(draw, mode)
        lines += [draw(command_line(mode)) for _ in range(draw(st.integers(0, 4)))]
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(text=config_text())
def test_generated_configs_round_trip_through_running_config(text: str) -> None:
    try:
        cfg = parse_config(text)
    except IosConfigError:
        return
    rendered = cfg.to_text(include_keys=True)
    assert parse_config(rendered) == cfg
    assert parse_config(rendered).to_text(include_keys=True) == rendered


def test_the_generator_reaches_every_mode_including_the_isakmp_peer_block() -> None:
    assert set(DEPTH) == set(MODE_COMMANDS)
    assert DEPTH["config-isakmp-peer"] == 1
