"""The stepper in a notebook: HTML views of every step kind and the :class:`StepperWidget`.

The widget is a composite of stock ipywidgets (no custom JavaScript): buttons ``◀ Back``,
``Next ▶``, ``▶ Play``, ``Reset``, an ``IntSlider`` over the steps, the ladder diagram of the
messages so far, and a ``Tab`` with ``Message``, ``Keys``, ``State machines``,
``Certificates``, ``debug crypto isakmp`` and ``Explanation``. Play uses a hidden stock
``Play`` widget linked to the slider in the browser. Each part is an ``HTML`` widget tagged
``vt-stepper-...`` (SVG inline, so tests can query the state diagram's nodes).

Rendering a step stays fast: the state diagrams (the only Graphviz work) are cached per
(table, current states), everything else is string building over recorded values.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vpnteach._html import register_renderer
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.esp.esp import Dropped, EspPacket
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import QUICK_MODE, Exchange, TransitionTable, table_for
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
from vpnteach.ui.ladder import LadderEntry, ladder_html
from vpnteach.ui.markup import BOX, FAIL_MARK, MONO, card, esc, field_rows, value_html
from vpnteach.ui.statechart import state_diagram_html
from vpnteach.ui.tree import message_html

if TYPE_CHECKING:
    from vpnteach.stepper.stepper import Stepper

TAB_TITLES = (
    "Message",
    "Keys",
    "State machines",
    "Certificates",
    "debug crypto isakmp",
    "Explanation",
)
FACT_KINDS = {StepKind.DH, StepKind.KEY_DERIVATION, StepKind.SIGNATURE, StepKind.PROPOSAL}

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
    rfc = f" <small>({esc(step.rfc)})</small>" if step.rfc else ""
    return (
        f"<div class='vt-step-header' style='margin-bottom:4px'>"
        f"<div><small>step {step.index} · {esc(step.kind.value)} · {esc(step.clock)} · "
        f"{esc(step.actor)}</small></div>"
        f"<div style='font-weight:bold;font-size:15px'>{esc(step.title)}{rfc}</div>"
        f"<p style='margin:4px 0'>{esc(step.explanation)}</p></div>"
    )


def step_html(step: Step) -> str:
    """A step: its header, its payload's view and the related values (DH, ESP facts)."""
    related = ""
    if step.kind is StepKind.ESP_PACKET and step.related:
        facts = [f for f in step.related if isinstance(f, Fact)]
        related = ledger_html(facts, "how the packet was built")
    else:
        related = "".join(payload_html(value) for value in step.related)
    peers = ", ".join(
        f"{name}: {state.main_mode.value} / {state.quick_mode.value}" for name, state in step.peers
    )
    return (
        f"<div class='vt-step' data-kind='{step.kind.name}'>{step_header_html(step)}"
        f"{payload_html(step.payload)}{related}"
        f"<div><small>states after this step: {esc(peers)}</small></div></div>"
    )


# ---------------------------------------------------------------------- panels over a run


@functools.lru_cache(maxsize=256)
def _diagram(exchange: Exchange, current: tuple[tuple[str, IkeState], ...]) -> str:
    return state_diagram_html(table_for(exchange), current=dict(current))


def phase1_table(step: Step) -> TransitionTable:
    """The table phase 1 runs at ``step``: Main Mode, or Aggressive Mode once a peer's
    recorded moves came from it."""
    return table_for(step.phase1_exchange)


def state_machines_html(step: Step, table: TransitionTable) -> str:
    """``table``'s diagram with each peer's state after ``step`` marked (cached SVG)."""
    if table is QUICK_MODE:
        current = tuple(sorted(step.quick_mode_states.items()))
    else:
        current = tuple(sorted(step.states.items()))
    return _diagram(table.exchange, current)


def latest(steps: Sequence[Step], index: int, kind: StepKind) -> Step | None:
    """The last step of ``kind`` at or before ``index``."""
    for step in reversed(steps[: index + 1]):
        if step.kind is kind:
            return step
    return None


