"""The public hooks the stepper is built on: observers on Trace and Recorder, a ping started
without running the network, a router's clock, Stepper.for_lab(lab).widget(); and a check that
the stepper reaches no other module's private attributes.

(The Trace and Recorder observer tests live here because the stepper is their first user; they
exercise only vpnteach.trace and vpnteach.ike.records.)
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from vpnteach.gateway import Gateway
from vpnteach.ike.records import MoveRecorded, Record, Recorder
from vpnteach.ike.records_endpoint import NoPresharedKey
from vpnteach.ike.records_phase1 import MainModeBegun
from vpnteach.ike.transitions import MAIN_MODE, Exchange
from vpnteach.lab import Lab, LabError
from vpnteach.labs.router import ClockError
from vpnteach.net.sim import FaultPolicy
from vpnteach.pki.validation import CertificateCheck
from vpnteach.stepper import StepKind, Stepper
from vpnteach.trace import NULL_TRACE, Fact, Trace

PING = "ping 192.168.22.1 source 192.168.11.1"
LATE = dt.datetime(2012, 1, 1, tzinfo=dt.timezone.utc)
"""After the end of the seed certificates' one-year validity (Jun 2010 + 1 year)."""


# ---------------------------------------------------------------- Trace.subscribe


def test_a_trace_subscriber_gets_each_new_fact_once_as_it_is_recorded() -> None:
    trace = Trace("Branch1")
    trace.derived("before", "x", 0)
    heard: list[Fact] = []
    trace.subscribe(heard.append)
    assert trace.derived("g^x", "g^x mod p", 5, rfc="RFC 2409 §5", x=3) == 5
    trace.derived("SKEYID", "prf(Ni_b | Nr_b, g^xy)", b"k")
    assert heard == trace.facts[1:]
    assert heard[0] is trace.facts[1]
    assert (heard[0].name, heard[0].inputs, heard[0].actor) == ("g^x", {"x": 3}, "Branch1")


def test_unsubscribing_from_a_trace_stops_only_that_subscriber() -> None:
    trace = Trace()
    first: list[Fact] = []
    second: list[Fact] = []
    stop = trace.subscribe(first.append)
    trace.subscribe(second.append)
    trace.derived("a", "a", 1)
    stop()
    stop()
    trace.derived("b", "b", 2)
    assert [f.name for f in first] == ["a"] and [f.name for f in second] == ["a", "b"]


def test_a_subscriber_may_unsubscribe_itself_while_being_called() -> None:
    trace = Trace()
    heard: list[str] = []

    def once(fact: Fact) -> None:
        heard.append(fact.name)
        stop()

    stop = trace.subscribe(once)
    trace.derived("a", "a", 1)
    trace.derived("b", "b", 2)
    assert heard == ["a"]


def test_a_disabled_trace_calls_no_subscriber_and_still_returns_the_value() -> None:
    trace = Trace(enabled=False)
    heard: list[Fact] = []
    trace.subscribe(heard.append)
    assert trace.derived("a", "a", 7) == 7
    assert heard == [] and len(trace) == 0


def test_a_stepper_over_an_untraced_lab_leaves_the_shared_null_trace_alone() -> None:
    stepper = Stepper.seed(trace=False)  # the routers' IKE traces are the shared NULL_TRACE
    assert len(stepper) > 10  # the run still steps (messages, moves, ESP)
    assert NULL_TRACE._subscribers == ()


# ---------------------------------------------------------------- Recorder.subscribe


def test_a_recorder_subscriber_gets_each_log_line_and_move_once_in_order() -> None:
    recorder = Recorder()
    heard: list[Record] = []
    stop = recorder.subscribe(heard.append)
    recorder.now, recorder.conn_id = 1.5, 7
    recorder.log(NoPresharedKey(peer="10.2.2.1"))
    move = MAIN_MODE.moves[0]
    recorder.move(MAIN_MODE.exchange, move)
    stop()
    recorder.log(MainModeBegun())
    assert heard == recorder.records[:2]
    assert isinstance(heard[0], NoPresharedKey) and heard[0].peer == "10.2.2.1"
    assert (heard[0].time, heard[0].conn_id) == (1.5, 7)
    assert isinstance(heard[1], MoveRecorded) and heard[1].new_state is move.next_state
    assert heard[1].exchange is Exchange.MAIN_MODE


def test_a_disabled_recorder_calls_no_subscriber() -> None:
    recorder = Recorder(enabled=False)
    heard: list[Record] = []
    recorder.subscribe(heard.append)
    recorder.log(MainModeBegun())
    assert heard == []


# ---------------------------------------------------------------- the lab's hooks


def test_start_ping_sends_nothing_until_the_network_runs() -> None:
    lab = Lab.seed()
    before, now = len(lab.network.log), lab.network.now
    ping = lab.branch1.start_ping("192.168.22.1", count=3, source="192.168.11.1")
    assert (len(lab.network.log), lab.network.now) == (before, now)
    assert ping.results == []
    lab.run_while(lambda: not ping.done, timeout=60)
    assert ping.marks == ".!!"  # the first echo is lost while IKE negotiates


