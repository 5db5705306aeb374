"""One EXEC table for the lab and the router process: same words, same abbreviations, same text.

The lab router and a router process built from the same configuration, PKI and clock answer
the same command list identically (where both can: a router process has no simulated network
to ping across; ``show clock`` differs only by zone: the lab's routers run on the seed's AEST,
a process on its configuration's ``clock timezone``). Keywords are case-insensitive:
``debug crypto ISAKMP`` is ISAKMP debugging in both front ends (it used to turn on IPsec
debugging in the lab).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from vpnteach.ios.errors import ExecError
from vpnteach.ios.execmode import EXEC_COMMANDS
from vpnteach.lab import Lab
from vpnteach.labs.router import LabRouter
from vpnteach.router.commands import run_command
from vpnteach.router.control import ask
from vpnteach.router.process import RouterProcess

COMMANDS = [
    "show running-config",
    "sh run",
    "show crypto isakmp policy",
    "sh cry isa pol",
    "SHOW CRYPTO ISAKMP POLICY",
    "show crypto isakmp sa",
    "show crypto ipsec sa",
    "sh cry ips sa det",
    "show crypto ipsec transform-set",
    "show crypto ipsec transform-set tag TS",
    "show crypto map",
    "sh cry map tag CRYPTO",
    "show crypto key pubkey-chain rsa",
    "show crypto key mypubkey rsa",
    "show crypto pki certificates",
    "show crypto pki trustpoints",
    "debug crypto isakmp",
    "debug crypto ISAKMP",
    "Debug Crypto IPsec",
    "no debug crypto ipsec",
    "undebug crypto isakmp",
    "un all",
    "clear crypto sa",
    "clear crypto isakmp",
]
BAD = [
    "show crypto bogus",
    "sh cry isa",
    "s run",
    "show crypto isakmp sa extra",
    "debug crypto",
    "cl crypto sa",
]


@pytest.fixture(scope="module")
def pair() -> tuple[LabRouter, RouterProcess]:
    lab = Lab.seed()
    b1 = lab.branch1
    process = RouterProcess(b1.config, b1.pki, clock=lambda: b1.clock().timestamp())
    return b1, process


@pytest.mark.parametrize("command", COMMANDS)
def test_the_lab_and_the_router_process_answer_alike(
    pair: tuple[LabRouter, RouterProcess], command: str
) -> None:
    lab_router, process = pair
    assert lab_router.exec(command) == run_command(process, command)


@pytest.mark.parametrize("command", BAD)
def test_both_refuse_alike(pair: tuple[LabRouter, RouterProcess], command: str) -> None:
    lab_router, process = pair
    with pytest.raises(ExecError) as in_lab:
        lab_router.exec(command)
    with pytest.raises(ExecError) as in_process:
        run_command(process, command)
    assert str(in_lab.value) == str(in_process.value)


@pytest.mark.parametrize("words", ["debug crypto ISAKMP", "DEB CRY ISA", "debug crypto Isakmp"])
def test_debug_crypto_isakmp_in_any_case_is_isakmp_debugging(words: str) -> None:
    lab = Lab.seed()
    process = RouterProcess(lab.branch1.config, lab.branch1.pki)
    assert lab.branch1.exec(words) == "Crypto ISAKMP debugging is on\n"
    assert run_command(process, words) == "Crypto ISAKMP debugging is on\n"
    assert lab.branch1.debugging == process.debugging == {"isakmp"}
    ping = lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    assert "ISAKMP:(0):Old State = IKE_READY New State = IKE_I_MM1" in ping
    assert "IPSEC(" not in ping  # IPsec debug lines stay off


def test_ambiguous_and_incomplete_answer_as_ios() -> None:
    lab = Lab.seed()
    with pytest.raises(ExecError, match='% Ambiguous command:  "s run"'):
        lab.branch1.exec("s run")  # show, ssh, send, set, setup ... (IOS 12.4 EXEC)
    with pytest.raises(ExecError, match=r"Branch1#sh cry isa\n% Incomplete command\."):
        lab.branch1.exec("sh cry isa")


def test_every_row_is_one_table_for_both_front_ends() -> None:
    # the router process has no table of its own any more: its module names no patterns
    import vpnteach.router.commands as process_commands

    assert not hasattr(process_commands, "COMMANDS")
    assert any(c.pattern.startswith("deb(ug)") for c in EXEC_COMMANDS)


def test_the_control_socket_answers_the_same_commands(
    pair: tuple[LabRouter, RouterProcess], tmp_path: Path
) -> None:
    """Over the router process's control socket (one line per connection), as the lab does."""
    lab_router, process = pair
    path = tmp_path / "b1.ctl"
    commands = [*COMMANDS[:8], "show crypto bogus", "sh cry isa"]

    async def serve_and_ask() -> list[str]:
        server = await asyncio.start_unix_server(process._on_control, str(path))
        try:
            return [await asyncio.to_thread(ask, path, c) for c in commands]
        finally:
            server.close()
            await server.wait_closed()

    # a thread of its own: another test's event loop may still run in this one
    with ThreadPoolExecutor(1) as pool:
        answers = pool.submit(asyncio.run, serve_and_ask()).result(timeout=60)
    for command, answer in zip(commands, answers, strict=True):
        try:
            expected = lab_router.exec(command)
        except ExecError as refused:
            expected = f"{refused}\n"
        assert answer == expected, command
