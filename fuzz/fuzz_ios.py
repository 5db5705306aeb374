"""Fuzz the IOS configuration parser (vpnteach.ios): only ``IosConfigError`` may escape.

The input is decoded as UTF-8 (undecodable bytes become U+FFFD) and parsed as a whole
configuration. What parses must render (``to_text``, ``show running-config`` with the keys)
and parse again to the same configuration. Seeds: the seed's router configurations, whole
and line by line.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main
from fuzz._seeds import config_files
from vpnteach.ios import IosConfigError, parse_config

NAME = "ios"


def test_one_input(data: bytes) -> None:
    """One input: a configuration text."""
    try:
        config = parse_config(data.decode("utf-8", "replace"))
    except IosConfigError:
        return
    again = parse_config(config.to_text(include_keys=True))
    if again != config:
        raise AssertionError(f"running-config does not parse back to the same config: {data!r}")


def seeds() -> list[bytes]:
    """Each seed configuration, and each of its lines on its own."""
    found = []
    for path in config_files():
        text = path.read_bytes()
        found.append(text)
        found += [line for line in text.splitlines() if line.strip()]
    return sorted(set(found))


if __name__ == "__main__":
    main(NAME, test_one_input, seeds)
