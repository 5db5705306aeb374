"""Public hooks on the scheduler and the network: observing the event log, looking at the
queue without running it, and changing a queued delivery by hand (logged, seen by captures)."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, UDP

from vpnteach.crypto.rng import SeededRng
from vpnteach.net.sim import (
    Event,
    FaultApplied,
    LinkError,
    Network,
    PacketDelivered,
    PacketSent,
    Scheduler,
    SchedulerError,
    TimerFired,
)
from vpnteach.net.sim.topology import two_branches


def _timer(sched: Scheduler, at: float, name: str, out: list[str]) -> None:
    sched.schedule(TimerFired(at, "test", name), lambda: out.append(name))


# ---------------------------------------------------------------- observing the log


def test_a_subscriber_hears_each_logged_event_once_in_log_order() -> None:
    net = two_branches(SeededRng(1))
    heard: list[Event] = []
    net.subscribe(heard.append)
    net.node("PC1").ping("192.168.22.2", count=2)
    net.run_until_idle()
    assert len(net.log) > 10
    assert heard == net.log  # scheduled and recorded events alike, each once
    assert all(a is b for a, b in zip(heard, net.log, strict=True))


def test_a_scheduled_event_is_heard_before_its_action_runs() -> None:
    sched, ran = Scheduler(), list[str]()
    seen_when: list[list[str]] = []
    sched.subscribe(lambda event: seen_when.append(list(ran)))
    _timer(sched, 1.0, "t", ran)
    sched.step()
    assert seen_when == [[]] and ran == ["t"]


def test_unsubscribe_stops_the_callbacks_and_leaves_other_subscribers() -> None:
    sched, ran = Scheduler(), list[str]()
    first: list[Event] = []
    second: list[Event] = []
    stop = sched.subscribe(first.append)
    sched.subscribe(second.append)
    for at in (1.0, 2.0, 3.0):
        _timer(sched, at, str(at), ran)
    sched.step()
    stop()
    stop()  # a second call does nothing
    sched.run_until_idle()
    assert len(first) == 1 and len(second) == 3 and len(sched.log) == 3


def test_the_same_callback_subscribed_twice_is_called_twice_until_one_unsubscribes() -> None:
    sched, ran = Scheduler(), list[str]()
    heard: list[Event] = []
    stop = sched.subscribe(heard.append)
    sched.subscribe(heard.append)
    _timer(sched, 1.0, "a", ran)
    _timer(sched, 2.0, "b", ran)
    sched.step()
    stop()
    sched.step()
    assert [e.name for e in heard if isinstance(e, TimerFired)] == ["a", "a", "b"]


# ---------------------------------------------------------------- looking at the queue


def test_peek_item_and_queued_show_the_run_order_without_running_anything() -> None:
    sched, ran = Scheduler(), list[str]()
    for at, name in [(2.0, "late"), (1.0, "first"), (1.0, "second")]:
        _timer(sched, at, name, ran)
    cancelled = sched.schedule(TimerFired(0.5, "test", "gone"), lambda: ran.append("gone"))
    cancelled.cancel()
    queued = sched.queued()
    assert [i.event.name for i in queued if isinstance(i.event, TimerFired)] == [
        "first", "second", "late",
    ]  # fmt: skip
    assert sched.peek_item() is queued[0]
    assert sched.peek() == queued[0].event
    assert ran == [] and sched.log == [] and sched.now == 0.0
    assert Scheduler().peek_item() is None and Scheduler().queued() == ()


def test_replace_keeps_the_items_place_and_refuses_a_new_time_or_a_spent_item() -> None:
    sched, ran = Scheduler(), list[str]()
    _timer(sched, 1.0, "a", ran)
    _timer(sched, 1.0, "b", ran)
    item = sched.queued()[0]
    same = sched.replace(item, TimerFired(1.0, "test", "A"), lambda: ran.append("A"))
    assert same is item
    with pytest.raises(SchedulerError, match=r"at 2\.0 s, the queued event at 1\.0 s"):
        sched.replace(item, TimerFired(2.0, "test", "A"), lambda: None)
    sched.run_until_idle()
    assert ran == ["A", "b"]
    assert [e.name for e in sched.log if isinstance(e, TimerFired)] == ["A", "b"]
    with pytest.raises(SchedulerError, match="not queued"):
        sched.replace(item, TimerFired(1.0, "test", "again"), lambda: None)
    assert not sched.is_queued(item)


# ---------------------------------------------------------------- changing a delivery


def _udp(net: Network, payload: bytes) -> list[bytes]:
    """Branch1 sends one UDP datagram to Branch2 port 9; returns what port 9 will receive."""
    got: list[bytes] = []
    net.node("Branch2").bind_udp(9, lambda msg, now: got.append(msg.payload))
    net.node("Branch1").send_udp("10.1.1.1", 9, "10.2.2.1", 9, payload)
    return got


def test_replace_pending_delivers_the_new_bytes_logs_a_rewrite_and_the_capture_sees_them() -> None:
    net = two_branches(SeededRng(1))
    wan = net.link("WAN").capture()
    got = _udp(net, b"original")
    item = net.queued_deliveries()[0]
    old = item.event
    assert isinstance(old, PacketDelivered)
    new = bytes(IP(src="10.1.1.1", dst="10.2.2.1") / UDP(sport=9, dport=9) / b"replaced!")
    fault = net.replace_pending(item, new, "modified by the learner")
    assert fault == FaultApplied(
        net.now, "WAN", old.number, "rewrite", f"modified by the learner: {len(old.packet)} -> "
        f"{len(new)} bytes",
    )  # fmt: skip
    assert net.log[-1] is fault
    net.run_until_idle()
    assert got == [b"replaced!"]
    assert [r.packet for r in wan.records] == [new]
    assert wan.records[0].number == old.number and wan.records[0].time == old.time
    delivered = [e for e in net.log if isinstance(e, PacketDelivered)]
    assert [e.packet for e in delivered] == [new]  # the log shows what really arrived
    assert f"WAN: packet {old.number} hit by rewrite (modified by the learner" in (
        net.describe_log()
    )


def test_drop_pending_takes_the_packet_off_the_link_and_logs_why() -> None:
    net = two_branches(SeededRng(1))
    wan = net.link("WAN").capture()
    got = _udp(net, b"doomed")
    item = net.queued_deliveries()[0]
    sent = next(e for e in net.log if isinstance(e, PacketSent))
    fault = net.drop_pending(item, "dropped by the learner")
    assert (fault.link, fault.number, fault.kind, fault.detail) == (
        "WAN", sent.number, "rewrite", "dropped by the learner",
    )  # fmt: skip
    net.run_until_idle()
    assert got == [] and len(wan) == 0
    assert not any(isinstance(e, PacketDelivered) for e in net.log)
    with pytest.raises(SchedulerError, match="no longer queued"):
        net.drop_pending(item)


def test_only_a_queued_packet_delivery_can_be_replaced_or_dropped() -> None:
    net = two_branches(SeededRng(1))
    timer = net.set_timer("engine", "t", 1.0, lambda now: None)
    with pytest.raises(LinkError, match="is not a packet delivery"):
        net.replace_pending(timer, b"")
    with pytest.raises(LinkError, match="is not a packet delivery"):
        net.drop_pending(timer)
    _udp(net, b"x")
    item = net.queued_deliveries()[0]
    net.run_until_idle()
    with pytest.raises(SchedulerError, match="no longer queued"):
        net.replace_pending(item, b"late")
