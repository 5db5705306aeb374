"""Pictures drawn from the lab's own data: the topology, one message sequence per phase, the
layout of a real ESP packet.

* :func:`topology_html` — the nodes and links of a :class:`~vpnteach.lab.Lab` (names,
  interfaces, addresses, subnets) as a Graphviz diagram, plus the IPsec tunnel between the
  crypto map peers; a text list repeats it for screen readers and for machines without Graphviz.
* :func:`sequence_html` — the messages of one phase (Main Mode, Quick Mode, Aggressive Mode)
  as a ladder, each arrow labelled with the payloads it really carried (RFC 2409 §5, §5.4,
  §5.5).
* :func:`esp_layout_html` — the fields of one ESP tunnel-mode packet with their real sizes,
  which part is encrypted and which the ICV covers (RFC 4303 §2, §3.3).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vpnteach.esp.esp import EspPacket
from vpnteach.stepper.step import IkeMessage, Step, StepKind
from vpnteach.ui.graphviz_backend import diagram_html
from vpnteach.ui.ladder import LadderEntry, ladder_html
from vpnteach.ui.markup import esc, table
from vpnteach.ui.stepper_widget import ladder_entries

if TYPE_CHECKING:
    from vpnteach.lab import Lab

PHASES = {"main": "MM", "quick": "QM", "aggressive": "AM"}
"""The message label prefix of each phase the ladder can show."""
_TITLES = {"main": "Main Mode (phase 1)", "quick": "Quick Mode (phase 2)",
           "aggressive": "Aggressive Mode (phase 1)"}  # fmt: skip


# ------------------------------------------------------------------------------ topology


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _role(lab: Lab, name: str) -> tuple[str, str]:
    """(label suffix, DOT attributes) of a node by what it is in the lab."""
    ca_host = lab.ca_service.host.name if lab.ca_service is not None else None
    if name == ca_host:
        return (
            "certificate authority (SCEP, NTP)",
            "shape=note, style=filled, fillcolor=lightyellow",
        )
    if name in lab.routers:
        return "IOS router", 'shape=box, style="rounded,filled", fillcolor=lightblue'
    if name in lab.hosts:
        return "PC", "shape=box"
    return "router (no crypto)", "shape=box, style=rounded"


def _peers(lab: Lab) -> list[tuple[str, str, str]]:
    """(router, peer router, peer address) for each crypto map ``set peer`` in the lab, each
    pair of routers once."""
    owner = {
        str(i.address.ip): node.name
        for node in lab.network.nodes.values()
        for i in node.interfaces.values()
        if i.address is not None
    }
    found: list[tuple[str, str, str]] = []
    for name, router in lab.routers.items():
        for entries in router.config.crypto_maps.values():
            for spec in entries.values():
                for peer in spec.peers:
                    other = owner.get(str(peer))
                    pairs = {frozenset((a, b)) for a, b, _ in found}
                    if other and frozenset((name, other)) not in pairs:
                        found.append((name, other, str(peer)))
    return found


def _end(interface: str, address: ipaddress.IPv4Interface | None) -> str:
    """``Serial1/0 .1``: an interface and the host part of its address."""
    return f"{interface} .{str(address.ip).rsplit('.', 1)[1]}" if address else interface


def topology_dot(lab: Lab) -> str:
    """The lab's nodes and links as a DOT graph: each link labelled with its name, subnet and
    the interface and address at both ends; a dashed edge for each IPsec tunnel."""
    lines = [
        "graph topology {",
        "  layout=dot; rankdir=LR; nodesep=0.9; ranksep=1.3;",
        '  node [fontname="sans-serif", fontsize=11];',
        '  edge [fontname="sans-serif", fontsize=9, labeldistance=2.5, labelangle=25];',
    ]
    for name in lab.network.nodes:
        role, attrs = _role(lab, name)
        lines.append(f'  {_q(name)} [label={_q(name)[:-1]}\\n{role}", {attrs}];')
    for link in lab.network.links.values():
        a, b = link.a, link.b
        net = a.address.network if a.address is not None else ""
        lines.append(
            f"  {_q(a.node.name)} -- {_q(b.node.name)} [label={_q(f'{link.name} {net}')}, "
            f"taillabel={_q(_end(a.name, a.address))}, headlabel={_q(_end(b.name, b.address))}];"
        )
    for router, peer, _address in _peers(lab):
        lines.append(
            f"  {_q(router)} -- {_q(peer)} [style=dashed, color=darkgreen, penwidth=2, "
            f"constraint=false, label={_q('IPsec tunnel (ESP)')}, fontcolor=darkgreen];"
        )
    lines.append("}")
    return "\n".join(lines)


def topology_html(lab: Lab) -> str:
    """The topology diagram, then the same facts as a table (links, ends, addresses)."""
    rows = []
    for link in lab.network.links.values():
        ends = [(end.node.name, end.name, str(end.address) if end.address else "-")
                for end in (link.a, link.b)]  # fmt: skip
        rows.append((esc(link.name), *(esc(f"{n} {i} {a}") for n, i, a in ends)))
    tunnels = [(f"{r} ↔ {p}", f"crypto map peer {a}") for r, p, a in _peers(lab)]
    listing = table(("link", "one end", "other end"), rows)
    tunnel_rows = table(("IPsec tunnel", "from"), [tuple(esc(x) for x in t) for t in tunnels])
    caption = "The lab: routers, PCs and the CA, with each interface's address"
    return diagram_html(topology_dot(lab), caption=caption) + listing + tunnel_rows


# ------------------------------------------------------------------------------ sequences


def sequence_entries(steps: Sequence[Step], phase: str) -> list[LadderEntry]:
    """One arrow per message of ``phase`` (``"main"``, ``"quick"``, ``"aggressive"``), labelled
    ``"MM3: KE, NONCE, CERTREQ, ..."`` with the receiver's state after it."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {sorted(PHASES)}, not {phase!r}")
    prefix = PHASES[phase]
    names = {
        s.payload.label: ", ".join(s.payload.payload_names)
        for s in steps
        if s.kind is StepKind.MESSAGE and isinstance(s.payload, IkeMessage)
    }
    entries = ladder_entries(steps, len(steps) - 1) if steps else []
    return [
        e._replace(label=f"{e.label}: {names.get(e.label, '')}")
        for e in entries
        if e.label.startswith(prefix)
    ]


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
