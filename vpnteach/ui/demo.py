"""A no-code demo page (notebooks/demo.ipynb, rendered by Voilà for Binder and lecture halls).

One widget, :class:`DemoPage`: the seed lab's topology, a **Ping** button that runs the seed's
``ping 192.168.22.1 source 192.168.11.1`` on Branch1 (the first echo starts IKE Main Mode and
Quick Mode, the next four travel through the tunnel: RFC 2409 §5, RFC 4303), the tunnel drawn
up once ``show crypto ipsec sa`` counts encrypted packets, then three tabs: the stepper over the
same seeded run, the keys both branches derived (RFC 2409 §5, Appendix B, §5.5), and the WAN
capture as the receivers decrypted it (ISAKMP payloads of MM5/MM6 and Quick Mode; the inner
packet of each ESP packet). A toggle scales the whole page for projection ("large text").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vpnteach.esp.esp import EspPacket
from vpnteach.lab import Lab
from vpnteach.stepper import Stepper, stepper_for
from vpnteach.stepper.step import IkeMessage, Step
from vpnteach.trace import Fact
from vpnteach.ui.facts import ledger_html
from vpnteach.ui.markup import esc, note, table
from vpnteach.ui.stepper_panels import payload_summary
from vpnteach.ui.stepper_widget import StepperWidget
from vpnteach.ui.topology import topology_html
from vpnteach.wire.ip import decode_ipv4

PING = "ping 192.168.22.1 source 192.168.11.1"
KEY_NAMES = ("g^xy", "SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Ka", "IV (phase 1)")
LARGE_ZOOM = 1.4


def _inner(packet: EspPacket) -> str:
    if packet.inner is None:
        return "not decrypted"
    try:
        header = decode_ipv4(packet.inner).header
    except ValueError as exc:
        return f"not IPv4: {exc}"
    kind = {1: "ICMP", 6: "TCP", 17: "UDP"}.get(header.protocol, str(header.protocol))
    return f"{header.src} → {header.dst} {kind}, {header.total_length} bytes"


def capture_rows(steps: Sequence[Step]) -> list[tuple[str, ...]]:
    """The WAN traffic of a run as its receivers decrypted it: time, from → to, what travels,
    what is inside."""
    start = steps[0].time if steps else 0.0
    rows: list[tuple[str, ...]] = []
    for step in steps:
        payload = step.payload
        if isinstance(payload, IkeMessage):
            inside = payload_summary(payload.payload_names)
            how = "decrypted: " if payload.encrypted else ""
            what = f"ISAKMP {payload.label}" + (" (encrypted)" if payload.encrypted else "")
            who = f"{payload.sender} → {payload.receiver}"
            rows.append((f"{step.time - start:.3f}", esc(who), esc(what), esc(how + inside)))
        elif isinstance(payload, Fact) and isinstance(payload.value, EspPacket):
            packet = payload.value
            if packet.inner is None or "decrypts" not in step.title:
                continue  # each packet once: as its receiver decrypted it
            what = f"ESP SPI 0x{packet.spi:08X} seq {packet.seq}"
            who = f"{packet.outer_src} → {packet.outer_dst}"
            rows.append((f"{step.time - start:.3f}", esc(who), esc(what), esc(_inner(packet))))
    return rows


def capture_html(steps: Sequence[Step]) -> str:
    """:func:`capture_rows` as a table."""
    rows = capture_rows(steps)
    headers = ("time (s)", "from → to", "on the wire", "inside (decrypted by the receiver)")
    caption = f"The WAN link, {len(rows)} packets, decrypted"
    return table(headers, rows, caption)


def keys_html(lab: Lab) -> str:
    """The phase 1 keys each branch derived (both must agree), with formula and RFC."""
    facts = [
        fact
        for router in (lab.branch1, lab.branch2)
        if router.gateway is not None
        for fact in router.gateway.ike.trace
        if fact.name in KEY_NAMES
    ]
    return ledger_html(facts, "Phase 1 keys")


class DemoPage:
    """The demo page's widgets; display it (a notebook cell ending in it, or Voilà)."""

    def __init__(self, seed: int = 2010, profile: str = "seed") -> None:
        import ipywidgets as w

        self.seed, self.profile = seed, profile
        self.lab = Lab.seed(seed, profile=profile)
        self.picture = w.HTML(topology_html(self.lab)).add_class("vt-demo-topology")
        self.ping = w.Button(
            description="Ping 192.168.22.1 from Branch1's LAN",
            button_style="primary",
            tooltip=f"Branch1# {PING}",
            layout=w.Layout(width="auto"),
        ).add_class("vt-demo-ping")
        self.large = w.ToggleButton(
            description="Large text (presentation)", layout=w.Layout(width="auto")
        ).add_class("vt-demo-large")
        self.style = w.HTML().add_class("vt-demo-style")
        self.status = w.HTML(_status("Press Ping: Branch1 starts IKE, then ESP.")).add_class(
            "vt-demo-status"
        )
        self.stepper: Stepper | None = None
        self.details = w.Tab().add_class("vt-demo-tabs")
        self.details.layout.display = "none"
        self.ping.on_click(lambda _: self.run_ping())
        self.large.observe(lambda change: self.set_large(bool(change["new"])), names="value")
        controls = w.HBox([self.ping, self.large], layout=w.Layout(flex_flow="row wrap"))
        self.box = w.VBox([self.style, self.picture, controls, self.status, self.details])
        self.box.add_class("vt-demo")

    def set_large(self, large: bool) -> None:
        """Presentation mode: the demo and the page's text 1.4 times larger (CSS zoom)."""
        rules = (
            f".vt-demo.vt-large {{zoom:{LARGE_ZOOM}}} "
            f"body:has(.vt-demo.vt-large) .jp-RenderedMarkdown {{zoom:{LARGE_ZOOM}}}"
        )
        self.style.value = f"<style>{rules}</style>" if large else ""
        (self.box.add_class if large else self.box.remove_class)("vt-large")

    def run_ping(self) -> str:
        """Branch1 pings Branch2's LAN; show the tunnel, the stepper, keys and the capture."""
        import ipywidgets as w

        self.ping.disabled = True
        self.status.value = _status("Running: IKE Main Mode, Quick Mode, then ESP…")
        self.lab = Lab.seed(self.seed, profile=self.profile)
        output = self.lab.branch1.exec(PING)
        counters = self.lab.branch1.exec("show crypto ipsec sa")
        up = "#pkts encaps: 0," not in counters and "#pkts encaps:" in counters
        self.picture.value = topology_html(self.lab, tunnel_up=up)
        marks = output.rstrip().splitlines()[-2:]
        self.status.value = _status(
            f"Branch1# {PING}: {' '.join(marks)} — tunnel {'UP' if up else 'down'}"
        )
        self.stepper = stepper_for(lambda: Lab.seed(self.seed, profile=self.profile))
        stepper_view = StepperWidget(self.stepper)
        steps = list(self.stepper)
        pages = [
            stepper_view.box,
            w.HTML(f"<div style='line-height:1.4'>{keys_html(self.lab)}</div>"),
            w.HTML(f"<div style='line-height:1.4'>{capture_html(steps)}</div>"),
        ]
        pages[1].add_class("vt-demo-keys")
        pages[2].add_class("vt-demo-capture")
        self.details.children = pages
        self.details.titles = ("Step through it", "Keys", "Decrypted capture")
        self.details.layout.display = None
        self.ping.disabled = False
        return output

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)  # type: ignore[no-untyped-call]


def _status(text: str) -> str:
    return (
        f"<div class='vt-demo-status-text' role='status' aria-live='polite' "
        f"style='font-size:15px;line-height:1.4;margin:4px 0'>{esc(text)}"
        f"<br>{note('Everything below is computed live by vpnteach: no code to type.')}</div>"
    )
