"""The lab's topology as a picture: routers, PCs, the CA, each link with its addresses, and
the IPsec tunnel between the branches (up or down).

Drawn by hand as inline SVG from the lab's own links (:attr:`vpnteach.net.sim.Network.links`),
so the addresses are the ones the lab really uses. Known nodes of the seed (PC1, Branch1, ISP,
Branch2, PC2, WIN2003) have fixed places; any other node goes on a row underneath. The
tunnel's state is written in words and drawn solid (up) or dashed (down), never by colour
alone; the picture has a ``<title>``/``<desc>`` and :func:`topology_html` adds a table of every
link (WCAG 2.1 1.1.1).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from vpnteach.ui.markup import esc, table

if TYPE_CHECKING:
    from vpnteach.lab import Lab

WIDTH, HEIGHT = 820, 350
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
PLACES = {
    "PC1": (80, 130),
    "Branch1": (245, 130),
    "ISP": (410, 130),
    "Branch2": (575, 130),
    "PC2": (740, 130),
    "WIN2003": (410, 270),
}
SHORT = (("FastEthernet", "Fa"), ("Serial", "Se"), ("GigabitEthernet", "Gi"))
_IDS = itertools.count(1)


def links_of(lab: Lab) -> list[tuple[str, str, str, str, str]]:
    """``(link, node a, "Serial1/0 10.1.1.1/24", node b, "...")`` for every link of the lab."""
    found = []
    for name, link in lab.network.links.items():
        ends = []
        for end in (link.a, link.b):
            node, port = end.node.name, end.name
            for long, short in SHORT:
                port = port.replace(long, short)
            ends += [node, f"{port} {end.address}"]
        found.append((name, ends[0], ends[1], ends[2], ends[3]))
    return found


def _places(nodes: list[str]) -> dict[str, tuple[int, int]]:
    places = {n: PLACES[n] for n in nodes if n in PLACES}
    others = [n for n in nodes if n not in PLACES]
    for index, name in enumerate(others):
        places[name] = (80 + (index % 5) * 165, 330)
    return places


def _node(name: str, x: int, y: int, ports: list[str]) -> str:
    """A box with the node's name and, under it, one line per interface and address."""
    rx = 18 if name.startswith(("Branch", "ISP")) else 4
    lines = "".join(
        # a white halo keeps an address readable where a link passes behind it
        f"<text x='{x}' y='{y + 36 + 16 * n}' text-anchor='middle' font-size='13' "
        f"stroke='#fff' stroke-width='4' paint-order='stroke'>{esc(port)}</text>"
        for n, port in enumerate(ports)
    )
    return (
        f"<g class='vt-topology-node'><rect x='{x - 52}' y='{y - 20}' width='104' height='40' "
        f"rx='{rx}' fill='#ffffff' stroke='#000' stroke-width='1.5'/>"
        f"<text x='{x}' y='{y + 5}' text-anchor='middle' font-size='15' font-weight='bold'>"
        f"{esc(name)}</text>{lines}</g>"
    )


def _link(a: tuple[int, int], b: tuple[int, int]) -> str:
    (x1, y1), (x2, y2) = a, b
    return f"<line x1='{x1}' y1='{y1}' x2='{x2}' y2='{y2}' stroke='#333' stroke-width='2'/>"


def tunnel_text(up: bool) -> str:
    """The tunnel's state in words."""
    if up:
        return "IPsec tunnel UP: 192.168.11.0/24 ⇄ 192.168.22.0/24 encrypted (ESP)"
    return "IPsec tunnel down: no security association yet (press Ping)"


def topology_svg(lab: Lab, tunnel_up: bool = False) -> str:
    """The picture as one ``<svg>`` element."""
    links = links_of(lab)
    nodes = list(dict.fromkeys(n for link in links for n in (link[1], link[3])))
    places = _places(nodes)
    key = next(_IDS)
    style = "stroke-width='4'" if tunnel_up else "stroke-width='2' stroke-dasharray='8 6'"
    b1, b2 = places.get("Branch1", PLACES["Branch1"]), places.get("Branch2", PLACES["Branch2"])
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='vt-topology' width='{WIDTH}' "
        f"height='{HEIGHT}' viewBox='0 0 {WIDTH} {HEIGHT}' font-family='{FONT}' role='img' "
        f"aria-labelledby='vt-topo-t{key} vt-topo-d{key}' style='max-width:100%;height:auto'>",
        f"<title id='vt-topo-t{key}'>Lab topology</title>",
        f"<desc id='vt-topo-d{key}'>{esc(_description(links, tunnel_up))}</desc>",
        f"<path d='M{b1[0]},{b1[1] - 20} C{b1[0]},40 {b2[0]},40 {b2[0]},{b2[1] - 20}' "
        f"fill='none' stroke='#1f4e9e' {style}/>",
        f"<text x='{(b1[0] + b2[0]) // 2}' y='52' text-anchor='middle' font-size='14' "
        f"font-weight='bold' fill='#1f4e9e'>{esc(tunnel_text(tunnel_up))}</text>",
    ]
    ports: dict[str, list[str]] = {name: [] for name in nodes}
    for _, a, la, b, lb in links:
        ports[a].append(la)
        ports[b].append(lb)
    parts += [_link(places[a], places[b]) for _, a, _, b, _ in links]
    parts += [_node(name, *places[name], ports[name]) for name in nodes]
    parts.append("</svg>")
    return "".join(parts)


def _description(links: list[tuple[str, str, str, str, str]], tunnel_up: bool) -> str:
    joined = "; ".join(f"{a} {la} to {b} {lb}" for _, a, la, b, lb in links)
    return f"{len(links)} links: {joined}. {tunnel_text(tunnel_up)}."


def topology_html(lab: Lab, tunnel_up: bool = False) -> str:
    """The picture and, under a disclosure, every link as a table."""
    rows = [(esc(name), esc(a), esc(la), esc(b), esc(lb)) for name, a, la, b, lb in links_of(lab)]
    listing = table(("link", "node", "interface, address", "node", "interface, address"), rows)
    return (
        f"<div class='vt-topology-view'>{topology_svg(lab, tunnel_up)}"
        f"<details><summary>the topology as a table</summary>{listing}</details></div>"
    )
