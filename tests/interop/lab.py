"""What the IKEv1 and IKEv2 strongSwan interop labs share: the address plan, the credentials
charon loads, starting charon, the namespaces around it, and cutting a case out of charon's log
and SA list.

Case ``i`` gets vpnteach ``10.1.1.<10+i>`` and LAN ``192.168.<100+i>.0/24``, strongSwan
``10.2.2.<10+i>`` and ``192.168.<200+i>.0/24``, so strongSwan picks the connection by
address alone and no two cases share an SA.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import require
from tests.ike.udp_peer import interop_pki
from tests.interop.strongswan import CHARON, Charon, Connection, load_plugins
from vpnteach.net import netns

#: the seed of the CA that signs strongSwan's "Rogue" router (the WIN2003 name, another key)
ROGUE = "rogue"


class LabAddresses:
    """The addresses of case number ``index`` (a mixin for the labs' case dataclasses)."""

    index: int

    @property
    def vpnteach_addr(self) -> str:
        return f"10.1.1.{10 + self.index}"

    @property
    def strongswan_addr(self) -> str:
        return f"10.2.2.{10 + self.index}"

    @property
    def vpnteach_lan(self) -> str:
        return f"192.168.{100 + self.index}.0/24"

    @property
    def strongswan_lan(self) -> str:
        return f"192.168.{200 + self.index}.0/24"


class LabCase(Protocol):
    """A case as charon's log and SA list know it: its connection name and vpnteach's address."""

    @property
    def name(self) -> str: ...

    @property
    def vpnteach_addr(self) -> str: ...


def add_addresses(topo: netns.Topology, cases: Iterable[LabAddresses]) -> None:
    """Each case's WAN addresses on the veth ends, and on-link routes to the other /24.

    kernel-libipsec routes a CHILD SA's remote subnet into its TUN device from a local
    address inside ``local_ts``: strongSwan's LAN gets a /32 on ``lo`` per case.
    """
    for case in cases:
        netns.add_address(topo.left.ns, topo.left.wan_dev, f"{case.vpnteach_addr}/24")
        netns.add_address(topo.right.ns, topo.right.wan_dev, f"{case.strongswan_addr}/24")
        lan_ip = case.strongswan_lan.replace(".0/24", ".1/32")
        netns.add_address(topo.right.ns, "lo", lan_ip)
    netns.add_route(topo.left.ns, "10.2.2.0/24", dev=topo.left.wan_dev)
    netns.add_route(topo.right.ns, "10.1.1.0/24", dev=topo.right.wan_dev)


def write_credentials(charon: Charon, work: Path, when: float) -> None:
    """The interop CA, Branch2's certificate and key, and a router "Rogue" enrolled at a
    stranger CA (same CA name and DN, another key; a subject of its own, so that strongSwan
    never tries its key for Branch1 or Branch2)."""
    pem = serialization.Encoding.PEM
    ca, routers = interop_pki(when)
    files: dict[str, list[tuple[str, bytes]]] = {
        "x509ca": [("ca.cert.pem", ca.certificate.public_bytes(pem))],
        "x509": [],
        "private": [],
    }
    rogue = interop_pki(when, ROGUE, ("Rogue",))[1]["Rogue"]
    for tag, router in (("branch2", routers["Branch2"]), ("rogue", rogue)):
        cert = router.trustpoints["WIN2003"].certificate
        assert cert is not None
        key = router.keys["BRANCH_KEY"].private_key
        files["x509"].append((f"{tag}.cert.pem", cert.public_bytes(pem)))
        private = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        files["private"].append((f"{tag}.key.pem", private))
    for kind, items in files.items():
        for name, data in items:
            path = work / name
            path.write_bytes(data)
            charon.add_credential(kind, path)


def start_charon(
    topo: netns.Topology,
    work: Path,
    when: float,
    connections: Iterable[Connection],
    plugins: tuple[str, ...] = (),
    extra_conf: str = "",
) -> Charon:
    """charon in the right namespace with ``connections`` and the credentials loaded;
    ``plugins`` as in :func:`~tests.interop.strongswan.load_plugins`, ``extra_conf`` as in
    :class:`~tests.interop.strongswan.Charon`."""
    charon = Charon(topo.right.ns, work / "charon", name="strongswan", extra_conf=extra_conf)
    charon.write_config(list(connections))
    load_plugins(charon, plugins)
    write_credentials(charon, work, when)
    charon.start()
    charon.load_all()
    return charon


@contextmanager
def charon_lab(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    cases: Iterable[LabAddresses],
    start: Callable[[netns.Topology, Path, float], Charon],
) -> Iterator[tuple[netns.Topology, Charon, Path, float]]:
    """A lab for one module's cases: (skipped or, in CI, failed without charon) a work folder
    ``name``, the time the PKI is made for, two namespaces with every case's addresses, and
    charon as ``start(topo, work, when)`` makes it; charon and the namespaces go at the end."""
    require(Path(CHARON).exists(), "needs strongSwan charon")
    work = tmp_path_factory.mktemp(name)
    when = time.time()
    with netns.Topology() as topo:
        add_addresses(topo, cases)
        charon = start(topo, work, when)
        with charon:
            yield topo, charon, work, when


def mirror(connection: Connection, **changes: object) -> Connection:
    """The other end of ``connection`` (addresses, IDs and traffic selectors swapped), e.g.
    a second charon that initiates it; ``changes`` as in :func:`dataclasses.replace`."""
    return dataclasses.replace(
        connection,
        local_addr=connection.remote_addr,
        remote_addr=connection.local_addr,
        local_id=connection.remote_id,
        remote_id=connection.local_id,
        local_ts=connection.remote_ts,
        remote_ts=connection.local_ts,
        **changes,  # type: ignore[arg-type]
    )


def case_log(log: str, case: LabCase) -> str:
    """The lines of charon's log that belong to ``case``'s IKE SA(s) (by unique id)."""
    # charon prefixes a line with <name|unique id>, or <unique id> while the SA is unnamed.
    addr = re.escape(case.vpnteach_addr)
    ids = set(re.findall(rf"<(?:[^>|]*\|)?(\d+)> .*\b{addr}\[", log))
    ids |= set(re.findall(rf"<{re.escape(case.name)}\|(\d+)>", log))
    wanted = re.compile(r"<(?:[^>|]*\|)?(" + "|".join(sorted(ids)) + r")> ") if ids else None
    if wanted is None:
        return ""
    return "\n".join(line for line in log.splitlines() if wanted.search(line))


def raw_sa_block(sas: str, case: LabCase) -> str:
    """The ``--list-sas --raw`` entry of ``case``'s connection."""
    match = re.search(
        rf"list-sa event \{{{re.escape(case.name)} \{{.*?\}}\}}\s*$", sas, re.M | re.S
    )
    assert match, f"{case.name} not in swanctl --list-sas --raw:\n{sas}"
    return match.group(0)
