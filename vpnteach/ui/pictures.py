"""Pictures drawn from the lab's own data: one message sequence per phase, the layout of a
real ESP packet. (The topology picture is :func:`vpnteach.ui.topology.topology_html`.)

* :func:`sequence_html` — the messages of one phase (Main Mode, Quick Mode, Aggressive Mode)
  as a ladder, each arrow labelled with the payloads it really carried (RFC 2409 §5, §5.4,
  §5.5).
* :func:`esp_layout_html` — the fields of one ESP tunnel-mode packet with their real sizes,
  which part is encrypted and which the ICV covers (RFC 4303 §2, §3.3).
"""

from __future__ import annotations

from collections.abc import Sequence

from vpnteach.esp.esp import EspPacket
from vpnteach.stepper.step import Step
from vpnteach.ui.ladder import LadderEntry, ladder_html
from vpnteach.ui.markup import esc, table
from vpnteach.ui.stepper_panels import ladder_entries

PHASES = {"main": "MM", "quick": "QM", "aggressive": "AM"}
"""The message label prefix of each phase the ladder can show."""
_TITLES = {"main": "Main Mode (phase 1)", "quick": "Quick Mode (phase 2)",
           "aggressive": "Aggressive Mode (phase 1)"}  # fmt: skip


# ------------------------------------------------------------------------------ sequences


def sequence_entries(steps: Sequence[Step], phase: str) -> list[LadderEntry]:
    """One arrow per message of ``phase`` (``"main"``, ``"quick"``, ``"aggressive"``), with
    the payloads it carried (``payloads``: ``"KE, NONCE, CERTREQ, VID×3, NAT-D×2"``) and the
    receiver's state after it."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {sorted(PHASES)}, not {phase!r}")
    entries = ladder_entries(steps, len(steps) - 1) if steps else []
    return [e for e in entries if e.label.startswith(PHASES[phase])]


def sequence_html(steps: Sequence[Step], phase: str) -> str:
    """The ladder of one phase with a title, from a stepper's steps (run to the end)."""
    entries = sequence_entries(steps, phase)
    left = entries[0].sender if entries else "Branch1"
    right = entries[0].receiver if entries else "Branch2"
    return f"<h4>{esc(_TITLES[phase])}</h4>" + ladder_html(entries, left, right)


# ------------------------------------------------------------------------------ ESP


def esp_fields(packet: EspPacket) -> list[tuple[str, int, str]]:
    """(field, bytes, part) for each field of the packet; part is ``clear``, ``encrypted``
    or ``icv`` (RFC 4303 §2: the ICV covers SPI to Next Header)."""
    fields = [("outer IPv4 header", 20, "outer")]
    if packet.udp_ports:
        fields.append(("UDP header (NAT-T)", 8, "outer"))
    fields += [("SPI", 4, "clear"), ("Sequence Number", 4, "clear"),
               ("IV", len(packet.iv), "clear")]  # fmt: skip
    if packet.inner is None or packet.padding is None:
        fields.append(("encrypted payload and trailer", len(packet.ciphertext), "encrypted"))
    else:
        fields += [("inner IPv4 packet", len(packet.inner), "encrypted"),
                   ("Padding", len(packet.padding), "encrypted"),
                   ("Pad Length", 1, "encrypted"), ("Next Header", 1, "encrypted")]  # fmt: skip
    fields.append(("ICV", len(packet.icv), "icv"))
    return fields


_FILL = {"outer": "#eeeeee", "clear": "#dbeafe", "encrypted": "#fde68a", "icv": "#bbf7d0"}


def esp_layout_svg(packet: EspPacket) -> str:
    """The packet as a row of boxes (width grows with size), with two brackets: what is
    encrypted and what the ICV authenticates."""
    fields = esp_fields(packet)
    widths = [max(88, min(170, 40 + size * 2)) for _, size, _ in fields]
    xs = [10 + sum(widths[:i]) for i in range(len(fields))]
    total = xs[-1] + widths[-1] + 10
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{total}' height='130' "
             f"viewBox='0 0 {total} 130' font-family='sans-serif' font-size='10'>",
             "<title>ESP tunnel-mode packet layout (RFC 4303)</title>"]  # fmt: skip
    for (name, size, part), x, w in zip(fields, xs, widths, strict=True):
        parts.append(
            f"<g><title>{esc(name)}: {size} bytes ({part})</title>"
            f"<rect x='{x}' y='40' width='{w}' height='40' fill='{_FILL[part]}' stroke='black'/>"
            f"<text x='{x + w / 2}' y='57' text-anchor='middle'>{esc(name)}</text>"
            f"<text x='{x + w / 2}' y='72' text-anchor='middle'>{size} B</text></g>"
        )

    def bracket(first: str, last: str, y: int, label: str) -> str:
        i = next(n for n, f in enumerate(fields) if f[2] == first)
        j = max(n for n, f in enumerate(fields) if f[2] == last)
        x1, x2 = xs[i], xs[j] + widths[j]
        return (
            f"<path d='M{x1} {y + 6} V{y} H{x2} V{y + 6}' fill='none' stroke='black'/>"
            f"<text x='{(x1 + x2) / 2}' y='{y - 4}' text-anchor='middle'>{esc(label)}</text>"
        )

    parts.append(bracket("encrypted", "encrypted", 28, "encrypted with the SA's key"))
    icv_to = "encrypted"
    parts.append(
        bracket("clear", icv_to, 96, "covered by the ICV (HMAC)").replace("V96 H", "V102 H")
    )
    parts.append("</svg>")
    return "".join(parts)


def esp_layout_html(packet: EspPacket) -> str:
    """The layout picture, then the fields as a table (name, bytes, protection)."""
    meaning = {
        "outer": "clear (new outer header, tunnel mode)",
        "clear": "clear, authenticated",
        "encrypted": "encrypted and authenticated",
        "icv": "the authentication tag",
    }
    rows = [(esc(n), str(s), esc(meaning[p])) for n, s, p in esp_fields(packet)]
    return esp_layout_svg(packet) + table(("field", "bytes", "protection"), rows)