def _certificate_checks_of_branch2(lab: Lab) -> list[CertificateCheck]:
    """The certificate checks Branch2's IKE records from now on (filled as they happen)."""
    checks: list[CertificateCheck] = []
    gateway = lab.branch2.gateway
    assert gateway is not None
    gateway.ike.trace.subscribe(
        lambda f: checks.append(f.value) if isinstance(f.value, CertificateCheck) else None
    )
    return checks


def test_set_clock_past_the_certificates_end_makes_the_peer_reject_it_for_validity() -> None:
    lab = Lab.seed()
    checks = _certificate_checks_of_branch2(lab)
    lab.branch2.set_clock(LATE)
    assert lab.branch2.clock() == LATE  # no time has passed on the network yet
    lab.branch1.exec(PING)
    assert checks and all(not c.ok for c in checks)
    assert {item.name for c in checks for item in c.failed} == {"validity"}


def test_with_the_routers_clock_left_alone_the_same_certificate_passes() -> None:
    lab = Lab.seed()
    checks = _certificate_checks_of_branch2(lab)
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    assert checks and all(c.ok for c in checks)


def test_set_clock_refuses_a_naive_datetime() -> None:
    lab = Lab.seed()
    with pytest.raises(ClockError, match="aware datetime"):
        lab.branch2.set_clock(dt.datetime(2012, 1, 1))
    assert lab.branch2.clock_offset == 0.0


def test_the_stepper_sets_the_routers_own_clock_and_leaves_its_gateway_unwrapped() -> None:
    stepper = Stepper.seed()
    step = stepper.set_clock("Branch2", LATE)
    assert step.kind is StepKind.LEARNER_ACTION
    router = stepper.lab.branch2
    assert type(router.gateway) is Gateway
    assert router.clock() == LATE  # set now, on the network's clock of the step
    assert router.clock_offset == pytest.approx(LATE.timestamp() - stepper.lab.epoch(step.time))


def test_a_learner_drop_is_one_learner_step_and_one_rewrite_fault_in_the_network_log() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM3")
    pending = stepper.pending()
    assert pending is not None
    action = stepper.drop_pending()
    faults = [e for e in stepper.lab.network.log if getattr(e, "kind", "") == "rewrite"]
    assert [f.detail for f in faults] == ["dropped by the learner"]  # type: ignore[attr-defined]
    assert [s for s in stepper if s.kind is StepKind.DROPPED and s.time == action.time] == []


# ---------------------------------------------------------------- Stepper.for_lab()


def test_lab_stepper_widget_shows_the_seed_run() -> None:
    from vpnteach.ui.stepper_widget import StepperWidget

    stepper = Stepper.for_lab(Lab.seed())
    widget = stepper.widget()
    assert isinstance(widget, StepperWidget) and widget.stepper is stepper
    assert stepper[0].title == f"Branch1# {PING}"
    widget.show(45)
    assert stepper.position == 45 and "MM5" in stepper.current.title


def test_lab_stepper_needs_a_lab_built_by_a_recipe() -> None:
    with pytest.raises(LabError, match="no recipe"):
        Stepper.for_lab(Lab())


# ---------------------------------------------------------------- public API only

STEPPER = Path(__file__).resolve().parents[2] / "vpnteach" / "stepper"


def _private_reaches(path: Path) -> list[str]:
    """``x._name`` where ``x`` is not ``self`` (a private attribute of another object)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith(("__", "_repr_", "_ipython_")):
            continue  # Python's and IPython's display protocols are public
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    return found


def test_the_stepper_uses_no_private_attribute_of_the_lab_network_or_engines() -> None:
    sources = sorted(STEPPER.glob("*.py"))
    assert len(sources) >= 6
    assert [r for path in sources for r in _private_reaches(path)] == []


# ---------------------------------------------------------------- faults seen by the stepper


def _with_wan_rewrite(rewrite: Callable[[bytes], bytes | None]) -> Callable[[], Lab]:
    """A seed lab whose ISP rewrites every packet it sends to Branch1 on WAN1."""

    def build() -> Lab:
        lab = Lab.seed()
        lab.network.link("WAN1").faults = FaultPolicy(rewrite=rewrite, only_from="ISP")
        return lab

    return build


def _bump_tos(packet: bytes) -> bytes:
    return packet[:1] + bytes([packet[1] ^ 0x04]) + packet[2:]  # IPv4 TOS: checksum not checked


def test_a_link_rewrite_that_changes_bytes_is_not_shown_as_a_lost_packet() -> None:
    steps = list(Stepper(_with_wan_rewrite(_bump_tos)))
    assert not [s for s in steps if "loses packet" in s.title]
    assert [s.title.split(":")[0] for s in steps if s.kind is StepKind.MESSAGE][:2] == [
        "MM1", "MM2",
    ]  # fmt: skip


def test_a_link_rewrite_that_drops_shows_each_lost_packet() -> None:
    stepper = Stepper(_with_wan_rewrite(lambda packet: None))
    lost = [s for s in stepper[:60] if s.kind is StepKind.DROPPED and "loses packet" in s.title]
    assert lost and all(s.actor == "WAN1" for s in lost)
