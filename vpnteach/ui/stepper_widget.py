"""The stepper in a notebook: HTML views of every step kind and the :class:`StepperWidget`.

The widget is a composite of stock ipywidgets (no custom JavaScript): buttons ``◀ Back``,
``Next ▶``, ``▶ Play``, ``Reset`` and a "go to step" number box (``slider``): real buttons and
a labelled input, reachable with Tab, operated with Enter, Space and the arrow keys. Then the
step title (an ARIA live region, so a screen reader announces each step) and a ``Tab`` with
``Ladder``, ``Message``, ``Keys``, ``State machines`` (one diagram per role), ``Certificates``,
``Debug log`` (``debug crypto isakmp``, the current step's lines marked) and ``Explanation``.
Every tab page has the same fixed height and scrolls inside, so the page never jumps and the
navigation stays in view; ``StepperWidget(stepper, large=True)`` enlarges it for projection.
Play uses a hidden stock ``Play`` widget linked to the step box in the browser. Each part is an
``HTML`` widget tagged ``vt-stepper-...`` (SVG inline, so tests can query the state diagram's
nodes). The panels over a run are :mod:`vpnteach.ui.stepper_panels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vpnteach._html import register_renderer
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.esp.esp import Dropped, EspPacket
from vpnteach.ike.transitions import QUICK_MODE
from vpnteach.net.sim.events import Event
from vpnteach.pki.validation import CertificateCheck
from vpnteach.stepper.step import (
    IkeMessage,
    LearnerAction,
    LogEntry,
    PendingDatagram,
    Step,
    StepKind,
    Transition,
)
from vpnteach.trace import Fact
from vpnteach.ui.cards import checklist_html, dh_html, dropped_html, esp_packet_html, signature_html
from vpnteach.ui.facts import fact_html, ledger_html
from vpnteach.ui.hexdump import message_hexdump_html
from vpnteach.ui.ladder import ladder_html
from vpnteach.ui.markup import BOX, FAIL_MARK, MONO, card, esc, field_rows, note, value_html
from vpnteach.ui.stepper_panels import (
    FACT_KINDS,
    debug_panel_html,
    ladder_entries,
    latest,
    latest_printing_step,
    phase1_table,
    roles_of,
    state_machines_html,
)
from vpnteach.ui.tree import message_html
from vpnteach.ui.values import ios_names

if TYPE_CHECKING:
    from vpnteach.stepper.stepper import Stepper

__all__ = [
    "StepperWidget",
    "ladder_entries",
    "phase1_table",
    "state_machines_html",
    "step_html",
]

TAB_TITLES = (
    "Ladder",
    "Message",
    "Keys",
    "State machines",
    "Certificates",
    "Debug log",
    "Explanation",
)
_PANELS = (
    ("message", "message"),
    ("keys", "keys"),
    ("certificates", "certificates"),
    ("debug", "debug"),
    ("explanation", "explanation"),
)
# Fits a 1280x800 browser at 100 %: JupyterLab's bars, the navigation, the title and the
# tab bar take about 330 px, each tab page 400 px and scrolls inside.
PANEL_HEIGHT = "400px"
LARGE_ZOOM = 1.4

# ---------------------------------------------------------------------- payload views


def ike_message_html(message: IkeMessage) -> str:
    """A delivered ISAKMP message: who, what, the decrypted payloads, tree and hex dumps."""
    head = f"{message.label}: {message.sender} → {message.receiver}"
    flags = [("repeat", "the same bytes arrived before")] if message.repeat else []
    flags += [("modified", "changed on the way by you")] if message.modified else []
    rows = [(name, esc(text)) for name, text in flags]
    if message.encrypted:
        names = ", ".join(message.payload_names) if message.plaintext is not None else ""
        shown = esc(names) if names else f"{FAIL_MARK} <em>not decrypted</em>"
        rows.append(("decrypted payloads", f"<b class='vt-payloads'>{shown}</b>"))
    elif message.payloads:
        rows.append(
            ("payloads", f"<b class='vt-payloads'>{esc(', '.join(message.payload_names))}</b>")
        )
    if message.note:
        rows.append(("note", esc(message.note)))
    if message.message is None:
        body = message_hexdump_html(message.wire, title="as received")
    else:
        body = message_html(message.message, message.plaintext)
    return (
        f"<div class='vt-ike-message' style='{BOX}'><div style='font-weight:bold;font-size:15px'>"
        f"{esc(head)}</div>{field_rows(rows) if rows else ''}{body}</div>"
    )


def transition_html(move: Transition) -> str:
    """A state move as the IOS ``debug`` prints it, with the handler that ran."""
    r = move.record
    rows = [
        ("router", esc(move.router)),
        ("state machine", esc(move.table)),
        ("input", f"<code>{esc(r.input)}</code>"),
        ("old state", f"<code>{esc(r.old_state.value)}</code>"),
        ("new state", f"<b><code>{esc(r.new_state.value)}</code></b>"),
        ("handler", f"<code>{esc(r.handler)}()</code>"),
    ]
    return card(f"{move.router}: {r.old_state.value} → {r.new_state.value}", field_rows(rows))


def log_entry_html(entry: LogEntry) -> str:
    """A notable ``debug`` record as IOS prints it."""
    text = esc("\n".join(entry.lines))
    return card(f"{entry.router}: debug crypto isakmp", f"<pre style='{MONO}'>{text}</pre>")


def learner_action_html(action: LearnerAction) -> str:
    """What the learner did, with the bytes before and after for a modified packet."""
    rows = [("action", esc(action.what))]
    if action.detail:
        rows.append(("detail", f"<pre style='{MONO};margin:0'>{esc(action.detail)}</pre>"))
    if action.before:
        rows.append(("bytes before", value_html(action.before, 32)))
    if action.after:
        rows.append(("bytes after", value_html(action.after, 32)))
    return card("You intervened", field_rows(rows))


def pending_html(pending: PendingDatagram) -> str:
    """The datagram about to be delivered."""
    head = f"{pending.label} {pending.sender} → {pending.destination}, next hop {pending.next_hop}"
    if pending.kind == "IKE":
        return card(head, message_hexdump_html(pending.data, title="ISAKMP message"))
    return card(head, value_html(pending.data, 64))


def event_html(event: Event) -> str:
    """A network event as its log line."""
    return f"<pre style='{MONO}'>{esc(event.describe())}</pre>"


def payload_html(value: object) -> str:
    """The rich view of a step's payload or related value."""
    for cls, view in _VIEWS:
        if isinstance(value, cls):
            return str(view(value))
    if isinstance(value, Event):
        return event_html(value)
    return f"<pre>{esc(repr(value))}</pre>"


