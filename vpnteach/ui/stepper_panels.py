"""The stepper widget's panels over a run: ladder, message, keys, state machines,
certificates, ``debug crypto isakmp``, each a function of the recorded steps and an index.

Rendering stays fast: the state diagrams (the only Graphviz work) are cached per
(table, role, peer, state); everything else is string building over recorded values.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import QUICK_MODE, Exchange, TransitionTable, table_for
from vpnteach.stepper.ikev2_steps import Ikev2Transition, is_ikev2
from vpnteach.stepper.step import IkeMessage, LearnerAction, Step, StepKind, Transition
from vpnteach.ui.ladder import LadderEntry
from vpnteach.ui.markup import MONO, esc, note
from vpnteach.ui.statechart import state_diagram_html
from vpnteach.wire.constants import ExchangeType

FACT_KINDS = {StepKind.DH, StepKind.KEY_DERIVATION, StepKind.SIGNATURE, StepKind.PROPOSAL}
ROLES = ("initiator", "responder")
_MARK = "▶ "

# ---------------------------------------------------------------------- state machines


def roles_of(steps: Sequence[Step]) -> dict[str, str]:
    """``{"Branch1": "initiator", "Branch2": "responder"}``: the sender of the run's first
    ISAKMP message initiated (RFC 2409 §5); before any message, the peers in their order."""
    names = [name for name, _ in steps[0].peers] if steps else []
    first = next((s.payload for s in steps if isinstance(s.payload, IkeMessage)), None)
    if first is not None and first.sender in names:
        names.remove(first.sender)
        names.insert(0, first.sender)
    return dict(zip(names, ROLES, strict=False))


@functools.lru_cache(maxsize=512)
def _diagram(exchange: Exchange, role: str, peer: str, state: IkeState) -> str:
    return state_diagram_html(table_for(exchange), current={peer: state}, role=role)


def phase1_table(step: Step) -> TransitionTable:
    """The table phase 1 runs at ``step``: Main Mode, or Aggressive Mode once a peer's
    recorded moves came from it."""
    return table_for(step.phase1_exchange)


def state_machines_html(
    step: Step, table: TransitionTable, roles: dict[str, str] | None = None
) -> str:
    """``table``'s diagram once per role, each marking its peer's state after ``step``
    (cached SVG), side by side when the output is wide enough."""
    states = step.quick_mode_states if table is QUICK_MODE else step.states
    roles = roles or dict(zip(states, ROLES, strict=False))
    parts = [
        f"<div class='vt-role' style='flex:1 1 520px;min-width:0'>"
        f"{_diagram(table.exchange, role, peer, states[peer])}</div>"
        for peer, role in roles.items()
        if peer in states
    ]
    return (
        f"<div class='vt-machines' style='display:flex;flex-wrap:wrap;gap:12px'>"
        f"{''.join(parts)}</div>"
    )


# ---------------------------------------------------------------------- the ladder


def latest(steps: Sequence[Step], index: int, kind: StepKind) -> Step | None:
    """The last step of ``kind`` at or before ``index``."""
    for step in reversed(steps[: index + 1]):
        if step.kind is kind:
            return step
    return None


def _arrival_state(
    steps: Sequence[Step], start: int, until: int, receiver: str, ikev2: bool = False
) -> tuple[str, bool]:
    """The state ``receiver`` entered on the message of step ``start`` (its first move in
    ``start+1 .. until``) and ``True``; else its state at ``until`` and ``False`` (it has not
    moved yet at this step, or ignored the message)."""
    for step in steps[start + 1 : until + 1]:
        move = step.payload
        if isinstance(move, Transition) and move.router == receiver:
            return move.record.new_state.value, True
        if isinstance(move, Ikev2Transition) and move.router == receiver:
            return str(move.record.next_state), True
    return _state_of(steps[until], receiver, ikev2=ikev2), False


def _state_of(step: Step, router: str, *, ikev2: bool, quick_mode: bool = False) -> str:
    """``router``'s state right after ``step``: its IKEv2 state for an IKEv2 message (RFC
    7296 has one state machine per IKE SA), else Quick Mode's or the latest IKEv1 one."""
    for name, peer in step.peers:
        if name != router:
            continue
        if ikev2:
            return peer.ikev2
        return (peer.quick_mode if quick_mode else peer.latest).value
    return ""


def _on_ladder(step: Step) -> bool:
    if step.kind is StepKind.MESSAGE:
        return True
    payload = step.payload
    return isinstance(payload, LearnerAction) and payload.dropped and payload.label != "ESP"


