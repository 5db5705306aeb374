"""Bad input at the console and in configuration text: an IOS-style error at the right
character, never a traceback, nothing half-applied."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpnteach.ios import IosConfigError, parse_config
from vpnteach.ios.console import Console
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for

INVALID = "% Invalid input detected at '^' marker."


def _config_console(lab: Lab) -> Console:
    console = console_for(lab.branch1)
    console.enter("enable")
    console.enter("configure terminal")
    return console


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("hostname Bra\x00nch1", 12),  # NUL
        ("hostname Bra\x1b[31mnch1", 12),  # an escape sequence
        ("hostname Branch1\u2028hostname Evil", 16),  # LINE SEPARATOR inside a line
        ("crypto isakmp policy 1\x7f0", 22),  # DEL
        ("hostname Brånch1", 11),  # not ASCII
        ("description " + "x" * (1 << 20), 4096),  # a 1 MB line: refused past IOS's buffer
    ],
)
def test_unreadable_characters_are_refused_at_their_column(
    lab: Lab, line: str, column: int
) -> None:
    console = _config_console(lab)
    before = lab.branch1.config
    prompt = console.prompt
    answer = console.enter(line)
    assert answer == " " * (len(prompt) + column) + "^\n" + INVALID + "\n\n"
    assert lab.branch1.config is before and console.prompt == prompt


@pytest.mark.parametrize(
    ("line", "caret"),
    [
        ("crypto isakmp policy inf", 21),
        ("crypto isakmp policy nan", 21),
        ("crypto isakmp policy 1e3", 22),  # reading the number stops at "e"
        ("crypto isakmp policy -0", 21),
        ("hostname 9lives", 9),  # a host name starts with a letter
        ("hostname Branch_1", 15),  # no underscore in a host name
        ("ip route 0.0.0.0 0.0.0.0 10.1.1.256", 34),  # the "6" makes the octet over 255
        ("ip route 10.2.2.1 0.0.0.0 10.1.1.2", 9),  # host bits under the mask (a fuzz find)
    ],
)
def test_bad_numbers_and_names_get_the_caret_where_reading_stops(
    lab: Lab, line: str, caret: int
) -> None:
    console = _config_console(lab)
    before = lab.branch1.config
    answer = console.enter(line)
    assert answer == " " * (len(console.prompt) + caret) + "^\n" + INVALID + "\n\n"
    assert lab.branch1.config is before


@pytest.mark.parametrize(
    "text",
    [
        "hostname Bra\x00nch1\n",
        "hostname Branch1\u2028ntp server 1.2.3.4\n",
        "interface Serial1/0\n description " + "y" * (1 << 20) + "\n",
        "crypto isakmp policy 10\n lifetime inf\n",
    ],
)
def test_configuration_text_with_bad_input_is_refused_whole(text: str) -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config("hostname Good\n" + text)
    assert caught.value.line >= 2
    assert len(str(caught.value)) < 6000  # the message quotes the line, not a megabyte
    assert "^" in caught.value.ios_message() or caught.value.incomplete


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=8))
def test_any_input_gives_text_never_an_exception(lines: list[str]) -> None:
    lab = _LAB
    console = console_for(lab.branch1, enabled=True)
    for line in ["configure terminal", *lines, "end", *lines]:
        before = lab.branch1.config
        answer = console.enter(line)
        assert isinstance(answer, str)
        if (answer.startswith(" ") and "^" in answer) or answer.startswith("% "):
            assert lab.branch1.config is before
        console.help(line)
        console.complete(line)


_LAB = Lab.seed()


def test_removing_the_crypto_interfaces_address_is_taken_as_ios_takes_it() -> None:
    # IOS accepts `no ip address` under an interface carrying a crypto map: the map stops
    # working (no SA, traffic not protected); the address back, it works again.
    lab = Lab.seed()
    console = console_for(lab.branch1, enabled=True)
    for line in ("configure terminal", "interface Serial1/0", "no ip address", "end"):
        assert "%" not in console.enter(line)
    assert lab.branch1.gateway is None
    assert console.enter("show crypto isakmp sa") == (
        "% Branch1 runs no IPsec: interface Serial1/0 has 'crypto map' but no 'ip address'\n"
    )
    for line in ("configure terminal", "int s1/0", "ip address 10.1.1.1 255.255.255.0", "end"):
        console.enter(line)
    ping = console.enter("ping 192.168.22.1 source 192.168.11.1")
    assert ping.splitlines()[-2] == ".!!!!"


def test_a_huge_repeat_count_is_refused_not_simulated_forever() -> None:
    console = console_for(_LAB.branch1, enabled=True)
    answer = console.enter("ping 192.168.22.1 repeat 2147483647")
    assert answer.startswith("% the lab's simulated ping sends at most 10000 echoes")