def _fact_view(fact: Any) -> str:
    value = fact.value
    extra = ""
    if isinstance(value, CertificateCheck):
        extra = checklist_html(value)
    elif isinstance(value, SignatureCheck):
        extra = signature_html(value)
    elif isinstance(value, EspPacket):
        return esp_packet_html(value)
    elif isinstance(value, Dropped):
        return dropped_html(value)
    return fact_html(fact) + extra


_VIEWS: tuple[tuple[type, Any], ...] = (
    (IkeMessage, ike_message_html),
    (Transition, transition_html),
    (LogEntry, log_entry_html),
    (LearnerAction, learner_action_html),
    (PendingDatagram, pending_html),
    (Fact, _fact_view),
    (DhComputation, dh_html),
)

# ---------------------------------------------------------------------- a whole step


def step_header_html(step: Step) -> str:
    """Index, kind, time, actor, title, RFC section and explanation of a step."""
    rfc = " " + note(f"({esc(step.rfc)})") if step.rfc else ""
    where = f"step {step.index} · {esc(step.kind.value)} · {esc(step.clock)} · {esc(step.actor)}"
    return (
        f"<div class='vt-step-header' style='margin-bottom:4px'>"
        f"<div>{note(where)}</div>"
        f"<div style='font-weight:bold;font-size:15px'>{esc(ios_names(step.title))}{rfc}</div>"
        f"<p style='margin:4px 0;max-width:60em'>{esc(step.explanation)}</p></div>"
    )


def _brief_message(message: IkeMessage) -> str:
    what = ", ".join(message.payload_names) or "no payloads decoded"
    text = f"{message.label}: {message.sender} → {message.receiver} carrying {what}."
    return f"<p>{esc(text)} The <b>Message</b> tab shows its payload tree and hex dump.</p>"


def step_html(step: Step, brief: bool = False) -> str:
    """A step: its header, its payload's view and the related values (DH, ESP facts);
    ``brief``: a message as one sentence pointing at the Message tab (no second decode)."""
    related = ""
    if step.kind is StepKind.ESP_PACKET and step.related:
        facts = [f for f in step.related if isinstance(f, Fact)]
        related = ledger_html(facts, "how the packet was built")
    else:
        related = "".join(payload_html(value) for value in step.related)
    peers = ", ".join(
        f"{name}: {state.main_mode.value} / {state.quick_mode.value}" for name, state in step.peers
    )
    payload = step.payload
    shown = _brief_message(payload) if brief and isinstance(payload, IkeMessage) else None
    return (
        f"<div class='vt-step' data-kind='{step.kind.name}'>{step_header_html(step)}"
        f"{shown if shown is not None else payload_html(payload)}{related}"
        f"<div>{note(f'states after this step (phase 1 / Quick Mode): {esc(peers)}')}</div></div>"
    )