def payload_summary(names: Sequence[str]) -> str:
    """``"KE, NONCE, CERTREQ, VID×3, NAT-D×2"``: repeated neighbours counted, order kept."""
    runs: list[list[object]] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1][1] = int(str(runs[-1][1])) + 1
        else:
            runs.append([name, 1])
    return ", ".join(f"{n}×{c}" if c != 1 else str(n) for n, c in runs)


def _is_quick_mode(message: IkeMessage) -> bool:
    if message.message is not None:
        return message.message.header.exchange_type == ExchangeType.QUICK_MODE
    return message.label.startswith("QM")


def ladder_entries(steps: Sequence[Step], index: int) -> list[LadderEntry]:
    """One ladder arrow per message delivered up to ``index`` (time: seconds since step 0),
    with the sender's state when it sent and the state the receiver entered on arrival (a
    Quick Mode state for a Quick Mode message); a message the learner dropped gets an arrow
    marked ✗."""
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
        label = payload.label + (" (again)" if payload.repeat else "")
        label += " ✎" if payload.modified else ""
        v2 = is_ikev2(payload.wire)
        sent_in = _state_of(
            step, payload.sender, ikev2=v2, quick_mode=not v2 and _is_quick_mode(payload)
        )
        state, moved = _arrival_state(steps, step.index, until, payload.receiver, v2)
        entries.append(
            LadderEntry(
                step.time - start,
                payload.sender,
                payload.receiver,
                label,
                state,
                sent_in,
                payload_summary(payload.payload_names),
                moved,
            )
        )
    return entries


# ---------------------------------------------------------------------- other panels


def _debug_block(router: str, lines: Sequence[tuple[int, str]], first_new: int) -> str:
    rows = []
    for number, line in lines:
        if number >= first_new:
            rows.append(
                f"<mark class='vt-debug-current' style='background:#fff2a8;color:#000;"
                f"font-weight:bold'>{esc(_MARK + line)}</mark>"
            )
        else:
            rows.append(esc("  " + line))
    return (
        f"<details open><summary><b>{esc(router)}#</b> debug crypto isakmp "
        f"({len(lines)} lines)</summary>"
        f"<pre style='{MONO};font-size:12px;white-space:pre-wrap;margin:0'>"
        f"{chr(10).join(rows)}</pre></details>"
    )


def latest_printing_step(steps: Sequence[Step], index: int) -> tuple[int, int]:
    """``(k, first line)``: the last step at or before ``index`` that printed ``debug`` lines,
    and the number of lines printed before it (``(index, all lines)`` if none did)."""
    for k in range(index, -1, -1):
        before = steps[k - 1].log_mark if k > 0 else 0
        if steps[k].log_mark > before:
            return k, before
    return index, steps[index].log_mark if steps else 0


def debug_panel_html(
    lines: Sequence[tuple[str, str]], first_new: int | None = None, printed_at: int | None = None
) -> str:
    """The ``debug crypto isakmp`` output so far, one block per router; the lines the current
    step printed (from ``first_new`` on) are shown first and marked ``▶`` and highlighted in
    the full log (the mark and bold carry it, not only the colour). ``printed_at``: the step
    that printed them, when it is an earlier one (the current step printed nothing)."""
    routers = list(dict.fromkeys(router for router, _ in lines))
    if not routers:
        return "<p><em>Nothing logged yet.</em></p>"
    start = len(lines) if first_new is None else first_new
    new = [(r, line) for r, line in lines[start:]]
    if new:
        text = esc("\n".join(f"{_MARK}{r}: {line}" for r, line in new))
        who = (
            f"This step printed no debug line; the latest, {len(new)} line(s) of step {printed_at},"
            if printed_at is not None
            else f"This step printed {len(new)} line(s),"
        )
        head = (
            f"<div class='vt-debug-step'><b>{esc(who)}</b> marked "
            f"{esc(_MARK.strip())} and highlighted below:"
            f"<pre style='{MONO};font-size:12px;white-space:pre-wrap;margin:2px 0 8px 0'>"
            f"{text}</pre></div>"
        )
    else:
        head = f"<p>{note('This step printed no debug line.')}</p>"
    numbered = list(enumerate(lines))
    blocks = [
        _debug_block(router, [(n, line) for n, (r, line) in numbered if r == router], start)
        for router in routers
    ]
    return head + "".join(blocks)