def message_panel_html(steps: Sequence[Step], index: int) -> str:
    """The message of step ``index``, or the latest message before it."""
    found = latest(steps, index, StepKind.MESSAGE)
    if found is None:
        return "<p><em>No ISAKMP message has been delivered yet.</em></p>"
    note = (
        "" if found.index == index else f"<p><small>latest message: step {found.index}</small></p>"
    )
    return note + payload_html(found.payload)


def keys_panel_html(steps: Sequence[Step], index: int) -> str:
    """The current fact (if any) and the key ledger of every fact so far."""
    facts = [s.payload for s in steps[: index + 1] if s.kind in FACT_KINDS]
    current = steps[index]
    top = payload_html(current.payload) if current.kind in FACT_KINDS else ""
    if current.kind is StepKind.DH:
        top += "".join(payload_html(v) for v in current.related)
    ledger = ledger_html([f for f in facts if isinstance(f, Fact)], "Key ledger so far")
    return top + ledger


def certificates_panel_html(steps: Sequence[Step], index: int) -> str:
    """Every certificate and signature check so far, latest first."""
    kinds = (StepKind.CERTIFICATE_CHECK, StepKind.SIGNATURE)
    found = [s for s in steps[: index + 1] if s.kind in kinds]
    if not found:
        return "<p><em>No certificate has been checked yet.</em></p>"
    return "".join(
        f"<div><small>step {s.index}: {esc(s.title)}</small></div>{payload_html(s.payload)}"
        for s in reversed(found)
    )


def debug_panel_html(lines: Sequence[tuple[str, str]]) -> str:
    """The ``debug crypto isakmp`` output so far, one block per router."""
    routers = list(dict.fromkeys(router for router, _ in lines))
    if not routers:
        return "<p><em>Nothing logged yet.</em></p>"
    blocks = []
    for router in routers:
        text = "\n".join(line for r, line in lines if r == router)
        blocks.append(
            f"<details open><summary><b>{esc(router)}#</b> debug crypto isakmp</summary>"
            f"<pre style='{MONO};font-size:11px;white-space:pre-wrap'>{esc(text)}</pre></details>"
        )
    return "".join(blocks)


def ladder_entries(steps: Sequence[Step], index: int) -> list[LadderEntry]:
    """One ladder arrow per message delivered up to ``index`` (time: seconds since step 0),
    with the receiver's state just before the next message, in the machine that moved last
    (a Quick Mode state after a Quick Mode message); a message the learner dropped gets an
    arrow marked ✗."""
    shown = [s for s in steps[: index + 1] if _on_ladder(s)]
    start = steps[0].time if steps else 0.0
    entries = []
    for n, step in enumerate(shown):
        until = shown[n + 1].index - 1 if n + 1 < len(shown) else index
        payload = step.payload
        if isinstance(payload, LearnerAction):
            label = f"{payload.label} ✗ dropped"
            entries.append(LadderEntry(step.time - start, payload.router, payload.target, label))
            continue
        assert isinstance(payload, IkeMessage)
        after = steps[until].latest_states.get(payload.receiver)
        label = payload.label + (" (again)" if payload.repeat else "")
        label += " ✎" if payload.modified else ""
        state = after.value if after else ""
        entries.append(
            LadderEntry(step.time - start, payload.sender, payload.receiver, label, state)
        )
    return entries


def _on_ladder(step: Step) -> bool:
    if step.kind is StepKind.MESSAGE:
        return True
    payload = step.payload
    return isinstance(payload, LearnerAction) and payload.dropped and payload.label != "ESP"


# ---------------------------------------------------------------------- the widget


