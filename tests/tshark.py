"""tshark as the tests' independent dissector: the fields it reads from each packet of a capture.

``tshark -r PCAP [OPTIONS] -T fields -e F1 -e F2 ... [-Y FILTER]`` prints one line per packet
(or per packet the display filter keeps), the fields separated by tabs, a field tshark did not
find empty, several occurrences of one field joined by commas. Key tables come either from a
folder (``WIRESHARK_CONFIG_DIR``: ``ikev1_decryption_table``, ``ikev2_decryption_table``,
``esp_sa``) or from ``-o uat:...`` options.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

COMPLAINTS = "_ws.malformed || _ws.expert.severity >= error"
"""The display filter of every packet tshark finds malformed or flags with an error."""

ISAKMP_TYPES = (
    "isakmp.exchangetype",
    "isakmp.flags",
    "isakmp.typepayload",
    "isakmp.notify.msgtype",
)
"""What each ISAKMP message is: exchange type, flags, its payload types, its notify types."""


def tshark_rows(
    pcap: Path,
    keys: Path | None,
    fields: Sequence[str],
    display_filter: str = "",
    options: Sequence[str] = (),
) -> list[list[str]]:
    """Each packet's ``fields`` as tshark reads them, with the key tables in folder ``keys``
    (``WIRESHARK_CONFIG_DIR``; ``None``: tshark's own) and any more tshark ``options``."""
    env = dict(os.environ)
    if keys is not None:
        env["WIRESHARK_CONFIG_DIR"] = str(keys)
    argv = ["tshark", "-r", str(pcap), *options, "-T", "fields"]
    argv += [a for f in fields for a in ("-e", f)]
    argv += ["-Y", display_filter] if display_filter else []
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True, timeout=60)
    return [line.split("\t") for line in out.stdout.splitlines()]


def tshark_records(
    pcap: Path, keys: Path | None, fields: Sequence[str], *filter_and_options: Any
) -> list[dict[str, str]]:
    """:func:`tshark_rows` (``filter_and_options``: its ``display_filter`` and ``options``)
    with each row keyed by field name."""
    rows = tshark_rows(pcap, keys, fields, *filter_and_options)
    return [dict(zip(fields, row, strict=True)) for row in rows]


def tshark_complaints(pcap: Path, keys: Path | None) -> str:
    """tshark's full dissection (``-V``) of every packet that matches :data:`COMPLAINTS`;
    empty when it found nothing wrong."""
    env = dict(os.environ)
    if keys is not None:
        env["WIRESHARK_CONFIG_DIR"] = str(keys)
    argv = ["tshark", "-r", str(pcap), "-Y", COMPLAINTS, "-V"]
    return subprocess.run(
        argv, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout
