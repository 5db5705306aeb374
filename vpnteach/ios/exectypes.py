"""Argument types of the EXEC grammar: ``ping`` options and the ``clock set`` time.

Each is an :data:`~vpnteach.ios.grammar.ArgParser` raising
:class:`~vpnteach.ios.grammar.Mismatch` at the word IOS would mark. IOS's ``ping`` takes its
options in any order (Cisco IOS Configuration Fundamentals Command Reference, ``ping``:
``repeat``, ``size``, ``source``, ``timeout``); ``clock set`` takes ``hh:mm:ss``, then a day
and a month in either order, then a year (Cisco IOS Configuration Fundamentals Command
Reference, ``clock set``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vpnteach.ios.argtypes import INTERFACE_TYPES, interface_name
from vpnteach.ios.grammar import ArgParser, HelpLines, Mismatch, int_range, ipv4_arg

_PING_NUMBERS: dict[str, ArgParser] = {
    "repeat": int_range(1, 2147483647),
    "size": int_range(36, 18024),
    "timeout": int_range(0, 3600),
}
_PING_OPTIONS = ("repeat", "size", "source", "timeout")


@dataclass(frozen=True)
class PingRequest:
    """An IOS ``ping``: destination, count, datagram size, timeout (s), source address."""

    dst: str
    count: int = 5
    size: int = 100
    timeout: float = 2.0
    source: str | None = None

    @classmethod
    def from_args(cls, dst: str, options: Mapping[str, Any]) -> PingRequest:
        """From the parsed ``ping`` options."""
        return cls(
            dst,
            int(options.get("repeat", 5)),
            int(options.get("size", 100)),
            float(options.get("timeout", 2)),
            options.get("source"),
        )


def ping_options(words: Sequence[str], i: int) -> tuple[dict[str, Any], int]:
    """``repeat N``, ``size N``, ``timeout S``, ``source A.B.C.D|INTERFACE``, in any order."""
    found: dict[str, Any] = {}
    while i < len(words):
        word = words[i].lower()
        names = [n for n in _PING_OPTIONS if n.startswith(word) and n not in found]
        if len(names) != 1:
            raise Mismatch(i, [*(n for n in _PING_OPTIONS if n not in found), "end of command"])
        name = names[0]
        if name == "source":
            found[name], i = _ping_source(words, i + 1)
        else:
            found[name], i = _PING_NUMBERS[name](words, i + 1)
    return found, i


def _ping_source(words: Sequence[str], i: int) -> tuple[str, int]:
    try:
        return ipv4_arg(words, i)
    except Mismatch as miss:
        try:
            return interface_name(words, i)
        except Mismatch:
            names = [name for name, _ in INTERFACE_TYPES]
            raise Mismatch(i, ["an IPv4 address A.B.C.D", *names], miss.offset) from None


_TIME = re.compile(r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip


def _month(word: str) -> int | None:
    found = [n for n, m in enumerate(_MONTHS, 1) if len(word) >= 3 and m.startswith(word.lower())]
    return found[0] if len(found) == 1 else None


def clock_time(words: Sequence[str], i: int) -> tuple[dt.datetime, int]:
    """``hh:mm:ss`` ``day month`` | ``month day`` ``year`` -> a naive datetime."""
    text = words[i] if i < len(words) else ""
    time = _TIME.fullmatch(text)
    if time is None or int(time[1]) > 23 or int(time[2]) > 59 or int(time[3]) > 59:
        raise Mismatch(i, ["a time hh:mm:ss"])
    day, month, nxt = _day_month(words, i + 1)
    year, nxt = int_range(1993, 2035)(words, nxt)
    try:
        when = dt.datetime(year, month, day, int(time[1]), int(time[2]), int(time[3]))
    except ValueError:
        raise Mismatch(i + 1, [f"a day that exists in {_MONTHS[month - 1]} {year}"]) from None
    return when, nxt


def _day_month(words: Sequence[str], i: int) -> tuple[int, int, int]:
    first = words[i] if i < len(words) else ""
    if first.isascii() and first.isdigit():
        day, _ = int_range(1, 31)(words, i)
        month = _month(words[i + 1]) if i + 1 < len(words) else None
        if month is None:
            raise Mismatch(i + 1, ["a month (January-December)"])
        return day, month, i + 2
    month = _month(first)
    if month is None:
        raise Mismatch(i, ["a day of the month 1-31", "a month (January-December)"])
    day, nxt = int_range(1, 31)(words, i + 1)
    return day, month, nxt


EXEC_TYPES: dict[str, ArgParser] = {
    "ping_options": ping_options, "clock_time": clock_time, "interface": interface_name,
}  # fmt: skip
"""The EXEC argument types, by the name patterns use."""

EXEC_TYPE_HELP: dict[str, HelpLines] = {
    "ping_options": (
        ("repeat", "specify repeat count"),
        ("size", "specify datagram size"),
        ("source", "specify source address or name"),
        ("timeout", "specify timeout interval"),
    ),
    "clock_time": (("hh:mm:ss", "Current Time"),),
    "interface": (("FastEthernet", "FastEthernet IEEE 802.3"), ("Loopback", "Loopback interface"),
                  ("Serial", "Serial"), ("Tunnel", "Tunnel interface")),
}  # fmt: skip
"""What ``?`` shows for them."""