class StepperWidget:
    """Buttons, slider, ladder and tabs over a :class:`~vpnteach.stepper.Stepper`."""

    def __init__(self, stepper: Stepper, *, interval_ms: int = 700) -> None:
        import ipywidgets as w

        self.stepper = stepper
        self.steps = list(stepper)  # the whole run: the slider needs its length
        last = len(self.steps) - 1
        self.back = w.Button(description="◀ Back").add_class("vt-stepper-back")
        self.next = w.Button(description="Next ▶").add_class("vt-stepper-next")
        self.play_button = w.Button(description="▶ Play").add_class("vt-stepper-play")
        self.reset = w.Button(description="Reset").add_class("vt-stepper-reset")
        self.slider = w.IntSlider(
            value=stepper.position, min=0, max=last, description="step", continuous_update=False
        ).add_class("vt-stepper-slider")
        self.play = w.Play(value=stepper.position, min=0, max=last, interval=interval_ms)
        self.play.layout.display = "none"
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.title = w.HTML().add_class("vt-stepper-title")
        self.ladder = w.HTML().add_class("vt-stepper-ladder")
        self.panels = {
            name: w.HTML().add_class(f"vt-stepper-{cls}")
            for name, cls in (
                ("message", "message"), ("keys", "keys"), ("mm", "mm-diagram"),
                ("qm", "qm-diagram"), ("certificates", "certificates"), ("debug", "debug"),
                ("explanation", "explanation"),
            )
        }  # fmt: skip
        p = self.panels
        machines = w.VBox([p["mm"], p["qm"]])
        tab_children = [p["message"], p["keys"], machines, p["certificates"], p["debug"],
                        p["explanation"]]  # fmt: skip
        self.tabs = w.Tab(children=tab_children, titles=TAB_TITLES).add_class("vt-stepper-tabs")
        buttons = w.HBox([self.back, self.next, self.play_button, self.reset, self.slider])
        ladder = w.Accordion(children=[self.ladder], titles=("Ladder diagram",), selected_index=0)
        self.box = w.VBox([buttons, self.play, self.title, ladder, self.tabs])
        self.box.add_class("vt-stepper")
        self._wire()
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

    def show(self, index: int) -> None:
        """Render step ``index`` into every panel."""
        steps = self.steps
        step = self.stepper.goto(index)
        p = self.panels
        self.title.value = (
            f"<div class='vt-step-title'><b>Step {index} of {len(steps) - 1}:</b> "
            f"{esc(step.title)} <small>({esc(step.clock)})</small></div>"
        )
        self.ladder.value = ladder_html(ladder_entries(steps, index), *self._peers())
        p["message"].value = message_panel_html(steps, index)
        p["keys"].value = keys_panel_html(steps, index)
        p["mm"].value = state_machines_html(step, phase1_table(step))
        p["qm"].value = state_machines_html(step, QUICK_MODE)
        p["certificates"].value = certificates_panel_html(steps, index)
        p["debug"].value = debug_panel_html(self.stepper.debug_log(index))
        p["explanation"].value = step_html(step)

    def _peers(self) -> tuple[str, str]:
        names = [name for name, _ in self.steps[0].peers] + ["Branch1", "Branch2"]
        return names[0], names[1]

    def refresh(self) -> None:
        """Pick up steps the stepper recorded since (after an intervention)."""
        self.steps = list(self.stepper)
        self.slider.max = self.play.max = len(self.steps) - 1
        self.slider.value = self.stepper.position
        self.show(self.stepper.position)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)  # type: ignore[no-untyped-call]


def register() -> None:
    """Use these views for steps and their payloads (``_repr_html_``)."""
    register_renderer(Step, step_html)  # type: ignore[arg-type]
    for cls, view in _VIEWS[:5]:
        register_renderer(cls, view)


register()


def display_stepper(stepper: Stepper) -> None:
    """Show ``stepper``'s widget in the running notebook (``Stepper._ipython_display_``)."""
    from IPython.display import display

    display(StepperWidget(stepper))  # type: ignore[no-untyped-call]
