"""Tests for vpnteach.net.netns (need root and network namespaces)."""

from __future__ import annotations

import os

import pytest

from vpnteach.net import netns


def test_unique_name_carries_the_pid_and_tag() -> None:
    assert netns.unique_name("b1") == f"vt{os.getpid() % 100000}b1"


def test_too_long_name_is_refused() -> None:
    with pytest.raises(ValueError, match="15 characters"):
        netns.unique_name("toolongtag")


def test_topology_links_the_wan_addresses(root_netns: None) -> None:
    with netns.Topology() as topo:
        ping = netns.run(topo.left.ns, ["ping", "-c", "1", "-W", "2", topo.right.wan_ip])
        assert "1 received" in ping.stdout
        addrs = netns.run(topo.right.ns, ["ip", "-4", "-o", "addr", "show", "dev", "lo"]).stdout
        assert "192.168.22.1/32" in addrs
        rp = netns.run(topo.left.ns, ["cat", "/proc/sys/net/ipv4/conf/all/rp_filter"]).stdout
        assert rp.strip() == "0"


def test_lan_is_not_reachable_without_a_tunnel(root_netns: None) -> None:
    with netns.Topology() as topo:
        ping = netns.run(
            topo.left.ns,
            ["ping", "-c", "1", "-W", "1", "-I", topo.left.lan_ip, topo.right.lan_ip],
            check=False,
        )
        assert ping.returncode != 0


def test_topology_deletes_its_namespaces_even_after_an_exception(root_netns: None) -> None:
    topo = netns.Topology()
    with pytest.raises(RuntimeError, match="boom"), topo:
        assert topo.left.ns in netns.list_namespaces()
        raise RuntimeError("boom")
    assert topo.left.ns not in netns.list_namespaces()
    assert topo.right.ns not in netns.list_namespaces()


def test_failing_command_reports_namespace_and_stderr(root_netns: None) -> None:
    with netns.Topology() as topo, pytest.raises(netns.NetnsError, match=topo.left.ns):
        netns.run(topo.left.ns, ["ip", "route", "add", "nonsense"])