def message_panel_html(steps: Sequence[Step], index: int) -> str:
    """The message of step ``index``, or the latest message before it."""
    found = latest(steps, index, StepKind.MESSAGE)
    if found is None:
        return "<p><em>No ISAKMP message has been delivered yet.</em></p>"
    shown = f"latest message: step {found.index}"
    return ("" if found.index == index else f"<p>{note(shown)}</p>") + payload_html(found.payload)


def keys_panel_html(steps: Sequence[Step], index: int) -> str:
    """The value the current step computed (if any) and, per router, the table of every
    named value computed so far with its formula and RFC section."""
    facts = [s.payload for s in steps[: index + 1] if s.kind in FACT_KINDS]
    if not facts:
        return "<p><em>No key has been computed yet.</em></p>"
    ledger = ledger_html([f for f in facts if isinstance(f, Fact)], "Key ledger so far")
    return current_value_html(steps[index]) + ledger


def certificates_panel_html(steps: Sequence[Step], index: int) -> str:
    """Every certificate and signature check so far, latest first."""
    kinds = (StepKind.CERTIFICATE_CHECK, StepKind.SIGNATURE)
    found = [s for s in steps[: index + 1] if s.kind in kinds]
    if not found:
        return "<p><em>No certificate has been checked yet.</em></p>"
    return "".join(
        f"<div>{note(f'step {s.index}: {esc(ios_names(s.title))}')}</div>{payload_html(s.payload)}"
        for s in reversed(found)
    )


def current_value_html(step: Step) -> str:
    """The value the current step computed (a fact's card, with the DH computation)."""
    if step.kind not in FACT_KINDS:
        return ""
    return payload_html(step.payload) + "".join(payload_html(v) for v in step.related)


# ---------------------------------------------------------------------- the widget


