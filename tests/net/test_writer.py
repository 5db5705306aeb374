"""The background writer keeps order, bounds its queue, and writes a lone packet at once."""

from __future__ import annotations

import os
import threading
import time

from vpnteach.net.writer import BackgroundWriter


def _wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the writer thread did not catch up"
        time.sleep(0.001)


def test_batches_arrive_in_order_through_a_real_pipe() -> None:
    read_end, write_end = os.pipe()
    writer = BackgroundWriter(lambda b: os.write(write_end, b), "test-write")
    try:
        expected = b""
        for batch in range(50):
            for n in range(batch % 7 + 1):
                item = f"<{batch}.{n}>".encode()
                writer.put(item)
                expected += item
            writer.flush()
        _wait_for(lambda: writer.written == len(expected.split(b"><")))
        got = b""
        while len(got) < len(expected):
            got += os.read(read_end, 65536)
        assert got == expected and writer.dropped == writer.errors == 0
    finally:
        writer.close()
        os.close(read_end)
        os.close(write_end)


def test_a_lone_packet_is_written_by_the_caller_without_waking_the_thread() -> None:
    callers: list[str] = []
    writer = BackgroundWriter(lambda b: callers.append(threading.current_thread().name), "w")
    try:
        writer.put(b"ping")
        writer.flush()
        assert callers == [threading.current_thread().name]  # written before flush returned
        writer.put(b"a")
        writer.put(b"b")
        writer.flush()
        _wait_for(lambda: len(callers) == 3)
        assert callers[1:] == ["w", "w"]
    finally:
        writer.close()


def test_the_queue_is_bounded_and_failed_writes_are_counted_not_raised() -> None:
    gate = threading.Event()
    written: list[bytes] = []

    def slow(packet: bytes) -> None:
        gate.wait()
        if packet == b"bad":
            raise OSError(5, "Input/output error")
        written.append(packet)

    writer = BackgroundWriter(slow, "slow", limit=4)
    try:
        for packet in (b"1", b"bad", b"3", b"4", b"5", b"6"):
            writer.put(packet)
        assert writer.dropped == 2  # 5 and 6: four were already waiting
        writer.flush()
        gate.set()
        _wait_for(lambda: writer.written + writer.errors == 4)
        assert written == [b"1", b"3", b"4"] and writer.errors == 1
    finally:
        writer.close()
    assert not writer._thread.is_alive()