class StepperWidget:
    """Navigation, step title and tabs over a :class:`~vpnteach.stepper.Stepper`.

    The widget has a fixed height (``panel_height`` for every tab page, scrolling inside),
    so switching tabs never moves the page and Back / Next stay in view. ``large=True``
    (or :meth:`set_large`) scales everything for projection in a lecture hall.
    """

    def __init__(
        self,
        stepper: Stepper,
        *,
        interval_ms: int = 700,
        panel_height: str = PANEL_HEIGHT,
        large: bool = False,
    ) -> None:
        import ipywidgets as w

        self.stepper = stepper
        self.steps = list(stepper)  # the whole run: the slider needs its length
        self.roles = roles_of(self.steps)
        last = len(self.steps) - 1
        self.back = _button(w, "◀ Back", "back", "previous step (keyboard: Tab to it, Enter)")
        self.next = _button(w, "Next ▶", "next", "next step")
        self.play_button = _button(w, "▶ Play", "play", "play or pause the steps")
        self.reset = _button(w, "Reset", "reset", "back to step 0")
        # a labelled number box, not an IntSlider: the slider's handle has no accessible name
        # (axe-core: aria-input-field-name) and stock widgets cannot give it one
        self.slider = w.BoundedIntText(
            value=stepper.position,
            min=0,
            max=last,
            description="go to step",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=w.Layout(width="14em"),
        ).add_class("vt-stepper-slider")
        self.play = w.Play(value=stepper.position, min=0, max=last, interval=interval_ms)
        self.play.layout.display = "none"
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.title = w.HTML(layout=w.Layout(min_height="3.2em")).add_class("vt-stepper-title")
        self.style = w.HTML().add_class("vt-stepper-style")
        self.ladder = _panel(w, "ladder", panel_height)
        self.panels = {name: _panel(w, css, panel_height) for name, css in _PANELS}
        self.panels["mm"] = w.HTML().add_class("vt-stepper-mm-diagram")
        self.panels["qm"] = w.HTML().add_class("vt-stepper-qm-diagram")
        p = self.panels
        machines = w.VBox(
            [p["mm"], p["qm"]],
            layout=w.Layout(height=panel_height, overflow="auto", display="block", margin="2px"),
        ).add_class("vt-stepper-machines")
        tab_children = [self.ladder, p["message"], p["keys"], machines, p["certificates"],
                        p["debug"], p["explanation"]]  # fmt: skip
        self.tabs = w.Tab(children=tab_children, titles=TAB_TITLES).add_class("vt-stepper-tabs")
        buttons = w.HBox(
            [self.back, self.next, self.play_button, self.reset, self.slider],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        ).add_class("vt-stepper-nav")
        self.box = w.VBox([self.style, buttons, self.play, self.title, self.tabs])
        self.box.add_class("vt-stepper")
        self._wire()
        self.set_large(large)
        self.show(stepper.position)

    def _wire(self) -> None:
        self.back.on_click(lambda _: self._move(self.slider.value - 1))
        self.next.on_click(lambda _: self._move(self.slider.value + 1))
        self.reset.on_click(lambda _: self._reset())
        self.play_button.on_click(lambda _: self._toggle_play())
        self.slider.observe(lambda change: self.show(change["new"]), names="value")

    def _move(self, index: int) -> None:
        self.slider.value = max(0, min(self.slider.max, index))

    def _reset(self) -> None:
        self.play.playing = False
        self.play.value = 0
        self._move(0)

    def _toggle_play(self) -> None:
        if self.slider.value >= self.slider.max:
            self.play.value = 0
        self.play.value = self.slider.value
        self.play.playing = not self.play.playing

    def set_large(self, large: bool) -> None:
        """Presentation mode: every part of the widget drawn 1.4 times larger (CSS zoom)."""
        self.large = large
        if large:
            self.box.add_class("vt-large")
            self.style.value = f"<style>.vt-stepper.vt-large {{zoom:{LARGE_ZOOM}}}</style>"
        else:
            self.box.remove_class("vt-large")
            self.style.value = ""

    def show(self, index: int) -> None:
        """Render step ``index`` into every panel."""
        steps = self.steps
        step = self.stepper.goto(index)
        p = self.panels
        self.title.value = (
            f"<div class='vt-step-title' role='status' aria-live='polite'>"
            f"<b>Step {index} of {len(steps) - 1}:</b> {esc(ios_names(step.title))} "
            f"{note(f'({esc(step.clock)})')}</div>"
        )
        self.ladder.value = _page(ladder_html(ladder_entries(steps, index), *self._peers()))
        p["message"].value = _page(message_panel_html(steps, index))
        p["keys"].value = _page(keys_panel_html(steps, index))
        machines = state_machines_html(step, phase1_table(step), self.roles)
        p["mm"].value = _page(_section("Phase 1") + machines)
        p["qm"].value = _page(
            _section("Quick Mode") + state_machines_html(step, QUICK_MODE, self.roles)
        )
        p["certificates"].value = _page(certificates_panel_html(steps, index))
        printed_at, first_new = latest_printing_step(steps, index)
        debug = debug_panel_html(
            self.stepper.debug_log(index), first_new, None if printed_at == index else printed_at
        )
        p["debug"].value = _page(debug)
        p["explanation"].value = _page(step_html(step, brief=True))

    def _peers(self) -> tuple[str, str]:
        names = [*self.roles, "Branch1", "Branch2"]
        return names[0], names[1]

    def refresh(self) -> None:
        """Pick up steps the stepper recorded since (after an intervention)."""
        self.steps = list(self.stepper)
        self.roles = roles_of(self.steps)
        self.slider.max = self.play.max = len(self.steps) - 1
        self.slider.value = self.stepper.position
        self.show(self.stepper.position)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)  # type: ignore[no-untyped-call]


def _button(w: Any, text: str, css: str, tooltip: str) -> Any:
    return w.Button(description=text, tooltip=tooltip).add_class(f"vt-stepper-{css}")


def _panel(w: Any, css: str, height: str) -> Any:
    """A tab page: an HTML widget of fixed height that scrolls inside."""
    layout = w.Layout(height=height, overflow="auto")
    return w.HTML(layout=layout).add_class(f"vt-stepper-{css}")


def _page(content: str) -> str:
    """A tab page's HTML at a text line height (ipywidgets sets the widget line's 28 px)."""
    return f"<div class='vt-page' style='line-height:1.4'>{content}</div>"


def _section(title: str) -> str:
    return f"<h4 style='margin:4px 0;font-size:15px'>{esc(title)}</h4>"


def register() -> None:
    """Use these views for steps and their payloads (``_repr_html_``)."""
    register_renderer(Step, step_html)  # type: ignore[arg-type]
    for cls, view in _VIEWS[:5]:
        register_renderer(cls, view)


register()
